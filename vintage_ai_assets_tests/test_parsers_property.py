"""Property-based tests of every parser: hostile records and arbitrary bytes never crash a
reader, every record read is accepted or quarantined (accepted + quarantined = read), the
accepted rows pass the raw schema and can be stored, and well-formed records among hostile
ones are still accepted.

Example counts are bounded so the file stays fast; ``VINTAGE_AI_FUZZ_SCALE=10`` runs ten
times as many examples of each property.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vintage_ai_assets import schemas
from vintage_ai_assets.sources import (
    auctions,
    forum,
    inbox,
    reddit_archive,
    social_export,
    valuations,
)
from vintage_ai_assets.sources.records import EXCERPT_CHARS, ReadResult, TimeWindow

FIXTURES = Path(__file__).parent / "fixtures" / "forum"
SCALE = float(os.environ.get("VINTAGE_AI_FUZZ_SCALE", "1"))
WINDOW = TimeWindow(datetime(1971, 1, 1), datetime(2100, 1, 1))
GOOD_EPOCH = 1767225600  # 2026-01-01, inside WINDOW
KNOWN_CARS = {"ferrari-f40", "lancia-delta-integrale"}


def _settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ----------------------------------------------------------------------------- strategies

HOSTILE_STRINGS = [
    "",
    " ",
    "\x00",
    "nul\x00inside",
    "\ud800",
    "lone \udfff low",
    "\u202eevil.exe\u202c",
    "\ufeffbom",
    "crlf\r\nline",
    "'; DROP TABLE raw.quarantine; --",
    'say "hi"',
    "<script>alert(1)</script>",
    "9" * 5000,
    "NaN",
    "Infinity",
    "-1",
    "1e309",
    "2026-01-01T00:00:00Z",
    "2026-13-45",
    "١٧٦٧٢٢٥٦٠٠",
    "²",
    "[deleted]",
    "AutoModerator",
    "ferrari-f40",
    "t3_abc",
    "{Year}",
    "🔥" * 30,
    "x" * 300,
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE_STRINGS),
    st.text(max_size=30),
    st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    hostile_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(hostile_text, children, max_size=3)
    ),
    max_leaves=8,
)
epochs = st.one_of(
    st.integers(min_value=GOOD_EPOCH - 10**8, max_value=GOOD_EPOCH + 10**8),
    st.floats(min_value=GOOD_EPOCH - 10**8, max_value=GOOD_EPOCH + 10**8),
    st.sampled_from([str(GOOD_EPOCH), f"{GOOD_EPOCH}.5", "2026-01-01T10:00:00+05:00"]),
)

# Lines that are no valid record, each for a different reason (no line breaks inside).
RAW_LINES = [
    b'{"id": "h1", "created_utc": ' + b"9" * 5000 + b', "title": "huge int"}',
    b"[" * 5000 + b"]" * 5000,
    b"[" * 150 + b"]" * 150,
    b'{"id": "h2", "created_utc": NaN, "title": "nan date"}',
    b'{"id": "h3", "created_utc": -Infinity, "body": "inf date"}',
    b'{"id": "h4", "created_utc": 1767225600, "title": "lone \\ud800 surrogate"}',
    b'{"id": "h5\\udfff", "created_utc": 1767225600, "title": "surrogate id"}',
    b'{"id": "h6", "created_utc": 1767225600, "title": "caf\xe9 in latin-1"}',
    b'{\x00"\x00i\x00d\x00"\x00}\x00',  # UTF-16 without a byte-order mark
    b'{"id": "h7", "created_utc": 1767225600, "title": "cut',
    b"\x00\x00\x00",
    b'"just a string"',
    b"null",
    b"[]",
    b"{}",
    b'{"id": ["nested"], "created_utc": {"a": 1}, "title": 5}',
    b'{"id": "h8", "created_utc": 99999999999999999999, "title": "far future"}',
    b'{"id": "h9", "created_utc": "0001-01-01T00:00:00+01:00", "title": "year one"}',
]


@dataclass
class Line:
    """One line of a generated file and what it must become."""

    payload: bytes
    good_id: str | None = None  # a well-formed record that must be accepted
    broken: bool = False  # a line that is certainly not JSON: must be quarantined


def _reddit_record(good: bool) -> st.SearchStrategy[dict]:
    if good:
        return st.fixed_dictionaries(
            {"created_utc": st.integers(GOOD_EPOCH, GOOD_EPOCH + 86_400), "title": hostile_text},
            optional={
                "selftext": hostile_text,
                "author": hostile_text,
                "subreddit": hostile_text,
                "score": st.integers(-(2**70), 2**70),
                "num_comments": json_values,
                "permalink": hostile_text,
                "url": json_values,
            },
        )
    return st.fixed_dictionaries(
        {},
        optional={
            "id": st.one_of(hostile_text, json_values),
            "name": st.one_of(st.just("t1_x"), hostile_text),
            "created_utc": st.one_of(epochs, json_values),
            "title": json_values,
            "body": json_values,
            "selftext": json_values,
            "author": json_values,
            "subreddit": json_values,
            "link_id": json_values,
            "score": json_values,
            "num_comments": json_values,
            "permalink": json_values,
        },
    )


def _social_record(good: bool) -> st.SearchStrategy[dict]:
    if good:
        return st.fixed_dictionaries(
            {
                "source": st.sampled_from(["instagram", "youtube", "forum:x"]),
                "created_at": st.sampled_from(["2026-01-05T10:00:00Z", "2026-01-05 10:00"]),
                "text": hostile_text.filter(lambda t: t != ""),
            },
            optional={
                "author": hostile_text,
                "url": json_values,
                "car": json_values,
                "likes": json_values,
                "comments": json_values,
                "thread_id": json_values,
                "thread_title": json_values,
            },
        )
    return st.fixed_dictionaries(
        {},
        optional={
            "source": json_values,
            "id": json_values,
            "created_at": st.one_of(epochs, json_values),
            "author": json_values,
            "text": json_values,
            "url": json_values,
            "car": json_values,
            "likes": json_values,
            "thread_id": json_values,
        },
    )


def _not_good(value: object) -> object:
    """A hostile id never takes the name of a well-formed record."""
    return f"x{value}" if str(value).strip().startswith("good") else value


@st.composite
def json_lines_file(draw, record: Callable[[bool], st.SearchStrategy[dict]]) -> list[Line]:
    """The lines of a hostile NDJSON file, with some well-formed records among them."""
    lines: list[Line] = []
    for index in range(draw(st.integers(0, 12))):
        choice = draw(st.sampled_from(["good", "hostile", "raw", "blank", "broken"]))
        if choice == "good":
            obj = {**draw(record(True)), "id": f"good-{index}"}
            lines.append(Line(json.dumps(obj).encode(), good_id=f"good-{index}"))
        elif choice == "hostile":
            obj = draw(record(False))
            if "id" in obj:
                obj["id"] = _not_good(obj["id"])
            lines.append(Line(json.dumps(obj).encode()))
        elif choice == "raw":
            lines.append(Line(draw(st.sampled_from(RAW_LINES))))
        elif choice == "blank":
            lines.append(Line(draw(st.sampled_from([b"", b"   ", b"\t"]))))
        else:  # a record cut short, then an undecodable byte: never JSON
            obj = json.dumps(draw(record(False))).encode()
            cut = draw(st.integers(0, max(0, len(obj) - 1)))
            lines.append(Line(obj[:cut] + b"\xff", broken=True))
    return lines


def _join(lines: list[Line], newline: bytes, bom: bool) -> bytes:
    data = newline.join(line.payload for line in lines) + (newline if lines else b"")
    return (b"\xef\xbb\xbf" if bom else b"") + data


# ----------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def store() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB: every reader's output must be storable as it is."""
    con = duckdb.connect()
    yield con
    con.close()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the examples' files go (a fresh folder per example, see :func:`_write`)."""
    return tmp_path_factory.mktemp("fuzz")


