"""Valuation index series (AssetClassic / Hagerty style): CSV of car, date, value, currency, source."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import pandas as pd

from vintage_ai_assets.sources.records import Quarantine, ReadResult, TimeWindow, list_inbox_files

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
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            reader = csv.DictReader(handle)
            missing = {"car", "date", "value"} - set(reader.fieldnames or [])
            if missing:
                read += 1
                quarantine.add("valuations", path.name, f"missing columns {sorted(missing)}")
                continue
            for number, raw in enumerate(reader, start=2):
                locator = f"{path.name}:{number}"
                try:
                    moment = datetime.fromisoformat(str(raw.get("date", "")).strip())
                except ValueError:
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
                source = str(raw.get("source") or path.stem).strip()
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


def read_inbox(folder: Path, window: TimeWindow, known_cars: set[str]) -> ReadResult:
    """Read the valuation files in an inbox folder for ``window``."""
    return read_valuation_files(list_inbox_files(folder, SUFFIXES), window, known_cars)
