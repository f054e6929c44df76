"""How a backfill of days is cut into runs: as few as memory allows, each a range of days.

A run of the daily assets holds its days' raw records and mentions in memory at once, so a
backfill over an inbox of hundreds of megabytes is split into consecutive ranges of equal
length, each one run, sized so that a run reads at most ``VINTAGE_AI_RUN_INBOX_MB`` of
inbox text (assumed spread evenly over the days asked for). The demo's 28 MB is one run;
a million mentions (~0.5 GB) are a few.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

from vintage_ai_assets import settings
from vintage_ai_assets.sources.inbox import SUFFIXES
from vintage_ai_assets.sources.inbox_listing import list_inbox_files

#: Text inbox kinds (one record per mention-to-be); tables of lots and values are small.
TEXT_KINDS = ("reddit", "social", "mail")
#: Compressed files hold about this many times their size in text.
COMPRESSION_RATIO = 6


def run_inbox_bytes() -> int:
    """The inbox text one run may read, in bytes (the ``run_inbox_mb`` setting)."""
    return settings.current().run_inbox_bytes


def text_bytes(path: Path) -> int:
    """The text a file holds, in bytes (a compressed file's size scaled up)."""
    size = Path(path).stat().st_size
    return size * COMPRESSION_RATIO if path.name.endswith((".zst", ".gz")) else size


def inbox_text_bytes(inbox: Path) -> int:
    """The text waiting in the inbox's text folders, in bytes."""
    return sum(
        text_bytes(path)
        for kind in TEXT_KINDS
        for path in list_inbox_files(Path(inbox) / kind, SUFFIXES[kind])
    )


def day_ranges(first: date, last: date, text_bytes: int, run_bytes: int) -> list[tuple[date, date]]:
    """``first..last`` cut into consecutive ranges of near-equal length, each reading at most
    ``run_bytes`` of ``text_bytes`` spread evenly over the days (one range when it fits)."""
    if last < first:
        return []
    days = (last - first).days + 1
    runs = max(1, min(days, math.ceil(text_bytes / max(1, run_bytes))))
    size = math.ceil(days / runs)
    ranges = []
    start = first
    while start <= last:
        end = min(last, start + timedelta(days=size - 1))
        ranges.append((start, end))
        start = end + timedelta(days=1)
    return ranges