def _write(scratch: Path, name: str, data: bytes) -> Path:
    path = Path(tempfile.mkdtemp(dir=scratch)) / name
    path.write_bytes(data)
    return path


def _check(result: ReadResult, con: duckdb.DuckDBPyConnection, schema=None) -> None:
    """The invariants every reader keeps, whatever it was given."""
    quarantine = result.quarantine.frame()
    assert result.read == len(result.accepted) + len(quarantine)
    assert (quarantine["excerpt"].str.len() <= EXCERPT_CHARS).all()
    assert quarantine["reason"].str.len().gt(0).all()
    if schema is not None and len(result.accepted):
        schema.validate(result.accepted)
    for frame in (result.accepted, quarantine):
        con.register("incoming", frame)
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE stored AS SELECT * FROM incoming")
        finally:
            con.unregister("incoming")


def _check_lines(result: ReadResult, lines: list[Line], name: str, source_ids: pd.Series) -> None:
    accepted = set(source_ids)
    for line in lines:
        if line.good_id is not None:
            assert line.good_id in accepted
    locators = set(result.quarantine.frame()["locator"])
    for number, line in enumerate(lines, start=1):
        if line.broken:
            assert f"{name}:{number}" in locators


# ----------------------------------------------------------------------------- reddit


@_settings(30)
@given(
    lines=json_lines_file(_reddit_record),
    newline=st.sampled_from([b"\n", b"\r\n"]),
    bom=st.booleans(),
    packed=st.booleans(),
)
def test_reddit_archive_reads_hostile_lines(store, scratch, lines, newline, bom, packed):
    data = _join(lines, newline, bom)
    name = "hostile.ndjson.zst" if packed else "hostile.ndjson"
    path = _write(scratch, name, zstandard.ZstdCompressor().compress(data) if packed else data)
    result = reddit_archive.read_archives([path], WINDOW)
    _check(result, store, schemas.RAW_POSTS)
    _check_lines(result, lines, name, result.accepted["source_id"])
    assert result.files == 1


