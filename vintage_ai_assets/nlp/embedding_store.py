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


def cached_vectors(
    warehouse: Warehouse, hashes: Sequence[str], model: str
) -> tuple[pd.Index, np.ndarray]:
    """The cached embeddings of ``hashes`` for ``model``: (hashes found, float32 matrix).

    Read as Arrow and reshaped in one step (no Python object per vector).
    """
    if not len(hashes) or not warehouse.table_exists(EMBEDDINGS_TABLE):
        return pd.Index([], dtype=object), np.zeros((0, 0), dtype=np.float32)
    with warehouse.connection(read_only=True) as con:
        table = con.sql(
            "SELECT text_hash, embedding FROM nlp.text_embeddings "
            "WHERE model = $model AND text_hash IN (SELECT unnest($hashes))",
            params={"model": model, "hashes": list(hashes)},
        ).to_arrow_table()
    column = table.column("embedding").combine_chunks()
    values = column.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    matrix = values.reshape(len(column), -1) if len(column) else np.zeros((0, 0), np.float32)
    return pd.Index(table.column("text_hash").to_pylist(), dtype=object), matrix


def vectors_for(
    warehouse: Warehouse, hashes: Sequence[str], texts: Sequence[str], model: str
) -> tuple[np.ndarray, int]:
    """Embeddings for (hash, text) pairs from the cache, computing any that are missing.

    Returns (matrix in the order given, number of distinct texts embedded now).
    """
    if not len(hashes):
        return np.zeros((0, 0), dtype=np.float32), 0
    unique = pd.Index(list(dict.fromkeys(hashes)), dtype=object)
    found, matrix = cached_vectors(warehouse, unique, model)
    position = found.get_indexer(unique)
    missing = np.flatnonzero(position < 0)
    if len(missing):
        text_of = dict(zip(hashes, texts, strict=True))
        fresh = embed_texts([text_of[unique[i]] for i in missing], model)
        if not len(matrix):
            matrix = np.zeros((0, fresh.shape[1]), dtype=np.float32)
        position[missing] = len(matrix) + np.arange(len(missing))
        matrix = np.vstack([matrix, fresh.astype(np.float32, copy=False)])
    rows = position[unique.get_indexer(hashes)]
    return np.ascontiguousarray(matrix[rows]), len(missing)


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
