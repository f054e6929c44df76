"""Hostile and broken input: each gets a clear error or a quarantine row with its reason,
nothing in it is executed, nothing outside the data directory is read or written, and
neither author names nor secrets reach the warehouse.

Decisions these tests pin down:

- Encodings: text files are UTF-8 (a byte-order mark is skipped) or UTF-16/32 with a
  byte-order mark, which are decoded. A JSON-lines line in any other encoding is
  quarantined as ``not UTF-8 text`` (file:line); a CSV or JSON file that is not UTF-8 is
  quarantined as a whole (locator: the file name; reason ``unreadable file: not UTF-8 text
  (undecodable byte at offset N); save it as UTF-8``), and the inbox sensor reports it.
- Empty files hold no record: they are read as zero records and nothing is quarantined,
  except a valuations CSV, which without a header is quarantined for its missing columns.
- Oversized input: a JSON line over 16 MiB or a CSV field over the csv module's limit
  (128 KiB) is quarantined with that reason and the rest of the file loads; a text up to
  16 MiB is kept in the raw layer as written and set aside in ``clean.quarantine`` as
  ``too_long`` (title and body together over 200,000 characters).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from vintage_ai_assets import settings
from vintage_ai_assets.catalog import CatalogError, load_catalog, parse_catalog
from vintage_ai_assets.cleaning.language import detect_language
from vintage_ai_assets.cleaning.matching import CarMatcher
from vintage_ai_assets.cleaning.mentions import TOO_LONG_CHARS, build_mentions
from vintage_ai_assets.cleaning.spam import is_spam
from vintage_ai_assets.defs.ingest.catalog import catalog_frame
from vintage_ai_assets.defs.platform.resources import WarehouseIOManager, WarehouseResource
from vintage_ai_assets.sources import (
    auctions,
    forum,
    inbox,
    reddit_archive,
    social_export,
    valuations,
)
from vintage_ai_assets.sources.authors import author_hash
from vintage_ai_assets.sources.records import EXCERPT_CHARS, TimeWindow
from vintage_ai_assets.text import strip_markup
from vintage_ai_assets.warehouse import Warehouse
from vintage_ai_assets_tests.test_parsers_property import PAGES, FakeSession

FIXTURES = Path(__file__).parent / "fixtures" / "forum"
REPO = Path(__file__).resolve().parents[1]
ALL_TIME = TimeWindow(datetime(2000, 1, 1), datetime(2100, 1, 1))
SQL = "'; DROP TABLE raw.quarantine; --"
DAY = 1767225600  # 2026-01-01 UTC


def _submission(source_id: str, **fields: object) -> dict:
    return {"id": source_id, "created_utc": DAY, "title": "My Testarossa", **fields}


def _ndjson(*records: object) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def _reasons(result) -> list[str]:
    return sorted(result.quarantine.frame()["reason"])


# ----------------------------------------------------------------------------- catalog


@pytest.mark.parametrize(
    "slug",
    [
        SQL,
        'a"b',
        "ferrari-f40\u202e",
        "ｆｅｒｒａｒｉ-f40",
        "../etc",
        "a b",
        "",
        "A-B",
        "a--b",
        "a" * 65,
    ],
)
def test_catalog_refuses_slugs_that_are_not_plain_partition_keys(slug):
    entry = {"slug": slug, "make": "Ferrari", "model": "F40", "years": [1987, 1992]}
    with pytest.raises(CatalogError, match="slug"):
        parse_catalog({"cars": [{**entry, "aliases": ["F40"]}]}, "hostile.yaml")


def test_catalog_names_with_quotes_sql_and_unicode_are_literal_text(tmp_path):
    model = "F40'); DROP TABLE catalog.keep; --"
    aliases = ['F40 "LM"', "Ф40 (.*)+", "\u202eF40 rtl", "Robert'); DROP TABLE x;--"]
    catalog = parse_catalog(
        {
            "cars": [
                {
                    "slug": "ferrari-f40",
                    "make": 'Ferrari "Rosso"',
                    "model": model,
                    "years": [1987, 1992],
                    "aliases": aliases,
                }
            ]
        }
    )
    matcher = CarMatcher(catalog)
    assert matcher.cars('Saw an F40 "LM" today') == ["ferrari-f40"]
    assert matcher.cars("Ф40 (.*)+ at the show") == ["ferrari-f40"]
    assert matcher.cars("Ф40 anything at all") == []  # the alias is text, not a pattern
    assert matcher.cars("Robert'); DROP TABLE x;-- again") == ["ferrari-f40"]

    store = Warehouse(tmp_path / "w.duckdb")
    store.replace("catalog.keep", pd.DataFrame({"a": [1]}), None)
    store.replace("catalog.cars", catalog_frame(catalog), None)
    stored = store.query("SELECT make, model, aliases FROM catalog.cars")
    assert stored.loc[0, "model"] == model and stored.loc[0, "make"] == 'Ferrari "Rosso"'
    assert list(stored.loc[0, "aliases"]) == aliases
    assert store.query("SELECT a FROM catalog.keep")["a"].tolist() == [1]


def test_catalog_yaml_cannot_run_code_and_broken_files_are_clear_errors(tmp_path):
    marker = tmp_path / "executed"
    documents = {
        "code.yaml": f"cars: !!python/object/apply:os.system ['touch {marker}']\n".encode(),
        "deep.yaml": b"cars: " + b"[" * 2000,
        "latin1.yaml": "cars: [{slug: citro\xebn}]\n".encode("latin-1"),
        "empty.yaml": b"",
    }
    for name, data in documents.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(CatalogError, match=re.escape(name)):
            load_catalog(tmp_path / name)
    assert not marker.exists()


# ----------------------------------------------------------------------------- warehouse

HOSTILE_KEYS = [
    "x'); DROP TABLE series.keep; --",
    'quote " and \\ backslash',
    "\u202eright-to-left",
    "🔥 ünïcödé",
]


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_hostile_partition_key_is_stored_literally_and_no_other_table_is_touched(tmp_path, key):
    path = tmp_path / "w.duckdb"
    store = Warehouse(path)
    store.replace("series.keep", pd.DataFrame({"a": [1, 2]}), None)
    io_manager = WarehouseIOManager(warehouse=WarehouseResource(database=str(path)))
    partitions = dg.StaticPartitionsDefinition(["ferrari-f40", key])
    frame = pd.DataFrame({"car": [key, key], "v": [1, 2]})
    runs = [("ferrari-f40", frame.assign(car="ferrari-f40")), (key, frame), (key, frame)]
    for partition, rows in runs:  # the last, a rerun, replaces the key's rows, nothing else
        output = dg.build_output_context(
            asset_key=["series", "car_daily"],
            partition_key=partition,
            asset_partitions_def=partitions,
            definition_metadata={"partition_expr": "car"},
        )
        io_manager.handle_output(output, rows)
    loaded = io_manager.load_input(
        dg.build_input_context(
            asset_key=["series", "car_daily"],
            partition_key=key,
            asset_partitions_def=partitions,
            upstream_output=output,
        )
    )
    assert loaded["car"].tolist() == [key, key]
    assert store.query("SELECT count(*) AS n FROM series.car_daily")["n"].iloc[0] == 4
    assert store.query("SELECT a FROM series.keep ORDER BY a")["a"].tolist() == [1, 2]
    assert sorted(store.row_counts()["table"]) == ["series.car_daily", "series.keep"]


def test_the_stored_frame_is_the_schema_validated_one(tmp_path):
    """The I/O manager validates an output against its schema once and stores the result,
    with pandera's coercions (years given as text land as integers); a frame that breaks
    the schema fails the step with its failure cases, and nothing is written."""
    path = tmp_path / "w.duckdb"
    io_manager = WarehouseIOManager(warehouse=WarehouseResource(database=str(path)))
    output = dg.build_output_context(
        asset_key=["catalog", "cars"], definition_metadata={"pandera_schema": "CATALOG_CARS"}
    )
    frame = pd.DataFrame(
        {"car": ["porsche-993"], "make": ["Porsche"], "model": ["911 (993)"],
         "first_year": ["1994"], "last_year": [1998.0], "aliases": [["993"]]}
    )  # fmt: skip
    io_manager.handle_output(output, frame)
    with duckdb.connect(str(path), read_only=True) as con:
        types = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                                 "WHERE table_name = 'cars'").fetchall())  # fmt: skip
        assert con.execute("SELECT first_year, last_year FROM catalog.cars").fetchall() == [
            (1994, 1998)
        ]
    assert types["first_year"] == types["last_year"] == "BIGINT"
    with pytest.raises(dg.Failure, match="breaks its schema CATALOG_CARS"):
        io_manager.handle_output(output, frame.assign(car="Not A Slug", first_year="soon"))
    assert Warehouse(path).query("SELECT car FROM catalog.cars")["car"].tolist() == ["porsche-993"]


def test_identifiers_with_quotes_are_quoted_not_executed(tmp_path):
    path = tmp_path / "w.duckdb"
    store = Warehouse(path)
    store.replace("s.keep", pd.DataFrame({"a": [1]}), None)
    column = 'x" INTEGER); DROP TABLE s.keep; --'
    store.replace("s.t", pd.DataFrame({"id": [1]}), None)
    store.replace("s.t", pd.DataFrame({"id": [2], column: ["literal"]}), "id = ?", [2])
    assert store.query("SELECT * FROM s.t WHERE id = 2")[column].tolist() == ["literal"]
    with duckdb.connect(str(path)) as con:  # e.g. a table an analyst created by hand
        con.execute('CREATE TABLE s."t""; DROP TABLE s.keep; --" (a INTEGER)')
    counts = dict(zip(*store.row_counts().to_dict("list").values(), strict=True))
    assert counts['s.t"; DROP TABLE s.keep; --'] == 0
    assert counts["s.keep"] == 1


# ----------------------------------------------------------------------------- inbox

ODD_NAMES = [
    SQL + ".ndjson",
    "rtl-\u202egnp.ndjson",
    "new\nline.ndjson",
    "tab\tand space.ndjson",
    "-starts-with-dash.ndjson",
    "caf\u00e9 \U0001f525.ndjson",
]


def test_odd_inbox_file_names_are_read_and_stored_literally(tmp_path):
    folder = tmp_path / "data" / "inbox" / "reddit"
    folder.mkdir(parents=True)
    for index, name in enumerate(ODD_NAMES):
        (folder / name).write_bytes(_ndjson(_submission(f"p{index}"), "not a record"))
    # a name that is not UTF-8 at all: Python sees it with surrogate escapes
    os.close(os.open(os.fsencode(folder) + b"/bad-\xff\xfe.ndjson", os.O_CREAT | os.O_WRONLY))
    (folder / "bad-\udcff\udcfe.ndjson").write_bytes(_ndjson(_submission("p-bad"), [1]))

    files = inbox.inbox_files(tmp_path / "data" / "inbox")
    assert len(files) == len(ODD_NAMES) + 1
    result = reddit_archive.read_inbox(folder, ALL_TIME)
    assert len(result.accepted) == len(ODD_NAMES) + 1
    assert len(result.quarantine) == len(ODD_NAMES) + 1

    store = Warehouse(tmp_path / "data" / "warehouse.duckdb")
    store.replace("raw.keep", pd.DataFrame({"a": [1]}), None)
    store.replace("raw.reddit_archive", result.accepted, None)
    store.upsert("raw.quarantine", result.quarantine.frame(), keys=["source", "locator"])
    locators = set(store.query("SELECT locator FROM raw.quarantine")["locator"])
    assert {f"{name}:2" for name in ODD_NAMES} <= locators
    assert "bad-\ufffd\ufffd.ndjson:2" in locators
    assert store.query("SELECT a FROM raw.keep")["a"].tolist() == [1]
    for file in files:
        assert file.path.parent == folder and inbox.days_touched(file)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def test_nothing_outside_the_inbox_is_read_or_written(tmp_path):
    secret = tmp_path / "outside" / "secret.ndjson"
    secret.parent.mkdir()
    secret.write_bytes(_ndjson(_submission("s1", selftext="TOP-SECRET-CONTENT")))
    inbox_root = tmp_path / "data" / "inbox"
    for kind, name in [("reddit", "link.ndjson"), ("social", "link.jsonl")]:
        folder = inbox_root / kind
        folder.mkdir(parents=True)
        (folder / name).symlink_to(secret)  # a link to a file outside
        (folder / "linked-dir").symlink_to(secret.parent, target_is_directory=True)
        (folder / "sub").mkdir()
        (folder / "sub" / name).write_bytes(secret.read_bytes())  # below the kind's folder
        (folder / f".hidden{Path(name).suffix}").write_bytes(secret.read_bytes())
    for kind, name in [("auctions", "link.csv"), ("valuations", "link.csv")]:
        folder = inbox_root / kind
        folder.mkdir(parents=True)
        (folder / name).symlink_to(secret)
    (inbox_root / "auctions" / "evil.mapping.yaml").symlink_to(secret)
    before = _tree(tmp_path)

    assert inbox.inbox_files(inbox_root) == []
    results = [
        reddit_archive.read_inbox(inbox_root / "reddit", ALL_TIME),
        social_export.read_inbox(inbox_root / "social", ALL_TIME),
        auctions.read_inbox(inbox_root / "auctions", ALL_TIME),
        valuations.read_inbox(inbox_root / "valuations", ALL_TIME, {"ferrari-f40"}),
    ]
    for result in results:
        assert result.files == 0 and result.read == 0
        assert "TOP-SECRET" not in result.accepted.to_string()
        assert "TOP-SECRET" not in result.quarantine.frame().to_string()
    assert _tree(tmp_path) == before


# ----------------------------------------------------------------------------- forum HTML

HOSTILE_BODY = (
    "Before <script>alert(document.cookie)</script> middle "
    "<img src=x onerror=alert(2)> <iframe src='https://evil.test/'></iframe>"
    "<style>body{display:none}</style><noscript>NOSCRIPT-TEXT</noscript>"
    '<a href="javascript:alert(3)">a link</a> '
    "escaped &lt;script&gt;alert(4)&lt;/script&gt; after"
)


def _page_with_body(body: str) -> str:
    page = (FIXTURES / "thread-123.html").read_text()
    start = page.index('<div class="bbWrapper">My 1989') + len('<div class="bbWrapper">')
    end = page.index("</div>", start)
    page = page[:start] + body + page[end:]
    page = page.replace('class="pageNav-jump pageNav-jump--next"', "")
    return page.replace(
        "</body>", '<a class="pageNav-jump--next" href="javascript:alert(5)">Next</a></body>'
    )


def test_forum_scripts_are_stripped_and_kept_out_of_links():
    url = "https://www.ferrarichat.com/forum/threads/testarossa-timing-belt.123/"
    page = forum.parse_thread_page(_page_with_body(HOSTILE_BODY), url)
    text = page.posts[0].text
    assert text.startswith("Before") and text.endswith("after")
    for gone in ("alert(document.cookie)", "onerror", "evil.test", "display:none", "NOSCRIPT"):
        assert gone not in text
    assert "javascript" not in text and "a link" in text
    # escaped markup was text on the page and is stored as that text
    assert "<script>alert(4)</script>" in text
    assert page.next_url is None  # a javascript: "next page" is not followed
    assert all(post.url.startswith("https://www.ferrarichat.com/") for post in page.posts)
    # the clean layer strips markup again, so no tag reaches clean.mentions
    assert "<script>" not in strip_markup(text)


def test_title_templates_are_filled_in_never_evaluated(tmp_path):
    (tmp_path / "mine.mapping.yaml").write_text(
        'name: mine\nfiles: "mine_*.csv"\n'
        'title_template: "{Make.__class__.__mro__} {Model!r:>99} {Year}"\n'
    )
    (tmp_path / "mine_1.csv").write_text("sold_at,make,model,price,Make,Model\n")
    with (tmp_path / "mine_1.csv").open("a") as handle:
        handle.write("2026-01-10,Ferrari,F40,100,Ferrari,F40\n")
    # a Cars & Bids file without the Year column its template names (was a KeyError)
    (tmp_path / "carsandbids_1.csv").write_text(
        "Make,Model,Sold_Price,auction_year,auction_month\nFerrari,F40,100,2026,1\n"
    )
    result = auctions.read_inbox(tmp_path, ALL_TIME)
    # no attribute lookup, conversion or padding: the named column's value, or nothing
    assert sorted(result.accepted["title"]) == ["F40", "Ferrari F40"]
    (tmp_path / "bad.mapping.yaml").write_text('name: bad\ntitle_template: "{Year"\n')
    with pytest.raises(auctions.MappingError, match="bad.mapping.yaml"):
        auctions.read_inbox(tmp_path, ALL_TIME)


# ----------------------------------------------------------------------------- big texts

HOSTILE_MARKUP = {
    "unclosed scripts": "<script>" * 25_000,
    "unclosed styles": "<style>x" * 25_000,
    "script tags without >": "<script " * 25_000,
    "markdown links without end": "[a](" * 50_000,
    "brackets": "[" * 200_000,
    "tags without >": "<a " * 66_000,
}


@pytest.mark.parametrize("text", HOSTILE_MARKUP.values(), ids=HOSTILE_MARKUP.keys())
def test_markup_stripping_finishes_on_hostile_text(text):
    out = strip_markup(text)  # used to take minutes (a lazy regex over unclosed tags)
    assert len(out) <= len(text)


def test_forum_page_with_deep_nesting_and_stray_end_tags_parses():
    url = "https://forum.test/forum/threads/t.1/"
    post = (
        '<article class="message--post" data-content="post-7" data-author="x">'
        '<time data-time="1767225600"></time><div class="bbWrapper">still found</div></article>'
    )
    # stray end tags under deep nesting used to cost a walk of the whole stack each
    html = "<div>" * 50_000 + "</span>" * 50_000 + post + "<!--" * 50_000 + "<![x" * 1000
    page = forum.parse_thread_page(html, url)
    assert [p.text for p in page.posts] == ["still found"]


def test_ten_megabyte_texts_are_kept_raw_and_set_aside_as_too_long(tmp_path, catalog):
    huge = "Testarossa " + "<script>" * 1_250_000  # 10 MB of hostile markup
    archive = tmp_path / "big.ndjson"
    archive.write_bytes(
        _ndjson(
            _submission("big", selftext=huge), _submission("title", title=huge), _submission("ok")
        )
    )
    export = tmp_path / "big.jsonl"
    export.write_bytes(
        _ndjson({"source": "instagram", "id": "big", "created_at": DAY, "text": huge})
    )
    posts = pd.concat(
        [
            reddit_archive.read_archives([archive], ALL_TIME).accepted,
            social_export.read_exports([export], ALL_TIME).accepted,
        ]
    )
    assert len(posts) == 4
    result = build_mentions(posts, catalog)
    too_long = result.quarantine.set_index("record_id")
    assert set(too_long.index) == {"reddit:big", "reddit:title", "instagram:big"}
    assert (too_long["reason"] == "too_long").all()
    assert (too_long["excerpt"].str.len() <= EXCERPT_CHARS).all()
    assert result.mentions["record_id"].tolist() == ["reddit:ok"]
    assert len(huge) > TOO_LONG_CHARS


def test_a_line_over_16_mib_is_quarantined_and_the_rest_loads(tmp_path):
    path = tmp_path / "huge.ndjson"
    big = json.dumps(_submission("huge", selftext="x" * (17 * 1024 * 1024))).encode()
    path.write_bytes(big + b"\n" + _ndjson(_submission("after")))
    result = reddit_archive.read_archives([path], ALL_TIME)
    assert result.accepted["source_id"].tolist() == ["after"]
    [row] = result.quarantine.rows
    assert (row["locator"], row["reason"]) == ("huge.ndjson:1", "line longer than 16 MiB")
    assert len(row["excerpt"]) <= EXCERPT_CHARS


def test_huge_csv_fields_quarantine_their_row_only(tmp_path):
    lots = tmp_path / "lots.csv"
    rows = [["lot_id", "sold_at", "make", "model", "price", "description"]]
    rows += [["1", "2026-01-10", "Ferrari", "F40", "100", "d" * 10_000_000]]
    rows += [["2", "2026-01-10", "Ferrari", "F40", "100", "fine"]]
    lots.write_text(_csv(rows))
    result = auctions.read_auction_files([lots], ALL_TIME, auctions.load_mappings())
    assert result.accepted["lot_id"].tolist() == ["canonical:2"]
    assert _reasons(result) == ["unreadable CSV row: field larger than field limit (131072)"]
    points = tmp_path / "v.csv"
    points.write_text(
        _csv([["car", "date", "value"], ["x" * 200_000, "2026-01-01", "1"]])
        + _csv([["ferrari-f40", "2026-01-02", "5"]])
    )
    result = valuations.read_valuation_files([points], ALL_TIME, {"ferrari-f40"})
    assert result.accepted["locator"].tolist() == ["v.csv:3"]
    assert result.quarantine.rows[0]["locator"] == "v.csv:2"


def test_matching_and_language_on_long_hostile_texts(catalog):
    matcher = CarMatcher(catalog)
    for text in ("Porsche 911 " * 1700, "308 " * 5000, "TR " * 6600, "Ferrari Dino said " * 1100):
        assert isinstance(matcher.cars(text), list)
        assert isinstance(detect_language(text), str | None)
    assert is_spam("crypto " * 1_500_000)


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


# ----------------------------------------------------------------------------- empty files and encodings


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("reddit", "e.ndjson"),
        ("reddit", "e.ndjson.zst"),
        ("social", "e.jsonl"),
        ("auctions", "e.csv"),
        ("auctions", "e.jsonl"),
        ("auctions", "e.json"),
        ("valuations", "e.csv"),
    ],
)
def test_empty_files(tmp_path, kind, name):
    path = tmp_path / name
    path.write_bytes(b"")
    if name == "e.json":  # an empty document is not JSON
        with pytest.raises(inbox.InboxFileError, match="auctions/e.json: invalid JSON"):
            inbox.days_touched(inbox.InboxFile(kind, path))
    else:
        assert inbox.days_touched(inbox.InboxFile(kind, path)) == set()
    result = _read(kind, path)
    assert len(result.accepted) == 0 and result.files == 1
    expected = {
        ("auctions", "e.json"): ["unreadable file: invalid JSON"],
        ("valuations", "e.csv"): ["missing columns ['car', 'date', 'value']"],
    }.get((kind, name), [])
    assert _reasons(result) == expected


def _read(kind: str, path: Path):
    if kind == "reddit":
        return reddit_archive.read_archives([path], ALL_TIME)
    if kind == "social":
        return social_export.read_exports([path], ALL_TIME)
    if kind == "auctions":
        return auctions.read_auction_files([path], ALL_TIME, auctions.load_mappings())
    return valuations.read_valuation_files([path], ALL_TIME, {"ferrari-f40"})


ENCODED = {
    "reddit": (
        "a.ndjson",
        json.dumps(_submission("r1", title="Citroën SM"), ensure_ascii=False) + "\n",
    ),
    "social": (
        "a.jsonl",
        json.dumps(
            {"source": "ig", "id": "s1", "created_at": DAY, "text": "Citroën"}, ensure_ascii=False
        )
        + "\n",
    ),
    "auctions": ("a.csv", "lot_id,sold_at,make,model,price\n1,2026-01-10,Citroën,SM,100\n"),
    "valuations": ("a.csv", "car,date,value,source\nferrari-f40,2026-01-01,5,Citroën\n"),
}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
@pytest.mark.parametrize("kind", ENCODED)
def test_utf16_and_utf32_with_a_bom_are_decoded(tmp_path, kind, encoding):
    name, text = ENCODED[kind]
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    result = _read(kind, path)
    assert len(result.accepted) == 1 and len(result.quarantine) == 0
    assert "Citroën" in result.accepted.to_string()
    assert inbox.days_touched(inbox.InboxFile(kind, path))


@pytest.mark.parametrize("kind", ENCODED)
def test_latin1_is_quarantined_with_a_clear_reason(tmp_path, kind):
    name, text = ENCODED[kind]
    path = tmp_path / name
    path.write_bytes(text.encode("latin-1"))
    result = _read(kind, path)
    assert len(result.accepted) == 0
    [row] = result.quarantine.rows
    if kind in ("reddit", "social"):  # line by line: the file's other lines still load
        assert (row["locator"], row["reason"]) == (f"{name}:1", "not UTF-8 text")
    else:  # a CSV is read whole or not at all
        assert row["locator"] == name
        assert row["reason"].startswith("unreadable file: not UTF-8 text")
        assert "save it as UTF-8" in row["reason"]
        with pytest.raises(inbox.InboxFileError, match=f"{kind}/{name}: not UTF-8 text"):
            inbox.days_touched(inbox.InboxFile(kind, path))


# ----------------------------------------------------------------------------- authors and secrets

AUTHOR = "Zq_Vexillo_Author"


def _forum_pages() -> dict[str, str]:
    pages = {}
    for url, name in PAGES.items():
        page = (FIXTURES / name).read_text().replace("ferrarichat.com", "forum.test")
        pages[url] = page.replace("TR_Jim", AUTHOR).replace("tr_jim", AUTHOR.lower())
    return pages


def test_author_names_reach_no_table(tmp_path, catalog):
    archive = tmp_path / "a.ndjson"
    archive.write_bytes(
        _ndjson(
            _submission("p1", author=AUTHOR, author_fullname=AUTHOR, author_flair_text=AUTHOR),
            {
                "id": "c1",
                "body": "My Testarossa did too",
                "link_id": "t3_p1",
                "author": AUTHOR,
                "created_utc": DAY,
            },
            {"id": "p2", "author": AUTHOR, "created_utc": "yesterday", "title": "bad date"},
            {"author": AUTHOR, "title": "no id"},
        )
        + b'{"id": "p3", "author": "'
        + AUTHOR.encode()
        + b'", "title": "cut off\n'
        + b"{'author': '"
        + AUTHOR.encode()
        + b"'}\n"
    )
    export = tmp_path / "s.jsonl"
    export.write_bytes(
        _ndjson(
            {"source": "ig", "id": "s1", "created_at": DAY, "author": AUTHOR, "text": "Testarossa"},
            {"source": "ig", "id": "s2", "created_at": "soon", "author": AUTHOR, "text": "x"},
            {"source": "ig", "id": "s3", "created_at": DAY, "username": AUTHOR, "text": 5},
        )
    )
    site = forum.ForumSite("test", "https://forum.test/forum/", tags=("testarossa",))
    results = [
        reddit_archive.read_archives([archive], ALL_TIME),
        social_export.read_exports([export], ALL_TIME),
        forum.crawl(site, FakeSession(_forum_pages()), ALL_TIME).result,
    ]
    assert sum(len(r.accepted) for r in results) >= 8
    # reddit: bad date, no id, a cut-off line, a Python repr; social: a bad date and a
    # text that is no string; forum: two posts without id or time
    assert sum(len(r.quarantine) for r in results) == 8
    mentions = build_mentions(pd.concat([r.accepted for r in results]), catalog)
    assert len(mentions.mentions) >= 3
    frames = [f for r in results for f in (r.accepted, r.quarantine.frame())]
    frames += [mentions.mentions, mentions.quarantine]
    excerpts = " ".join(r.quarantine.frame()["excerpt"].str.cat(sep=" ") for r in results)
    assert excerpts.count("<redacted>") >= 5
    for frame in frames:
        dumped = frame.to_csv(index=False).lower()
        assert AUTHOR.lower() not in dumped
        assert "test-author-key" not in dumped
    hashes = set(results[0].accepted["author_hash"]) | set(results[2].accepted["author_hash"])
    assert author_hash(AUTHOR) in hashes


def test_author_hash_is_keyed_and_a_generated_key_stays_private(tmp_path, monkeypatch):
    import hashlib

    configured = author_hash(AUTHOR)
    assert configured not in (hashlib.sha256(AUTHOR.lower().encode()).hexdigest()[:16], None)
    assert author_hash(f"  {AUTHOR.upper()} ") == configured  # case and spaces do not matter
    assert author_hash("lone \udc80 surrogate")  # a hostile name still gets a hash
    settings.use(settings.current().but(author_key=None, data_dir=tmp_path / "data"))
    generated = author_hash(AUTHOR)
    key_file = tmp_path / "data" / ".author_key"
    assert generated != configured and key_file.stat().st_mode & 0o777 == 0o600
    assert author_hash(AUTHOR) == generated
    assert [p.name for p in key_file.parent.iterdir()] == [".author_key"]  # no temporary left
    assert key_file.read_text().strip() not in generated


# ----------------------------------------------------------------------------- where the UI listens


def test_ui_binds_to_localhost_unless_inside_a_container():
    makefile = (REPO / "Makefile").read_text()
    commands = re.findall(r"^\t.*\b(?:dagster dev|dagster-webserver)\b.*$", makefile, re.M)
    assert commands, "the Makefile starts the UI"
    for command in commands:
        host = re.search(r"(?:-h|--host)[ =](\S+)", command)
        assert host is None or host.group(1) == "127.0.0.1", command  # dagster's default
    dockerfile = (REPO / "Dockerfile").read_text()
    if "0.0.0.0" in dockerfile:
        lines = dockerfile.splitlines()
        at = next(i for i, line in enumerate(lines) if "0.0.0.0" in line)
        assert lines[at].startswith("CMD"), "only the container's own command binds all interfaces"
        assert "container" in lines[at - 1].lower() and lines[at - 1].startswith("#")
    for source in (REPO / "vintage_ai_assets").rglob("*.py"):
        assert "0.0.0.0" not in source.read_text(), source