def _utf8(line: Line) -> bool:
    try:
        line.payload.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@_settings(15)
@given(lines=json_lines_file(_reddit_record))
def test_reddit_archive_in_utf16_is_decoded(store, scratch, lines):
    lines = [line for line in lines if _utf8(line)]
    text = _join(lines, b"\n", False).decode("utf-8")
    path = _write(scratch, "utf16.ndjson", text.encode("utf-16"))
    result = reddit_archive.read_archives([path], WINDOW)
    _check(result, store, schemas.RAW_POSTS)
    if not text.startswith("\x00"):  # FF FE 00 00 is the byte-order mark of UTF-32
        _check_lines(result, lines, "utf16.ndjson", result.accepted["source_id"])


@_settings(25)
@given(
    data=st.binary(max_size=3000),
    suffix=st.sampled_from([".ndjson", ".jsonl", ".json", ".zst"]),
    compress=st.booleans(),
)
def test_reddit_archive_survives_arbitrary_bytes(store, scratch, data, suffix, compress):
    if suffix == ".zst" and compress:
        data = zstandard.ZstdCompressor().compress(data)
    path = _write(scratch, "bytes" + suffix, data)
    _check(reddit_archive.read_archives([path], WINDOW), store, schemas.RAW_POSTS)


@_settings(15)
@given(lines=json_lines_file(_reddit_record), cut=st.integers(0, 2000), junk=st.binary(max_size=50))
def test_damaged_zst_keeps_what_was_read_and_names_the_file(store, scratch, lines, cut, junk):
    packed = zstandard.ZstdCompressor().compress(_join(lines, b"\n", False))
    path = _write(scratch, "damaged.ndjson.zst", packed[: min(cut, len(packed))] + junk)
    result = reddit_archive.read_archives([path], WINDOW)
    _check(result, store, schemas.RAW_POSTS)
    file_rows = result.quarantine.frame().query("locator == 'damaged.ndjson.zst'")
    assert file_rows["reason"].str.startswith("unreadable file").all()


# ----------------------------------------------------------------------------- social


@_settings(30)
@given(
    lines=json_lines_file(_social_record),
    newline=st.sampled_from([b"\n", b"\r\n"]),
    bom=st.booleans(),
)
def test_social_export_reads_hostile_lines(store, scratch, lines, newline, bom):
    path = _write(scratch, "export.jsonl", _join(lines, newline, bom))
    result = social_export.read_exports([path], WINDOW)
    _check(result, store, schemas.RAW_POSTS)
    _check_lines(result, lines, "export.jsonl", result.accepted["source_id"])


@_settings(25)
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".jsonl", ".ndjson.zst"]))
def test_social_export_survives_arbitrary_bytes(store, scratch, data, suffix):
    path = _write(scratch, "bytes" + suffix, data)
    _check(social_export.read_exports([path], WINDOW), store, schemas.RAW_POSTS)


# ----------------------------------------------------------------------------- auctions

