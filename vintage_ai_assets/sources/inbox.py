"""The inbox: which files wait in ``<data>/inbox/<kind>/`` and which days each one touches.

The inbox sensor uses this to launch only the day partitions that new or changed files
bring records for. A file is identified by kind, name, size and modification time, so a
file is processed once, and again only when it changes.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from vintage_ai_assets.paths import INBOX_KINDS
from vintage_ai_assets.sources import (
    auctions,
    mailing_list,
    reddit_archive,
    social_export,
    valuations,
)
from vintage_ai_assets.sources.inbox_listing import list_inbox_files
from vintage_ai_assets.sources.parsing import parse_json_line, to_utc_naive
from vintage_ai_assets.sources.text_files import csv_rows, text_encoding

SUFFIXES = {
    "reddit": reddit_archive.SUFFIXES,
    "social": social_export.SUFFIXES,
    "mail": mailing_list.SUFFIXES,
    "auctions": auctions.SUFFIXES,
    "valuations": valuations.SUFFIXES,
}
DATE_FIELDS = {"reddit": "created_utc", "social": "created_at"}


class InboxFileError(ValueError):
    """A file in the inbox cannot be read; the message says why."""


@dataclass(frozen=True)
class InboxFile:
    """One file waiting in the inbox."""

    kind: str
    path: Path

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.path.name}"

    def fingerprint(self) -> str:
        stat = self.path.stat()
        return f"{stat.st_size}:{stat.st_mtime_ns}"


def inbox_files(root: Path) -> list[InboxFile]:
    """Every readable file of every kind in the inbox under ``root``."""
    files = []
    for kind in INBOX_KINDS:
        suffixes = SUFFIXES[kind]
        for path in list_inbox_files(root / kind, suffixes):
            if not path.name.endswith(".mapping.yaml"):
                files.append(InboxFile(kind, path))
    return files


def _json_days(path: Path, field: str) -> set[date]:
    days: set[date] = set()
    for _, line in reddit_archive.iter_lines(path):
        obj, _error = parse_json_line(line)
        moment = to_utc_naive(obj.get(field)) if isinstance(obj, dict) else None
        if moment is not None:
            days.add(moment.date())
    return days


def _mail_days(path: Path) -> set[date]:
    mappings = mailing_list.load_mappings(path.parent)
    return {
        moment.date()
        for _, msg, _, _ in mailing_list.iter_file_messages(path, mappings)
        if (moment := mailing_list.message_time(msg)) is not None
    }


def _auction_days(path: Path) -> set[date]:
    mapping = auctions.mapping_for(path.name, auctions.load_mappings(path.parent))
    return {
        d
        for _, row in auctions.iter_rows(path)
        if (d := auctions.sold_date(row, mapping)) is not None
    }


def _valuation_days(path: Path) -> set[date]:
    days: set[date] = set()
    with path.open(newline="", encoding=text_encoding(path)) as handle:
        for _, row, _error in csv_rows(csv.DictReader(handle)):
            moment = valuations.parse_date(row.get("date")) if row is not None else None
            if moment is not None:
                days.add(moment.date())
    return days


def days_touched(file: InboxFile) -> set[date]:
    """The days (UTC) that ``file`` has records for; raises :class:`InboxFileError`."""
    try:
        if file.kind in DATE_FIELDS:
            days = _json_days(file.path, DATE_FIELDS[file.kind])
        elif file.kind == "mail":
            days = _mail_days(file.path)
        elif file.kind == "auctions":
            days = _auction_days(file.path)
        else:
            days = _valuation_days(file.path)
    except (OSError, EOFError, ValueError, csv.Error, auctions.MappingError) as exc:
        raise InboxFileError(f"{file.key}: {exc}") from None
    except Exception as exc:  # e.g. a corrupt .zst stream
        raise InboxFileError(f"{file.key}: unreadable ({type(exc).__name__}: {exc})") from None
    if not days and file.path.stat().st_size > 0:
        raise InboxFileError(f"{file.key}: no record with a readable date")
    return days


def contiguous_ranges(days: set[date]) -> list[tuple[date, date]]:
    """Sorted days grouped into inclusive (first, last) runs of consecutive days."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(days):
        if ranges and (day - ranges[-1][1]).days == 1:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges
