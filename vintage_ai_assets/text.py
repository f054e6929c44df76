"""Plain text out of HTML/markdown, and stable content hashes."""

from __future__ import annotations

import hashlib
import html
import re

# Every pattern is bounded so that hostile texts cost linear time (see _drop_scripts).
_SCRIPT_OPEN = re.compile(r"<(script|style)\b[^>]{0,2000}>", re.IGNORECASE)
_SCRIPT_CLOSE = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in ("script", "style")}
_TAG = re.compile(r"<[^>]{0,2000}>")
_MD_LINK = re.compile(r"!?\[([^\[\]]{0,500})\]\((?:[^)\[\]\s]{0,2000})\)")
_MD_MARKS = re.compile(r"(\*\*|__|~~|`{1,3}|^#{1,6}\s+|^>\s?)", re.MULTILINE)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_NEWLINES = re.compile(r"\n{3,}")
REMOVED_BODIES = {"[removed]", "[deleted]", "removed", "deleted", "[ removed by reddit ]"}
MAX_TEXT_CHARS = 20_000


def strip_markup(text: str) -> str:
    """Remove HTML tags (and script/style bodies), markdown marks and extra whitespace."""
    if not text:
        return ""
    out = _drop_scripts(text)
    out = _TAG.sub(" ", out)
    out = html.unescape(out)
    out = _MD_LINK.sub(r"\1", out)
    out = _MD_MARKS.sub("", out)
    out = out.replace("\u200b", "")
    out = _SPACES.sub(" ", out)
    out = "\n".join(line.strip() for line in out.split("\n"))
    return _NEWLINES.sub("\n\n", out).strip()


def _drop_scripts(text: str) -> str:
    """``text`` with each ``<script>``/``<style>`` element, body included, replaced by a space.

    An opening tag without its closing tag is left to the tag stripper; once a closing
    tag is known to be missing, later openings of that element are not searched again,
    so the cost stays linear (a regex with a lazy body is quadratic on unclosed tags).
    """
    pieces: list[str] = []
    kept_from = search_from = 0
    unclosed: set[str] = set()
    while (opening := _SCRIPT_OPEN.search(text, search_from)) is not None:
        name = opening.group(1).lower()
        closing = None if name in unclosed else _SCRIPT_CLOSE[name].search(text, opening.end())
        if closing is None:
            unclosed.add(name)
            search_from = opening.end()
            continue
        pieces += [text[kept_from : opening.start()], " "]
        kept_from = search_from = closing.end()
    pieces.append(text[kept_from:])
    return "".join(pieces)


def is_removed(text: str) -> bool:
    """Whether a body is a removed/deleted placeholder."""
    return text.strip().lower() in REMOVED_BODIES


def post_text(title: str | None, body: str | None) -> str:
    """A post's text as the clean layer keeps it: the title, a blank line, then the body,
    markup stripped; a removed/deleted body is dropped (the title alone remains)."""
    head = strip_markup(title or "")
    rest = "" if is_removed(body or "") else strip_markup(body or "")
    return f"{head}\n\n{rest}".strip() if head else rest


def content_hash(text: str) -> str:
    """Stable 16-byte hex hash of a text (the embedding cache key)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def normalised_for_dedup(text: str) -> str:
    """Lower-case, whitespace- and punctuation-insensitive form used to find duplicates."""
    return re.sub(r"[\W_]+", " ", text.lower()).strip()