CANONICAL_HEADER = ["lot_id", "sold_at", "make", "model", "year", "mileage", "price", "currency"]
CANONICAL_HEADER += ["sold", "title", "description", "url", "auction_house"]
CB_HEADER = ["Make", "Model", "Year", "Sold_Price", "auction_year", "auction_month", "Seller Type"]
cell = st.one_of(
    hostile_text,
    st.sampled_from(["2026-01-10", "Ferrari", "F40", "1990", "1e20", "-5", "0", "true", "maybe"]),
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in text)


def _csv_text(rows: list[list[object]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


@st.composite
def auction_csv(draw) -> tuple[str, str, list[str]]:
    """(file name, CSV text, ids of well-formed lots) for the canonical or C&B mapping."""
    cars_and_bids = draw(st.booleans())
    header = CB_HEADER if cars_and_bids else CANONICAL_HEADER
    header = header + draw(st.lists(hostile_text, max_size=2))
    rows: list[list[object]] = [header]
    good: list[str] = []
    for index in range(draw(st.integers(0, 10))):
        kind = draw(st.sampled_from(["good", "hostile", "short", "long", "raw"]))
        if kind == "good" and not cars_and_bids:
            lot = f"good-{index}"
            rows.append([lot, "2026-01-10", "Ferrari", "F40", "1990", "12000", "2900000", "USD"])
            good.append(f"canonical:{lot}")
        elif kind == "good":
            rows.append(["Ferrari", "F40", "1990", "2900000", "2026", "1", "Dealer"])
        elif kind == "raw":
            rows.append([draw(st.sampled_from(['"unterminated', "a\x00b", "x" * 140_000, ""]))])
        else:
            width = {"hostile": len(header), "short": 2, "long": len(header) + 3}[kind]
            rows.append([draw(cell) for _ in range(width)])
    text = _csv_text(rows)
    return ("carsandbids_x.csv" if cars_and_bids else "lots.csv"), text, good


@_settings(30)
@given(spec=auction_csv(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_auction_csv_reads_hostile_rows(store, scratch, spec, encoding):
    name, text, good = spec
    path = _write(scratch, name, text.encode(encoding, "surrogatepass"))
    result = auctions.read_auction_files([path], WINDOW, auctions.load_mappings())
    _check(result, store, schemas.RAW_AUCTION_LOTS)
    if not _has_surrogates(text):  # else the file is not UTF-8 and is refused as a whole
        assert set(good) <= set(result.accepted["lot_id"])


@_settings(25)
@given(
    lots=st.lists(st.one_of(json_values, st.dictionaries(st.sampled_from(CANONICAL_HEADER), cell))),
    wrap=st.sampled_from(["list", "dict", "jsonl"]),
)
def test_auction_json_reads_hostile_lots(store, scratch, lots, wrap):
    if wrap == "jsonl":
        data = "\n".join(json.dumps(lot) for lot in lots).encode("utf-8", "surrogatepass")
        name = "lots.jsonl"
    else:
        document = lots if wrap == "list" else {"lots": lots}
        data = json.dumps(document).encode("utf-8", "surrogatepass")
        name = "lots.json"
    path = _write(scratch, name, data)
    result = auctions.read_auction_files([path], WINDOW, auctions.load_mappings())
    _check(result, store, schemas.RAW_AUCTION_LOTS)


@_settings(25)
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".json", ".jsonl"]))
def test_auction_files_survive_arbitrary_bytes(store, scratch, data, suffix):
    path = _write(
        scratch, "carsandbids_bytes" + suffix if suffix == ".csv" else "bytes" + suffix, data
    )
    result = auctions.read_auction_files([path], WINDOW, auctions.load_mappings())
    _check(result, store, schemas.RAW_AUCTION_LOTS)


@_settings(20)
@given(
    template=st.one_of(
        hostile_text,
        st.sampled_from(["{", "}", "{}", "{0}", "{Year.__class__}", "{Year!r:>99999}", "{a[0]}"]),
        json_values,
    ),
    columns=st.dictionaries(st.sampled_from(CANONICAL_HEADER), json_values, max_size=3),
    defaults=json_values,
)
def test_user_mapping_is_used_or_refused_with_a_clear_error(
    store, scratch, template, columns, defaults
):
    folder = Path(tempfile.mkdtemp(dir=scratch))
    document = {"name": "mine", "files": "mine_*.csv", "title_template": template}
    document |= {"columns": columns, "defaults": defaults}
    (folder / "mine.mapping.yaml").write_text(json.dumps(document), encoding="utf-8")
    (folder / "mine_1.csv").write_text(
        "Date,Make,Model,Year,Price\n2026-01-10,Ferrari,F40,1990,100\n", encoding="utf-8"
    )
    try:
        result = auctions.read_inbox(folder, WINDOW)
    except auctions.MappingError as exc:
        assert "mine.mapping.yaml" in str(exc)
        return
    _check(result, store, schemas.RAW_AUCTION_LOTS)


# ----------------------------------------------------------------------------- valuations


@st.composite
def valuation_csv(draw) -> tuple[str, list[str]]:
    """(CSV text, locators of well-formed points)."""
    header = ["car", "date", "value", "currency", "source"]
    header = draw(st.sampled_from([header, header[:3], ["car", "date"], [], header + ["x"]]))
    rows: list[list[object]] = [header] if header else []
    good: list[str] = []
    for index in range(draw(st.integers(0, 10))):
        if draw(st.booleans()) and len(header) >= 3:
            row = ["ferrari-f40", f"2030-02-{index + 1:02d}", "3000000"] + ["USD", "idx"][
                : len(header) - 3
            ]
            rows.append(row + [""] * (len(header) - len(row)))
            good.append(f"v.csv:{len(rows)}")
        else:
            rows.append([draw(cell) for _ in range(draw(st.integers(1, 7)))])
    return _csv_text(rows), good


@_settings(30)
@given(spec=valuation_csv(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_valuations_read_hostile_rows(store, scratch, spec, encoding):
    text, good = spec
    path = _write(scratch, "v.csv", text.encode(encoding, "surrogatepass"))
    result = valuations.read_valuation_files([path], WINDOW, KNOWN_CARS)
    _check(result, store, schemas.RAW_VALUATIONS)
    if not _has_surrogates(text):  # else the file is not UTF-8 and is refused as a whole
        assert set(good) <= set(result.accepted["locator"])


@_settings(25)
@given(data=st.binary(max_size=3000))
def test_valuations_survive_arbitrary_bytes(store, scratch, data):
    path = _write(scratch, "bytes.csv", data)
    _check(
        valuations.read_valuation_files([path], WINDOW, KNOWN_CARS), store, schemas.RAW_VALUATIONS
    )


# ----------------------------------------------------------------------------- the inbox sensor


@_settings(40)
@given(
    kind=st.sampled_from(["reddit", "social", "auctions", "valuations"]),
    data=st.one_of(
        st.binary(max_size=2000),
        st.lists(st.sampled_from(RAW_LINES), max_size=5).map(b"\n".join),
    ),
)
def test_inbox_days_are_found_or_the_file_is_reported(scratch, kind, data):
    suffix = {"reddit": ".ndjson", "social": ".jsonl", "auctions": ".csv", "valuations": ".csv"}
    path = _write(scratch, "drop" + suffix[kind], data)
    try:
        days = inbox.days_touched(inbox.InboxFile(kind, path))
    except inbox.InboxFileError as exc:
        assert str(exc).startswith(f"{kind}/drop")
    else:
        assert all(isinstance(day, date) for day in days)


def _days_or_error(function: Callable[[inbox.InboxFile], set[date]], file: inbox.InboxFile):
    try:
        return function(file)
    except inbox.InboxFileError as exc:
        return str(exc)


@_settings(40)
@given(
    kind=st.sampled_from(["reddit", "social"]),
    data=st.data(),
    newline=st.sampled_from([b"\n", b"\r\n"]),
    bom=st.booleans(),
    packed=st.booleans(),
)
def test_inbox_scan_finds_the_days_that_parsing_finds(scratch, kind, data, newline, bom, packed):
    """The sensor's cheap scan of hostile JSON lines: the days (or the error) that parsing
    every line gives."""
    lines = data.draw(json_lines_file(_reddit_record if kind == "reddit" else _social_record))
    raw = _join(lines, newline, bom)
    name = "drop.ndjson.zst" if packed else "drop.ndjson"
    path = _write(scratch, name, zstandard.ZstdCompressor().compress(raw) if packed else raw)
    file = inbox.InboxFile(kind, path)
    assert _days_or_error(inbox.days_touched, file) == _days_or_error(
        inbox.parsed_days_touched, file
    )


# ----------------------------------------------------------------------------- forums

THREAD_URL = "https://forum.test/forum/threads/testarossa-timing-belt.123/"
TAG_URL = "https://forum.test/forum/tags/testarossa/"
HTML_TOKENS = [
    "<",
    ">",
    "</",
    "<!--",
    "-->",
    "<![",
    "<![CDATA[",
    "]]>",
    "<?",
    "<!DOCTYPE",
    "&",
    "&#",
    "&#x110000;",
    "&lt;script&gt;",
    "<script>",
    "</script>",
    "<style>",
    '<article class="message message--post js-post" data-content="post-9" data-author="x">',
    '<article class="message--post">',
    "</article>",
    '<div class="bbWrapper">',
    "</div>",
    '<time data-time="1768036500">',
    '<time data-time="²">',
    '<time datetime="9999-99-99">',
    '<blockquote class="bbCodeBlock--quote">',
    "</blockquote>",
    '<a class="username">',
    '<a href="/forum/threads/x.77/">',
    '<a href="javascript:alert(1)">',
    '<div class="pageNav"><a href="page-999999999999">',
    '<h1 class="p-title-value">',
    '<div class="structItem-title">',
    "\x00",
    "\r\n",
    "\ud800",
    "'\"",
    " ",
    "text",
]
html_soup = st.lists(st.one_of(st.sampled_from(HTML_TOKENS), st.text(max_size=8)), max_size=60).map(
    "".join
)


def _check_thread_page(page: forum.ThreadPage) -> None:
    for post in page.posts:
        assert post.post_id.isdecimal()
        assert post.created_at >= forum.EARLIEST_POST
        assert isinstance(post.text, str)
    for broken in page.broken:
        assert len(broken.excerpt) <= forum.EXCERPT_CHARS and broken.reason


@_settings(100)
@given(html=html_soup)
def test_forum_parsers_survive_arbitrary_markup(html):
    _check_thread_page(forum.parse_thread_page(html, THREAD_URL))
    threads, next_url = forum.parse_tag_page(html, TAG_URL)
    assert all(forum.thread_base_url(url) == url for url in threads)
    assert next_url is None or next_url.startswith("https://forum.test/")


@st.composite
def mutated(draw, page: str) -> str:
    """A saved page with hostile markup inserted, a slice deleted, or the tail cut off."""
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(page)))
        action = draw(st.sampled_from(["insert", "delete", "truncate"]))
        if action == "insert":
            page = page[:at] + draw(html_soup) + page[at:]
        elif action == "delete":
            page = page[:at] + page[at + draw(st.integers(1, 400)) :]
        else:
            page = page[:at]
    return page


PAGES = {
    THREAD_URL: "thread-123.html",
    THREAD_URL + "page-2": "thread-123-page-2.html",
    THREAD_URL + "page-3": "thread-123-page-3.html",
    "https://forum.test/forum/threads/f355-gearbox-noise-when-cold.456/": "thread-456.html",
    TAG_URL: "tag-testarossa.html",
    TAG_URL + "page-2": "tag-testarossa-page-2.html",
}


class FakeSession:
    """Serves (mutated) saved pages; an unknown URL is a 404."""

    def __init__(self, pages: dict[str, str]) -> None:
        self.pages = pages
        self.requests_made = 0

    def fetch(self, url: str) -> tuple[str, str]:
        self.requests_made += 1
        if url not in self.pages:
            raise forum.FetchError(url, "HTTP 404", 404)
        return url, self.pages[url]


@_settings(15)
@given(data=st.data())
def test_forum_crawl_of_damaged_pages_accepts_or_quarantines_every_post(store, data):
    pages = {}
    for url, name in PAGES.items():
        page = (FIXTURES / name).read_text().replace("ferrarichat.com", "forum.test")
        pages[url] = data.draw(mutated(page)) if data.draw(st.booleans()) else page
    site = forum.ForumSite("test", "https://forum.test/forum/", tags=("testarossa",))
    result = forum.crawl(site, FakeSession(pages), WINDOW, max_pages=20)
    _check(result.result, store, schemas.RAW_POSTS)
    assert all(value.isdecimal() for value in result.state.values())
