"""Shared shapes of the raw layer: accepted records, quarantined records, time windows."""

from __future__ import annotations

import codecs
import csv
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from vintage_ai_assets import settings

EXCERPT_CHARS = 200

# Columns of every raw text table (reddit, forums, social exports).
POST_COLUMNS = [
    "record_id",  # f"{source}:{source_id}", unique per table
    "source",  # reddit, forum:<site>, instagram, ...
    "source_id",  # the id the source gave it
    "kind",  # submission, comment, post
    "thread_id",  # the thread (reddit link id, forum thread) it belongs to, if any
    "community",  # subreddit, forum, account
    "created_at",  # naive UTC timestamp: when it was written
    "author_hash",  # keyed hash of the author name, never the name
    "author_is_bot",
    "title",
    "text",
    "url",
    "car_hint",  # a catalog slug the source already states, if any
    "score",
    "replies",
    "locator",  # file:line or URL it was read from
]

BOT_NAMES = {"automoderator", "[deleted]", "sneakpeekbot", "remindmebot", "imgurtranscriber"}
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_JSON_DEPTH = 100  # deeper records are refused: str() and json.dumps would recurse too far

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# A JSON escape, taken left to right so that an escaped backslash is never read as the start
# of a \u escape: a surrogate pair, a lone surrogate, or anything else.
_JSON_ESCAPE = re.compile(
    r"\\(?:(?P<pair>u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?P<lone>u[dD][89a-fA-F][0-9a-fA-F]{2})|.)",
    re.DOTALL,
)
# "author": "name" (JSON or Python repr) in an excerpt, also cut short at its end.
_AUTHOR_FIELD = re.compile(
    r"""(?P<key>(?P<q>["'])(?:author\w*|user|username|user_name|screen_name)(?P=q)\s*:\s*)"""
    r"""(?:"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?)""",
    re.IGNORECASE,
)


def clean_text(value: str) -> str:
    """``value`` with each lone surrogate (from a ``\\ud800`` JSON escape or an undecodable
    file name) replaced by U+FFFD: no UTF-8 store, DuckDB included, accepts them."""
    return value if value.isascii() else _LONE_SURROGATE.sub("\ufffd", value)


def without_authors(text: str) -> str:
    """``text`` with the values of ``author``-like fields replaced by ``<redacted>``."""
    return _AUTHOR_FIELD.sub(lambda m: f'{m.group("key")}"<redacted>"', text)


def http_url(value: object) -> str | None:
    """``value`` if it is an http(s) URL with a host, else None (``javascript:``, ``data:``
    and other schemes a viewer could run are never stored as a record's link)."""
    if not isinstance(value, str):
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    return value.strip() if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def safe_int(value: object) -> int:
    """``value`` if it is an int that fits a 64-bit column, else 0 (bools, floats, text)."""
    return value if type(value) is int and INT64_MIN <= value <= INT64_MAX else 0


def _fix_surrogate_escapes(match: re.Match[str]) -> str:
    return "\\ufffd" if match.group("lone") else match.group(0)


def parse_json_line(line: bytes) -> tuple[object, str | None]:
    """(value, None) for one line of JSON, or (None, the reason it cannot be read).

    The line must be UTF-8 (a byte-order mark is ignored); see :func:`loads_json`.
    """
    try:
        text = line.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    return loads_json(text)


def loads_json(text: str) -> tuple[object, str | None]:
    """(value, None) for a JSON document, or (None, the reason it cannot be read).

    Lone surrogate escapes become U+FFFD; numbers too long to convert and nesting deeper
    than :data:`MAX_JSON_DEPTH` are reasons, not crashes.
    """
    if "\\u" in text:
        text = _JSON_ESCAPE.sub(_fix_surrogate_escapes, text)
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None, "invalid JSON"
    except RecursionError:
        return None, "invalid JSON: nested too deeply"
    except ValueError:  # an integer literal longer than Python converts
        return None, "invalid JSON: number too long"
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _too_deep(value):
        return None, "invalid JSON: nested too deeply"
    return value, None


def _too_deep(value: object) -> bool:
    """Whether ``value`` nests lists/objects deeper than :data:`MAX_JSON_DEPTH`."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class TextEncodingError(ValueError):
    """A text file is neither UTF-8 nor UTF-16/32 with a byte-order mark."""


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_encoding(head: bytes) -> str | None:
    """The encoding whose byte-order mark starts ``head`` (UTF-32 before UTF-16), or None."""
    return next((name for bom, name in _BOMS if head.startswith(bom)), None)


def text_encoding(path: Path) -> str:
    """The encoding to read a text file with: UTF-8 (a BOM is skipped), or UTF-16/32 when
    the file starts with their byte-order mark. The whole file is checked first, so a file
    is read completely or not at all; raises :class:`TextEncodingError` giving the offset
    of the first undecodable byte (e.g. of a latin-1 or cp1252 export)."""
    with path.open("rb") as handle:
        head = handle.read(4)
        encoding = bom_encoding(head) or "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        offset = 0
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise TextEncodingError(
                f"not {encoding.removesuffix('-sig').upper()} text "
                f"(undecodable byte at offset {offset + max(exc.start, 0)}); save it as UTF-8"
            ) from None
    return encoding


def csv_rows(reader: csv.DictReader) -> Iterator[tuple[int, dict | None, str | None]]:
    """(record number counted from 2, row or None, None or why the row is unreadable).

    A malformed row (e.g. a field over the csv module's size limit) is reported and the
    reader goes on with the next line, so one bad row does not hide the rest of the file.
    """
    number = 1
    while True:
        number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield number, None, f"unreadable CSV row: {exc}"
            continue
        yield number, row, None


@dataclass(frozen=True)
class TimeWindow:
    """A half-open UTC interval [start, end) of naive datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"empty time window {self.start} .. {self.end}")

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass
class Quarantine:
    """Records a reader rejected, each with where it came from and why."""

    rows: list[dict] = field(default_factory=list)

    def add(self, source: str, locator: str, reason: str, excerpt: object = "") -> None:
        """Quarantine one record; author names in the excerpt are redacted."""
        self.rows.append(
            {
                "source": clean_text(source),
                "locator": clean_text(locator),
                "reason": clean_text(reason),
                "excerpt": clean_text(without_authors(str(excerpt)[:EXCERPT_CHARS]))[
                    :EXCERPT_CHARS
                ],
                "quarantined_at": datetime.now(UTC).replace(tzinfo=None),
            }
        )

    def frame(self) -> pd.DataFrame:
        columns = ["source", "locator", "reason", "excerpt", "quarantined_at"]
        frame = pd.DataFrame(self.rows, columns=columns)
        frame[columns[:-1]] = frame[columns[:-1]].astype("string")
        frame["quarantined_at"] = pd.to_datetime(frame["quarantined_at"]).astype("datetime64[ns]")
        return frame

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class ReadResult:
    """What a reader accepted for a window, what it quarantined, and how many it read."""

    accepted: pd.DataFrame
    quarantine: Quarantine
    read: int  # records seen inside the window (accepted + quarantined), plus unparsable ones
    files: int = 0


def to_utc_naive(value: object) -> datetime | None:
    """Parse an epoch number or ISO 8601 string into a naive UTC datetime (None if invalid)."""
    try:
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return datetime.fromtimestamp(float(value), tz=UTC).replace(tzinfo=None)
        if isinstance(value, str) and value.strip():
            text = value.strip()
            if text.replace(".", "", 1).isdigit():
                return datetime.fromtimestamp(float(text), tz=UTC).replace(tzinfo=None)
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(UTC).replace(tzinfo=None)
            return parsed
    except (ValueError, OverflowError, OSError):
        return None
    return None


def _author_key(configured: str | None, data_dir: Path) -> bytes:
    if configured:
        return configured.encode()
    key_file = data_dir / ".author_key"
    if not key_file.exists():
        # Written privately (0600 from the start) and linked into place in one step, so a
        # process starting at the same moment never reads a half-written key or makes its own.
        key_file.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=key_file.parent, prefix=".author_key.")
        try:
            with os.fdopen(handle, "w") as out:
                out.write(secrets.token_hex(32))
            os.link(temporary, key_file)
        except FileExistsError:
            pass  # another process made the key first: use it
        finally:
            os.unlink(temporary)
    return key_file.read_text().strip().encode()


_KEY_CACHE: dict[str, bytes] = {}


def author_hash(name: object) -> str | None:
    """Keyed hash (HMAC-SHA256, 16 hex chars) of an author name; None for no author."""
    if name is None or (isinstance(name, float) and pd.isna(name)) or str(name).strip() == "":
        return None
    current = settings.current()
    cache_key = f"{current.author_key or ''}|{current.data_dir}"
    key = _KEY_CACHE.get(cache_key)
    if key is None:
        key = _KEY_CACHE[cache_key] = _author_key(current.author_key, current.data_dir)
    digest = hmac.new(
        key, str(name).strip().lower().encode("utf-8", "surrogatepass"), hashlib.sha256
    )
    return digest.hexdigest()[:16]


def is_bot(name: object) -> bool:
    """Whether an author name is a known bot account."""
    if not isinstance(name, str):
        return False
    lowered = name.strip().lower()
    return lowered in BOT_NAMES or lowered.endswith("bot") or lowered.endswith("_bot")


def posts_frame(rows: list[dict]) -> pd.DataFrame:
    """Build a raw text table with the shared column order and types."""
    frame = pd.DataFrame(rows, columns=POST_COLUMNS)
    text_columns = [c for c in POST_COLUMNS if c not in ("created_at", "author_is_bot")]
    frame[text_columns] = frame[text_columns].map(_clean_cell)
    frame["created_at"] = pd.to_datetime(frame["created_at"]).astype("datetime64[ns]")
    for column in ("score", "replies"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0).astype("int64")
    frame["author_is_bot"] = frame["author_is_bot"].astype(bool)
    return frame.sort_values(["created_at", "record_id"], kind="stable").reset_index(drop=True)


def _clean_cell(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


def list_inbox_files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Regular files in ``folder`` (not below it, no symlinks, no hidden files) with one of
    ``suffixes``, sorted by name."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if not p.is_symlink()
        and p.is_file()
        and not p.name.startswith(".")
        and p.name.lower().endswith(suffixes)
    )
