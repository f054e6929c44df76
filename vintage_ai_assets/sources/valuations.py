"""Valuation index series (AssetClassic / Hagerty style): CSV of car, date, value, currency, source.

Files are UTF-8 (or UTF-16/32 with a byte-order mark); a file in another encoding, or one
without the ``car``, ``date`` and ``value`` columns, is quarantined under its name.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from vintage_ai_assets.sources.inbox_listing import list_inbox_files
from vintage_ai_assets.sources.parsing import clean_text
from vintage_ai_assets.sources.records import Quarantine, ReadResult, TimeWindow
from vintage_ai_assets.sources.text_files import csv_rows, text_encoding

SUFFIXES = (".csv",)
COLUMNS = ["car", "date", "value", "currency", "source", "locator"]


def read_valuation_files(
    paths: Iterable[Path], window: TimeWindow, known_cars: set[str]
) -> ReadResult:
    """Read valuation points dated inside ``window``; unknown cars and bad values are quarantined."""
    rows: list[dict] = []
    quarantine = Quarantine()
    seen: set[tuple[str, str, str]] = set()
    read = files = 0
    for path in paths:
        files += 1
        name = clean_text(path.name)
        try:
            handle = path.open(newline="", encoding=text_encoding(path))
        except (OSError, ValueError) as exc:
            read += 1
            quarantine.add("valuations", name, f"unreadable file: {exc}")
            continue
        with handle:
            reader = csv.DictReader(handle)
            try:
                missing = {"car", "date", "value"} - set(reader.fieldnames or [])
                problem = f"missing columns {sorted(missing)}" if missing else None
            except csv.Error as exc:
                problem = f"unreadable header: {exc}"
            if problem is not None:
                read += 1
                quarantine.add("valuations", name, problem)
                continue
            for number, raw, error in csv_rows(reader):
                locator = f"{name}:{number}"
                if raw is None:
                    read += 1
                    quarantine.add("valuations", locator, error or "unreadable CSV row")
                    continue
                moment = parse_date(raw.get("date"))
                if moment is None:
                    read += 1
                    quarantine.add("valuations", locator, "invalid date", raw)
                    continue
                if not window.contains(moment):
                    continue
                read += 1
                car = str(raw.get("car") or "").strip()
                try:
                    value = float(str(raw.get("value", "")).replace(",", ""))
                except ValueError:
                    value = float("nan")
                source = clean_text(str(raw.get("source") or path.stem).strip())
                if car not in known_cars:
                    quarantine.add("valuations", locator, f"car {car!r} not in the catalog", raw)
                elif not value > 0 or value == float("inf"):
                    quarantine.add("valuations", locator, "missing or non-positive value", raw)
                elif (car, moment.isoformat(), source) in seen:
                    quarantine.add("valuations", locator, "repeated point", raw)
                else:
                    seen.add((car, moment.isoformat(), source))
                    rows.append(
                        {
                            "car": car,
                            "date": moment,
                            "value": value,
                            "currency": str(raw.get("currency") or "USD").strip().upper()[:3],
                            "source": source,
                            "locator": locator,
                        }
                    )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame["value"] = frame["value"].astype("float64")
    return ReadResult(
        frame.sort_values(["date", "car", "source"]).reset_index(drop=True), quarantine, read, files
    )


def parse_date(value: object) -> datetime | None:
    """An ISO 8601 date or time as naive UTC, or None."""
    try:
        moment = datetime.fromisoformat(str(value or "").strip())
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    except (ValueError, OverflowError):
        return None


def read_inbox(folder: Path, window: TimeWindow, known_cars: set[str]) -> ReadResult:
    """Read the valuation files in an inbox folder for ``window``."""
    return read_valuation_files(list_inbox_files(folder, SUFFIXES), window, known_cars)
