"""Auction results (sold and not-sold lots) from CSV/JSON exports, read through a mapping.

A mapping (YAML) says which export column holds each of our fields, so a real export —
a Cars & Bids or Bring a Trailer scrape — is read as it is. Mappings ship in
``sources/mappings/``; a user adds their own as ``<inbox>/auctions/<name>.mapping.yaml``.
A mapping applies to the files whose names match its ``files`` glob.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import json
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from vintage_ai_assets.sources import mapping_files
from vintage_ai_assets.sources.inbox_listing import list_inbox_files
from vintage_ai_assets.sources.parsing import clean_text, http_url, loads_json, parse_json_line
from vintage_ai_assets.sources.records import Quarantine, ReadResult, TimeWindow
from vintage_ai_assets.sources.reddit_archive import iter_lines
from vintage_ai_assets.sources.text_files import TextEncodingError, csv_rows, text_encoding

SUFFIXES = (".csv", ".json", ".jsonl")
SOURCE = "auctions"
SHIPPED_MAPPINGS = Path(__file__).with_name("mappings")
FIELDS = (
    "lot_id",
    "sold_at",
    "make",
    "model",
    "year",
    "mileage",
    "price",
    "currency",
    "sold",
    "title",
    "description",
    "url",
    "auction_house",
)
LOT_COLUMNS = [*FIELDS, "attributes", "source_file", "locator"]
EXTRA_FIELDS = "_extra_fields"  # values of a CSV row beyond its header's columns
TRUE_WORDS = {"true", "1", "yes", "y", "sold", "t"}
FALSE_WORDS = {"false", "0", "no", "n", "not sold", "unsold", "reserve not met", "f"}


class MappingError(ValueError):
    """An auction column mapping is invalid."""


@dataclass(frozen=True)
class AuctionMapping:
    """How one export's columns map onto the auction-results schema."""

    name: str
    files: str = "*"
    columns: dict[str, str] = field(default_factory=dict)  # our field -> export column
    month_columns: tuple[str, str] | None = None  # (year column, month column) for sold_at
    defaults: dict[str, object] = field(default_factory=dict)
    title_template: str | None = None  # e.g. "{Year} {Make} {Model}"
    keep_columns: bool = True  # keep unmapped export columns in ``attributes``

    def applies_to(self, file_name: str) -> bool:
        return fnmatch.fnmatch(file_name.lower(), self.files.lower())

    def title(self, raw: dict) -> str:
        """``title_template`` filled from a raw row (a missing column gives "")."""
        pieces = []
        for literal, column, _spec, _conversion in string.Formatter().parse(
            self.title_template or ""
        ):
            pieces.append(literal)
            if column is not None:
                value = raw.get(column)
                pieces.append("" if value is None else str(value))
        return "".join(pieces)


def parse_mapping(data: object, where: str) -> AuctionMapping:
    """Validate a mapping document."""
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise MappingError(f"{where}: a mapping needs a 'name'")
    columns = data.get("columns") or {}
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise MappingError(f"{where}: 'columns' must map our fields to export column names")
    unknown = set(columns) - set(FIELDS)
    if unknown:
        raise MappingError(f"{where}: unknown fields {sorted(unknown)}; known: {list(FIELDS)}")
    month = data.get("sold_month")
    month_columns = None
    if month is not None:
        if not isinstance(month, dict) or not {"year", "month"} <= set(month):
            raise MappingError(f"{where}: 'sold_month' needs 'year' and 'month' columns")
        month_columns = (str(month["year"]), str(month["month"]))
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict) or set(defaults) - set(FIELDS):
        raise MappingError(f"{where}: 'defaults' must set known fields only")
    template = data.get("title_template")
    if template is not None:
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(str(template)) if f is not None]
        except ValueError:
            fields = [""]
        if not isinstance(template, str) or not all(fields):
            raise MappingError(f"{where}: 'title_template' must name columns, like '{{Year}}'")
    return AuctionMapping(
        name=data["name"],
        files=str(data.get("files", "*")),
        columns={str(k): v for k, v in columns.items()},
        month_columns=month_columns,
        defaults=defaults,
        title_template=data.get("title_template"),
        keep_columns=bool(data.get("keep_columns", True)),
    )


