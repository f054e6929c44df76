"""What earlier days of ``clean.mentions`` tell the cleaning of a new day.

Comments often name no car ("mine did the same") and belong to a thread started days
before; and a re-post of an older text by the same author is a duplicate. Both need the
mentions already kept before the window, looked up here for just the threads and authors
the new posts involve.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from vintage_ai_assets.warehouse import Warehouse

MENTIONS_TABLE = "clean.mentions"


def prior_context(
    warehouse: Warehouse, posts: pd.DataFrame, before: datetime
) -> tuple[dict[str, list[str]], set[tuple[str, str]]]:
    """(cars of earlier threads the posts reply to, (author, text) pairs kept earlier)."""
    if posts.empty or not warehouse.table_exists(MENTIONS_TABLE):
        return {}, set()
    threads = posts.loc[posts["kind"] == "comment", "thread_id"].dropna().unique().tolist()
    authors = posts["author_hash"].dropna().unique().tolist()
    thread_cars: dict[str, list[str]] = {}
    if threads:
        found = warehouse.query(
            "SELECT thread_id, car FROM clean.mentions "
            "WHERE kind = 'submission' AND created_at < ? AND thread_id IN (SELECT unnest(?)) "
            "ORDER BY thread_id, car",
            [before, threads],
        )
        for thread, group in found.groupby("thread_id"):
            thread_cars[str(thread)] = group["car"].tolist()
    seen: set[tuple[str, str]] = set()
    if authors:
        pairs = warehouse.query(
            "SELECT DISTINCT author_hash, dedup_hash FROM clean.mentions "
            "WHERE created_at < ? AND author_hash IN (SELECT unnest(?))",
            [before, authors],
        )
        seen = set(zip(pairs["author_hash"], pairs["dedup_hash"], strict=True))
    return thread_cars, seen
