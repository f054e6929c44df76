"""What a source returns: accepted records as a posts frame, quarantined records, and the
time window they were read for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from vintage_ai_assets.sources.authors import without_authors
from vintage_ai_assets.sources.parsing import clean_text

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