def load_mappings(extra_dir: Path | None = None) -> list[AuctionMapping]:
    """User mappings (from ``extra_dir``) first, then the shipped ones; the last is the default."""
    return mapping_files.load_mapping_files(
        SHIPPED_MAPPINGS, extra_dir, parse_mapping, MappingError
    )


def mapping_for(file_name: str, mappings: list[AuctionMapping]) -> AuctionMapping:
    return mapping_files.mapping_for(file_name, mappings, MappingError, "auction")


def iter_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """(line or item number, raw row) of a CSV, JSONL or JSON auction file.

    A row that cannot be read is ``{"__invalid__": excerpt, "__reason__": why}``. Raises
    :class:`TextEncodingError` for a CSV or JSON file that is not UTF-8 (or UTF-16/32 with
    a byte-order mark), and ValueError for a JSON file that is not a list of lots.
    """
    name = path.name.lower()
    if name.endswith(".csv"):
        with path.open(newline="", encoding=text_encoding(path)) as handle:
            reader = csv.DictReader(handle, restkey=EXTRA_FIELDS)
            for number, row, error in csv_rows(reader):
                yield number, row if row is not None else _invalid("", error or "")
    elif name.endswith(".jsonl"):
        for number, line in iter_lines(path):
            if line.strip():
                obj, error = parse_json_line(line)
                excerpt = line[:200].decode("utf-8", "replace")
                if error is not None:
                    yield number, _invalid(excerpt, error)
                else:
                    yield number, obj if isinstance(obj, dict) else _invalid(excerpt, "not a lot")
    else:
        data, error = loads_json(path.read_text(encoding=text_encoding(path)))
        if error is not None:
            raise ValueError(error)
        items = data.get("lots") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise ValueError('expected a JSON list of lots or {"lots": [...]}')
        for number, obj in enumerate(items, start=1):
            yield number, obj if isinstance(obj, dict) else _invalid(str(obj)[:200], "not a lot")


def _invalid(excerpt: str, reason: str) -> dict:
    return {"__invalid__": excerpt, "__reason__": reason}


def _number(value: object) -> float | None:
    if value is None:
        return None
    text = str(value).strip().replace(",", "").replace("$", "").replace("€", "").replace("£", "")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def sold_date(raw: dict, mapping: AuctionMapping) -> date | None:
    """The sale date of a raw row under ``mapping`` (None when missing or invalid)."""
    if mapping.month_columns:
        year = _number(raw.get(mapping.month_columns[0]))
        month = _number(raw.get(mapping.month_columns[1]))
        if year is None or month is None:
            return None
        try:
            return date(int(year), int(month), 1)
        except (ValueError, OverflowError):
            return None
    value = raw.get(mapping.columns.get("sold_at", "sold_at"))
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value).strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None


