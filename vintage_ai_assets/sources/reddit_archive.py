"""Reddit archive files: pushshift / Arctic-Shift style NDJSON, plain or ``.zst``.

Files are streamed line by line, so memory stays flat whatever their size. A line that is
not valid JSON, or lacks the fields a submission or comment needs, is quarantined with its
file and line number; the rest of the file still loads. Files are UTF-8 (UTF-16 with a
byte-order mark is decoded too); a line in another encoding is quarantined as
``not UTF-8 text``. A file that cannot be read on (a corrupt ``.zst`` stream) keeps the
records read before the damage and is quarantined under its name.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
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
from vintage_ai_assets.sources.text_files import bom_encoding

SUFFIXES = (".ndjson", ".jsonl", ".json", ".ndjson.zst", ".jsonl.zst", ".zst")
SOURCE = "reddit"
MAX_LINE_BYTES = 16 * 1024 * 1024


def iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Yield (line number, raw line) from a plain or zstandard-compressed file.

    Lines are UTF-8 bytes as stored; a file that starts with a UTF-16 or UTF-32
    byte-order mark is decoded and its lines re-encoded as UTF-8.
    """
    with path.open("rb") as handle:
        if path.name.lower().endswith(".zst"):
            reader = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(handle)
            stream: io.BufferedReader = io.BufferedReader(reader, buffer_size=1 << 20)
        else:
            stream = handle
        encoding = bom_encoding(stream.peek(4)[:4])
        if encoding in ("utf-16", "utf-32"):
            text = io.TextIOWrapper(stream, encoding=encoding, newline="")
            for number, line in enumerate(text, start=1):
                yield number, line.encode("utf-8", "surrogatepass")
        else:
            yield from enumerate(stream, start=1)


def record_from_json(obj: dict, locator: str) -> tuple[dict | None, str | None]:
    """Turn one archive object into a raw post row, or return the reason it is rejected."""
    if not isinstance(obj, dict):
        return None, "not a JSON object"
    source_id = obj.get("id")
    if not isinstance(source_id, str) or not source_id.strip():
        return None, "missing id"
    created = to_utc_naive(obj.get("created_utc"))
    if created is None:
        return None, "missing or invalid created_utc"
    is_comment = "body" in obj or str(obj.get("name", "")).startswith("t1_")
    if is_comment:
        body = obj.get("body")
        if not isinstance(body, str):
            return None, "comment without body"
        title, text, kind = "", body, "comment"
        thread = str(obj.get("link_id") or "").removeprefix("t3_") or None
    else:
        title = obj.get("title")
        if not isinstance(title, str):
            return None, "submission without title"
        selftext = obj.get("selftext")
        text = selftext if isinstance(selftext, str) else ""
        kind = "submission"
        thread = source_id
    author = obj.get("author")
    permalink = obj.get("permalink")
    url = (
        f"https://www.reddit.com{permalink}"
        if isinstance(permalink, str) and permalink.startswith("/")
        else obj.get("url")
    )
    return {
        "record_id": f"{SOURCE}:{source_id}",
        "source": SOURCE,
        "source_id": source_id,
        "kind": kind,
        "thread_id": thread,
        "community": obj.get("subreddit") if isinstance(obj.get("subreddit"), str) else None,
        "created_at": created,
        "author_hash": author_hash(author),
        "author_is_bot": is_bot(author),
        "title": title,
        "text": text,
        "url": http_url(url),
        "car_hint": None,
        "score": safe_int(obj.get("score")),
        "replies": safe_int(obj.get("num_comments")),
        "locator": locator,
    }, None


def read_archives(
    paths: Iterable[Path], window: TimeWindow, spans: FileSpans | None = None
) -> ReadResult:
    """Read every archive file and keep the records written inside ``window``; with
    ``spans``, files known to hold nothing inside ``window`` are not opened.

    Unparsable lines (whose date is unknown) are quarantined whatever the window; their
    locator (file:line) keeps the quarantine free of duplicates across runs.
    """
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
                    quarantine.add(SOURCE, locator, "line longer than 16 MiB", excerpt(line))
                    continue
                obj, error = parse_json_line(line)
                if error is not None:
                    read += 1
                    quarantine.add(SOURCE, locator, error, excerpt(line))
                    continue
                created = to_utc_naive(obj.get("created_utc")) if isinstance(obj, dict) else None
                span.see(created)
                if created is not None and not window.contains(created):
                    continue
                read += 1
                row, reason = record_from_json(obj, locator)
                if row is None:
                    quarantine.add(SOURCE, locator, reason or "invalid record", excerpt(line))
                elif row["record_id"] in seen:
                    quarantine.add(SOURCE, locator, "repeated id in the archive", row["record_id"])
                else:
                    seen.add(row["record_id"])
                    rows.append(row)
        except (OSError, ValueError, zstandard.ZstdError) as exc:
            read += 1
            quarantine.add(SOURCE, name, f"unreadable file: {type(exc).__name__}: {exc}")
        else:
            if spans is not None:
                spans.learn(path, span.first, span.last)
    if spans is not None:
        spans.save()
    return ReadResult(posts_frame(rows), quarantine, read, files)


def excerpt(line: bytes) -> str:
    """The start of a raw line, as text, for a quarantine row."""
    return line[:200].decode("utf-8", "replace")


def read_inbox(folder: Path, window: TimeWindow, spans: FileSpans | None = None) -> ReadResult:
    """Read the archives in an inbox folder for ``window``."""
    return read_archives(list_inbox_files(folder, SUFFIXES), window, spans)
