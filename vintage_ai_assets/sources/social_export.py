"""Generic social exports: JSONL of {source, id, created_at, author, text, url, ...}.

This is how Instagram/TikTok/YouTube comment exports and owner-forum dumps get in. Optional
fields: ``car`` (a catalog slug the exporter already knows), ``likes``, ``comments``,
``thread_id``, ``thread_title``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from vintage_ai_assets.sources.records import (
    Quarantine,
    ReadResult,
    TimeWindow,
    author_hash,
    is_bot,
    list_inbox_files,
    posts_frame,
    to_utc_naive,
)
from vintage_ai_assets.sources.reddit_archive import MAX_LINE_BYTES, iter_lines

SUFFIXES = (".jsonl", ".ndjson", ".jsonl.zst", ".ndjson.zst")
REQUIRED = ("source", "id", "created_at", "text")


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def record_from_json(obj: object, locator: str) -> tuple[dict | None, str | None]:
    """Turn one export object into a raw post row, or return the reason it is rejected."""
    if not isinstance(obj, dict):
        return None, "not a JSON object"
    missing = [k for k in REQUIRED if obj.get(k) in (None, "")]
    if missing:
        return None, f"missing {', '.join(missing)}"
    if not isinstance(obj["text"], str):
        return None, "text is not a string"
    created = to_utc_naive(obj["created_at"])
    if created is None:
        return None, "created_at is not ISO 8601"
    source = str(obj["source"]).strip()[:64]
    source_id = str(obj["id"]).strip()[:128]
    author = obj.get("author")
    thread = obj.get("thread_id")
    car = obj.get("car")
    return {
        "record_id": f"{source}:{source_id}",
        "source": source,
        "source_id": source_id,
        "kind": "post",
        "thread_id": str(thread) if thread not in (None, "") else None,
        "community": str(obj.get("thread_title") or "")[:300] or None,
        "created_at": created,
        "author_hash": author_hash(author),
        "author_is_bot": is_bot(author),
        "title": "",
        "text": obj["text"],
        "url": obj.get("url") if isinstance(obj.get("url"), str) else None,
        "car_hint": car if isinstance(car, str) else None,
        "score": _int(obj.get("likes")),
        "replies": _int(obj.get("comments")),
        "locator": locator,
    }, None


def read_exports(paths: Iterable[Path], window: TimeWindow) -> ReadResult:
    """Read every export file and keep the records written inside ``window``."""
    rows: list[dict] = []
    seen: set[str] = set()
    quarantine = Quarantine()
    read = files = 0
    for path in paths:
        files += 1
        for number, line in iter_lines(path):
            locator = f"{path.name}:{number}"
            if not line.strip():
                continue
            if len(line) > MAX_LINE_BYTES:
                read += 1
                quarantine.add("social", locator, "line longer than 16 MiB", line[:200])
                continue
            try:
                obj = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                read += 1
                quarantine.add(
                    "social", locator, "invalid JSON", line[:200].decode("utf-8", "replace")
                )
                continue
            created = to_utc_naive(obj.get("created_at")) if isinstance(obj, dict) else None
            if created is not None and not window.contains(created):
                continue
            read += 1
            row, reason = record_from_json(obj, locator)
            source = str(obj.get("source") or "social") if isinstance(obj, dict) else "social"
            if row is None:
                quarantine.add(source, locator, reason or "invalid record", json.dumps(obj)[:200])
            elif row["record_id"] in seen:
                quarantine.add(source, locator, "repeated id in the export", row["record_id"])
            else:
                seen.add(row["record_id"])
                rows.append(row)
    return ReadResult(posts_frame(rows), quarantine, read, files)


def read_inbox(folder: Path, window: TimeWindow) -> ReadResult:
    """Read the exports in an inbox folder for ``window``."""
    return read_exports(list_inbox_files(folder, SUFFIXES), window)
