"""Generic social exports: JSONL of {source, id, created_at, author, text, url, ...}.

This is how Instagram/TikTok/YouTube comment exports and owner-forum dumps get in. Optional
fields: ``car`` (a catalog slug the exporter already knows), ``likes``, ``comments``,
``thread_id``, ``thread_title``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import zstandard

from vintage_ai_assets.sources.authors import author_hash, is_bot
from vintage_ai_assets.sources.file_spans import FileSpans, SpanTracker
from vintage_ai_assets.sources.inbox_listing import list_inbox_files
from vintage_ai_assets.sources.parsing import (
    clean_text,
    http_url,
    parse_json_line,
    safe_int,
    to_utc_naive,
)
from vintage_ai_assets.sources.records import Quarantine, ReadResult, TimeWindow, posts_frame
from vintage_ai_assets.sources.reddit_archive import MAX_LINE_BYTES, excerpt, iter_lines

SUFFIXES = (".jsonl", ".ndjson", ".jsonl.zst", ".ndjson.zst")
REQUIRED = ("source", "id", "created_at", "text")


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
        "url": http_url(obj.get("url")),
        "car_hint": car if isinstance(car, str) else None,
        "score": safe_int(obj.get("likes")),
        "replies": safe_int(obj.get("comments")),
        "locator": locator,
    }, None


def _source_of(obj: object) -> str:
    """The source a record names (for its quarantine row), else ``social``."""
    named = obj.get("source") if isinstance(obj, dict) else None
    return (str(named).strip()[:64] if named not in (None, "") else "") or "social"


def read_exports(
    paths: Iterable[Path], window: TimeWindow, spans: FileSpans | None = None
) -> ReadResult:
    """Read every export file and keep the records written inside ``window``; with
    ``spans``, files known to hold nothing inside ``window`` are not opened."""
    rows: list[dict] = []
    seen: set[str] = set()
    quarantine = Quarantine()
    read = files = 0
    for path in paths:
        if spans is not None and spans.skip(path, window):
            continue
        files += 1
        name = clean_text(path.name)
        span = SpanTracker()
        try:
            for number, line in iter_lines(path):
                locator = f"{name}:{number}"
                if not line.strip():
                    continue
                if len(line) > MAX_LINE_BYTES:
                    read += 1
                    quarantine.add("social", locator, "line longer than 16 MiB", excerpt(line))
                    continue
                obj, error = parse_json_line(line)
                if error is not None:
                    read += 1
                    quarantine.add("social", locator, error, excerpt(line))
                    continue
                created = to_utc_naive(obj.get("created_at")) if isinstance(obj, dict) else None
                span.see(created)
                if created is not None and not window.contains(created):
                    continue
                read += 1
                row, reason = record_from_json(obj, locator)
                source = _source_of(obj)
                if row is None:
                    quarantine.add(source, locator, reason or "invalid record", excerpt(line))
                elif row["record_id"] in seen:
                    quarantine.add(source, locator, "repeated id in the export", row["record_id"])
                else:
                    seen.add(row["record_id"])
                    rows.append(row)
        except (OSError, ValueError, zstandard.ZstdError) as exc:
            read += 1
            quarantine.add("social", name, f"unreadable file: {type(exc).__name__}: {exc}")
        else:
            if spans is not None:
                spans.learn(path, span.first, span.last)
    if spans is not None:
        spans.save()
    return ReadResult(posts_frame(rows), quarantine, read, files)


def read_inbox(folder: Path, window: TimeWindow, spans: FileSpans | None = None) -> ReadResult:
    """Read the exports in an inbox folder for ``window``."""
    return read_exports(list_inbox_files(folder, SUFFIXES), window, spans)
