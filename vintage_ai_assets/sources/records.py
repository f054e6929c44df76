"""Shared shapes of the raw layer: accepted records, quarantined records, time windows."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

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
        self.rows.append(
            {
                "source": source,
                "locator": locator,
                "reason": reason,
                "excerpt": str(excerpt)[:EXCERPT_CHARS],
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


def _author_key() -> bytes:
    configured = os.environ.get("VINTAGE_AI_AUTHOR_KEY")
    if configured:
        return configured.encode()
    from vintage_ai_assets.paths import DataPaths

    key_file = DataPaths.from_env().root / ".author_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip().encode()


_KEY_CACHE: dict[str, bytes] = {}


def author_hash(name: object) -> str | None:
    """Keyed hash (HMAC-SHA256, 16 hex chars) of an author name; None for no author."""
    if name is None or (isinstance(name, float) and pd.isna(name)) or str(name).strip() == "":
        return None
    cache_key = os.environ.get("VINTAGE_AI_AUTHOR_KEY", "") + os.environ.get(
        "VINTAGE_AI_DATA_DIR", ""
    )
    key = _KEY_CACHE.get(cache_key)
    if key is None:
        key = _KEY_CACHE[cache_key] = _author_key()
    digest = hmac.new(key, str(name).strip().lower().encode(), hashlib.sha256)
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
    frame["created_at"] = pd.to_datetime(frame["created_at"]).astype("datetime64[ns]")
    for column in ("score", "replies"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0).astype("int64")
    frame["author_is_bot"] = frame["author_is_bot"].astype(bool)
    return frame.sort_values(["created_at", "record_id"], kind="stable").reset_index(drop=True)


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
