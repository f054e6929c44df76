"""Who wrote a record, without keeping the name: keyed author hashes, bot detection,
and author names redacted from excerpts."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tempfile
from pathlib import Path

import pandas as pd

from vintage_ai_assets import settings

#: Accounts known to post automatically (lower case), whatever their names look like.
BOT_NAMES = frozenset(
    {
        "automoderator",
        "[deleted]",
        "sneakpeekbot",
        "remindmebot",
        "imgurtranscriber",
        "wikitextbot",
        "repostsleuthbot",
        "savevideo",
        "savevideobot",
        "stabbot",
        "haikusbot",
        "b0trank",
        "goodbot_badbot",
        "linkifybot",
        "converter-bot",
        "auto-xkcd37",
        "vredditdownloader",
        "same_post_bot",
        "timezone_bot",
        "anti-gif-bot",
        "gifreversingbot",
        "tweetposter",
        "youtubefactsbot",
        "substitute-bot",
    }
)
#: A name that says "bot" as a word of its own: "RemindMeBot", "parts_bot", "price-bot",
#: "car.bot", "BOT" — not a surname or word that merely ends in "bot" ("Talbot", "Abbot").
_BOT_WORD = re.compile(r"(?:^|[_\-.\s]|(?<=[a-z0-9]))(?:Bot|BOT)$|[_\-.\s]bot$|^bot$", re.ASCII)

# "author": "name" (JSON or Python repr) in an excerpt, also cut short at its end.
_AUTHOR_FIELD = re.compile(
    r"""(?P<key>(?P<q>["'])(?:author\w*|user|username|user_name|screen_name)(?P=q)\s*:\s*)"""
    r"""(?:"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?)""",
    re.IGNORECASE,
)


def without_authors(text: str) -> str:
    """``text`` with the values of ``author``-like fields replaced by ``<redacted>``."""
    return _AUTHOR_FIELD.sub(lambda m: f'{m.group("key")}"<redacted>"', text)


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
    stripped = name.strip()
    return stripped.lower() in BOT_NAMES or bool(_BOT_WORD.search(stripped))
