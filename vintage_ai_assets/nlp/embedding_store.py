"""The embedding cache: one vector per (distinct text, model), kept in ``nlp.text_embeddings``.

A text is embedded the first time any day brings it and reused by every later run, by
re-materialisation and by the per-car theme models.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from vintage_ai_assets.nlp.embeddings import embed_texts
from vintage_ai_assets.warehouse import Warehouse

EMBEDDINGS_TABLE = "nlp.text_embeddings"


def known_hashes(
    warehouse: Warehouse, hashes: Sequence[str], model: str, outside: tuple[datetime, datetime]
) -> set[str]:
    """Which ``hashes`` are already cached for ``model`` by a day outside the window."""
    if not len(hashes) or not warehouse.table_exists(EMBEDDINGS_TABLE):
        return set()
    found = warehouse.query(
        "SELECT text_hash FROM nlp.text_embeddings WHERE model = ? "
        "AND NOT (first_seen >= ? AND first_seen < ?) AND text_hash IN (SELECT unnest(?))",
        [model, outside[0], outside[1], list(hashes)],
    )
    return set(found["text_hash"])


def vectors_for(
    warehouse: Warehouse, hashes: Sequence[str], texts: Sequence[str], model: str
) -> tuple[np.ndarray, int]:
    """Embeddings for (hash, text) pairs from the cache, computing any that are missing.

    Returns (matrix in the order given, number computed now).
    """
    cached: dict[str, np.ndarray] = {}
    if len(hashes) and warehouse.table_exists(EMBEDDINGS_TABLE):
        rows = warehouse.query(
            "SELECT text_hash, embedding FROM nlp.text_embeddings "
            "WHERE model = ? AND text_hash IN (SELECT unnest(?))",
            [model, list(dict.fromkeys(hashes))],
        )
        cached = dict(zip(rows["text_hash"], rows["embedding"], strict=True))
    missing = [i for i, h in enumerate(hashes) if h not in cached]
    if missing:
        fresh = embed_texts([texts[i] for i in missing], model)
        for i, vector in zip(missing, fresh, strict=True):
            cached[hashes[i]] = vector
    if not len(hashes):
        return np.zeros((0, 0), dtype=np.float32), 0
    return np.vstack([np.asarray(cached[h], dtype=np.float32) for h in hashes]), len(missing)


def new_embeddings(
    texts: pd.DataFrame, known: set[str], model: str, chunk: int = 2000, progress=None
) -> pd.DataFrame:
    """Embed the distinct texts not in ``known``: rows (text_hash, model, first_seen, embedding).

    ``texts`` has text_hash, text and created_at; ``progress(done, total)`` is called per chunk.
    """
    first = texts.groupby("text_hash", sort=True).agg(
        text=("text", "first"), first_seen=("created_at", "min")
    )
    todo = first[~first.index.isin(known)]
    vectors: list[np.ndarray] = []
    for begin in range(0, len(todo), chunk):
        vectors.extend(embed_texts(todo["text"].iloc[begin : begin + chunk].tolist(), model))
        if progress is not None:
            progress(min(begin + chunk, len(todo)), len(todo))
    frame = pd.DataFrame(
        {
            "text_hash": todo.index.astype(str),
            "model": model,
            "first_seen": pd.to_datetime(todo["first_seen"]).astype("datetime64[ns]").to_numpy(),
            "embedding": pd.Series(vectors, dtype=object),
        }
    )
    return frame.reset_index(drop=True)
