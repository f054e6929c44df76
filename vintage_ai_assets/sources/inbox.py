"""The inbox: which files wait in ``<data>/inbox/<kind>/`` and which days each one touches.

The inbox sensor uses this to launch only the day partitions that new or changed files
bring records for. A file is identified by kind, name, size and modification time, so a
file is processed once, and again only when it changes.

The days are found cheaply (:mod:`vintage_ai_assets.sources.inbox_scan`: a byte pattern
for the date field of JSON lines, the ``Date:`` headers of mbox files; no record is
parsed), so a sensor tick stays short for a large archive; :func:`parsed_days_touched`
parses every record, as the readers do (the tests and the benchmark compare the two).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

from vintage_ai_assets.paths import INBOX_KINDS
from vintage_ai_assets.sources import (
    auctions,
    mailing_list,
    reddit_archive,
    social_export,
    valuations,
)
from vintage_ai_assets.sources.inbox_listing import list_inbox_files
from vintage_ai_assets.sources.inbox_scan import Moments, ScanResult, scan_json, scan_mbox
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
#: A pushshift monthly dump names its month: ``RS_2025-05.zst`` (submissions), ``RC_…``.
MONTH_IN_NAME = re.compile(r"^R[CS]_(\d{4})-(0[1-9]|1[0-2])(?![\d-])")

T = TypeVar("T")


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


def _json_moments(path: Path, field: str) -> Moments:
    moments = Moments()
    for _, line in reddit_archive.iter_lines(path):
        obj, _error = parse_json_line(line)
        moments.add(to_utc_naive(obj.get(field)) if isinstance(obj, dict) else None)
    return moments


def _json_days(path: Path, field: str) -> set[date]:
    return _json_moments(path, field).days


def _mail_moments(path: Path) -> Moments:
    mappings = mailing_list.load_mappings(path.parent)
    moments = Moments()
    for _, msg, _, _ in mailing_list.iter_file_messages(path, mappings):
        moments.add(mailing_list.message_time(msg))
    return moments


def _mail_days(path: Path) -> set[date]:
    return _mail_moments(path).days


def _mail_date_field(path: Path) -> str:
    """The field of a JSONL mail dump that holds the date (through its mapping)."""
    mapping = mailing_list.mapping_for(path.name, mailing_list.load_mappings(path.parent))
    return mapping.fields.get("date", "date")


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


def scan_file(file: InboxFile, limit: int | None = None) -> ScanResult:
    """The days (UTC) that ``file`` has records for, found cheaply, with the first and last
    record time (None for auction and valuation files) and the bytes of text read; with
    ``limit``, the scan may stop after that many bytes (``complete`` False). Raises
    :class:`InboxFileError`."""
    path = file.path

    def scan() -> ScanResult:
        if file.kind in ("auctions", "valuations"):  # CSV/JSON lots and points: small, parsed
            days = _auction_days(path) if file.kind == "auctions" else _valuation_days(path)
            return ScanResult(days, None, None, path.stat().st_size)
        if file.kind == "mail" and path.name.lower().endswith(mailing_list.MBOX_SUFFIXES):
            return scan_mbox(path, limit)
        field = DATE_FIELDS.get(file.kind) or _mail_date_field(path)
        found = scan_json(path, field, limit)
        if found is None:  # UTF-16/32 text, or a field name the pattern cannot spell
            moments = _mail_moments(path) if file.kind == "mail" else _json_moments(path, field)
            found = moments.result(path.stat().st_size, True)
        return found

    found = _reading(file, scan)
    if found.complete and not found.days and path.stat().st_size > 0:
        raise InboxFileError(f"{file.key}: no record with a readable date")
    return found


def days_touched(file: InboxFile) -> set[date]:
    """The days (UTC) that ``file`` has records for; raises :class:`InboxFileError`."""
    return scan_file(file).days


def parsed_days_touched(file: InboxFile) -> set[date]:
    """:func:`days_touched` by parsing every record, as the readers do (slow: for
    comparison)."""

    def parse() -> set[date]:
        if file.kind in DATE_FIELDS:
            return _json_days(file.path, DATE_FIELDS[file.kind])
        if file.kind == "mail":
            return _mail_days(file.path)
        if file.kind == "auctions":
            return _auction_days(file.path)
        return _valuation_days(file.path)

    days = _reading(file, parse)
    if not days and file.path.stat().st_size > 0:
        raise InboxFileError(f"{file.key}: no record with a readable date")
    return days


def _reading(file: InboxFile, read: Callable[[], T]) -> T:
    """``read()``, its errors raised as :class:`InboxFileError` naming the file."""
    try:
        return read()
    except (OSError, EOFError, ValueError, csv.Error, auctions.MappingError) as exc:
        raise InboxFileError(f"{file.key}: {exc}") from None
    except Exception as exc:  # e.g. a corrupt .zst stream
        raise InboxFileError(f"{file.key}: unreadable ({type(exc).__name__}: {exc})") from None


def month_in_name(file: InboxFile) -> set[date] | None:
    """Every day of the month a pushshift dump's name gives (``RS_2025-05.zst``), or None."""
    named = MONTH_IN_NAME.match(file.path.name)
    if named is None:
        return None
    first = date(int(named.group(1)), int(named.group(2)), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return {first + timedelta(days=n) for n in range((following - first).days)}


def contiguous_ranges(days: set[date]) -> list[tuple[date, date]]:
    """Sorted days grouped into inclusive (first, last) runs of consecutive days."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(days):
        if ranges and (day - ranges[-1][1]).days == 1:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges
