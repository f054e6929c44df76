"""Parsing of raw field values: timestamps, JSON lines, text cleaning, URLs and integers."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

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


def clean_text(value: str) -> str:
    """``value`` with each lone surrogate (from a ``\\ud800`` JSON escape or an undecodable
    file name) replaced by U+FFFD: no UTF-8 store, DuckDB included, accepts them."""
    return value if value.isascii() else _LONE_SURROGATE.sub("\ufffd", value)


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