def lot_from_row(
    raw: dict, mapping: AuctionMapping, file_name: str, number: int
) -> tuple[dict | None, str]:
    """Map one export row onto the auction-results schema, or say why it is rejected."""
    if "__invalid__" in raw:
        return None, str(raw.get("__reason__") or "invalid JSON")

    def get(field_name: str) -> object:
        column = mapping.columns.get(field_name, field_name)
        value = raw.get(column)
        if value in (None, "") and field_name in mapping.defaults:
            return mapping.defaults[field_name]
        return value

    sold_at = sold_date(raw, mapping)
    if sold_at is None:
        return None, "missing or invalid sale date"
    make, model = str(get("make") or "").strip(), str(get("model") or "").strip()
    if not make or not model:
        return None, "missing make or model"
    price = _number(get("price"))
    if price is None or price <= 0:
        return None, "missing or non-positive price"
    year = _number(get("year"))
    if year is not None and not 1885 <= year <= 2100:
        return None, f"implausible year {year:g}"
    mileage = _number(get("mileage"))
    if mileage is not None and mileage < 0:
        return None, "negative mileage"
    sold_raw = get("sold")
    sold_text = str(sold_raw).strip().lower() if sold_raw is not None else "true"
    if sold_text not in TRUE_WORDS | FALSE_WORDS:
        return None, f"unreadable sold flag {sold_raw!r}"
    lot_id = get("lot_id")
    if lot_id in (None, ""):
        lot_id = hashlib.sha1(f"{mapping.name}:{file_name}:{number}".encode()).hexdigest()[:16]
    title = get("title")
    if (title in (None, "")) and mapping.title_template:
        title = mapping.title(raw)
    mapped_columns = set(mapping.columns.values()) | set(FIELDS)
    if mapping.month_columns:
        mapped_columns |= set(mapping.month_columns)
    attributes = (
        {k: v for k, v in raw.items() if k not in mapped_columns and v not in (None, "")}
        if mapping.keep_columns
        else {}
    )
    return {
        "lot_id": f"{mapping.name}:{lot_id}",
        "sold_at": pd.Timestamp(sold_at),
        "make": make,
        "model": model,
        "year": int(year) if year is not None else None,
        "mileage": mileage,
        "price": price,
        "currency": str(get("currency") or "USD").strip().upper()[:3],
        "sold": sold_text in TRUE_WORDS,
        "title": str(title or f"{int(year) if year else ''} {make} {model}").strip(),
        "description": str(get("description") or ""),
        "url": http_url(str(get("url") or "")),
        "auction_house": str(get("auction_house") or "") or None,
        "attributes": json.dumps(attributes, sort_keys=True, default=str),
        "source_file": clean_text(file_name),
        "locator": clean_text(f"{file_name}:{number}"),
    }, ""


def lots_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=LOT_COLUMNS)
    text = ["lot_id", "make", "model", "currency", "title", "description", "url", "auction_house"]
    frame[text] = frame[text].map(lambda v: clean_text(v) if isinstance(v, str) else v)
    frame["sold_at"] = pd.to_datetime(frame["sold_at"]).astype("datetime64[ns]")
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce").astype("Int64")
    for column in ("mileage", "price"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["sold"] = frame["sold"].astype(bool)
    return frame.sort_values(["sold_at", "lot_id"], kind="stable").reset_index(drop=True)


def read_auction_files(
    paths: Iterable[Path], window: TimeWindow, mappings: list[AuctionMapping]
) -> ReadResult:
    """Read every auction file and keep the lots sold inside ``window``."""
    rows: list[dict] = []
    seen: set[str] = set()
    quarantine = Quarantine()
    read = files = 0
    for path in paths:
        files += 1
        name = clean_text(path.name)
        try:
            mapping = mapping_for(path.name, mappings)
            for number, raw in iter_rows(path):
                sold_at = sold_date(raw, mapping) if "__invalid__" not in raw else None
                if sold_at is not None and not window.contains(
                    datetime.combine(sold_at, datetime.min.time())
                ):
                    continue
                read += 1
                lot, reason = lot_from_row(raw, mapping, path.name, number)
                locator = f"{name}:{number}"
                if lot is None:
                    quarantine.add(SOURCE, locator, reason, _excerpt(raw))
                elif lot["lot_id"] in seen:
                    quarantine.add(SOURCE, locator, "repeated lot id", lot["lot_id"])
                else:
                    seen.add(lot["lot_id"])
                    rows.append(lot)
        except (MappingError, TextEncodingError, OSError, ValueError, csv.Error) as exc:
            read += 1
            quarantine.add(SOURCE, name, f"unreadable file: {exc}", "")
    return ReadResult(lots_frame(rows), quarantine, read, files)


def _excerpt(raw: dict) -> str:
    if "__invalid__" in raw:
        return str(raw["__invalid__"])
    return json.dumps(raw, default=str)[:200]


def read_inbox(folder: Path, window: TimeWindow) -> ReadResult:
    """Read the auction files in an inbox folder for ``window`` with the applicable mappings."""
    files = [p for p in list_inbox_files(folder, SUFFIXES) if not p.name.endswith(".mapping.yaml")]
    return read_auction_files(files, window, load_mappings(folder))
