"""Source readers: archives (plain and .zst), social exports, auction mappings, valuations."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import zstandard

from vintage_ai_assets.sources import auctions, reddit_archive, social_export, valuations
from vintage_ai_assets.sources.records import TimeWindow

ALL_TIME = TimeWindow(datetime(2000, 1, 1), datetime(2100, 1, 1))
SUBMISSION = {
    "id": "abc1",
    "name": "t3_abc1",
    "created_utc": 1767225600,
    "subreddit": "ferrari",
    "author": "tifosi_88",
    "title": "My Testarossa is back",
    "selftext": "Fresh belts.",
    "score": 12,
    "num_comments": 1,
    "permalink": "/r/ferrari/comments/abc1/x/",
}
COMMENT = {
    "id": "c1",
    "name": "t1_c1",
    "link_id": "t3_abc1",
    "parent_id": "t3_abc1",
    "created_utc": 1767229200,
    "subreddit": "ferrari",
    "author": "bob",
    "body": "Gorgeous!",
    "score": 3,
    "permalink": "/r/ferrari/comments/abc1/x/c1/",
}


def _archive_lines() -> list[bytes]:
    return [
        json.dumps(SUBMISSION).encode(),
        b"{not json",
        json.dumps(COMMENT).encode(),
        json.dumps({"id": "x2", "title": "no date"}).encode(),
        b"",
        json.dumps({**SUBMISSION, "id": "old", "created_utc": 946684800}).encode(),
    ]


def test_archive_plain_and_zst_read_the_same(tmp_path):
    plain = tmp_path / "a.ndjson"
    plain.write_bytes(b"\n".join(_archive_lines()) + b"\n")
    packed = tmp_path / "b.ndjson.zst"
    packed.write_bytes(zstandard.ZstdCompressor().compress(plain.read_bytes()))
    window = TimeWindow(datetime(2025, 12, 31), datetime(2026, 1, 2))
    for path in (plain, packed):
        result = reddit_archive.read_archives([path], window)
        assert list(result.accepted["source_id"]) == ["abc1", "c1"]
        reasons = sorted(result.quarantine.frame()["reason"])
        assert reasons == ["invalid JSON", "missing or invalid created_utc"]
        assert {loc.split(":")[1] for loc in result.quarantine.frame()["locator"]} == {"2", "4"}
        assert result.read == len(result.accepted) + len(result.quarantine)
        comment = result.accepted.iloc[1]
        assert comment["kind"] == "comment" and comment["thread_id"] == "abc1"
        assert "tifosi_88" not in result.accepted.to_string()  # authors are pseudonymised


def test_shared_reddit_archive_loads(shared_data):
    [path] = shared_data.glob("reddit_submissions_*.ndjson")
    result = reddit_archive.read_archives([path], ALL_TIME)
    assert len(result.accepted) == 3039
    assert len(result.quarantine) == 0
    assert set(result.accepted["community"]) == {"cars", "teslamotors"}


def test_social_export_accepts_and_quarantines(tmp_path):
    path = tmp_path / "export.jsonl"
    rows = [
        {
            "source": "instagram",
            "id": "p1",
            "created_at": "2026-01-05T10:00:00Z",
            "author": "a",
            "text": "F40 🔥",
            "car": "ferrari-f40",
            "likes": 5,
        },
        {"source": "instagram", "id": "p2", "created_at": "yesterday", "author": "a", "text": "x"},
        {"source": "instagram", "id": "p3", "created_at": "2026-01-05T11:00:00+01:00", "text": 42},
        {"source": "instagram", "id": "p1", "created_at": "2026-01-05T10:00:00Z", "text": "again"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n[1, 2]\n")
    result = social_export.read_exports([path], ALL_TIME)
    assert list(result.accepted["record_id"]) == ["instagram:p1"]
    assert result.accepted["car_hint"].iloc[0] == "ferrari-f40"
    assert sorted(result.quarantine.frame()["reason"]) == [
        "created_at is not ISO 8601",
        "not a JSON object",
        "repeated id in the export",
        "text is not a string",
    ]
    assert result.read == 5


def test_carsandbids_export_reads_through_its_mapping(shared_data):
    [path] = shared_data.glob("carsandbids_*.csv")
    result = auctions.read_auction_files([path], ALL_TIME, auctions.load_mappings())
    lots = result.accepted
    assert len(lots) + len(result.quarantine) == 30774 == result.read
    assert len(lots) > 30000
    assert (lots["sold_at"].dt.day == 1).all() and lots["sold"].all()
    assert lots["lot_id"].str.startswith("carsandbids:").all()
    assert (lots["auction_house"] == "Cars & Bids").all()
    first = lots.iloc[0]
    assert first["title"].startswith(str(first["year"]))
    assert "Body Style" in json.loads(first["attributes"])


def test_auction_rows_with_bad_values_are_quarantined(tmp_path):
    path = tmp_path / "lots.csv"
    path.write_text(
        "lot_id,sold_at,make,model,year,mileage,price,currency,sold,title\n"
        "1,2026-01-10,Ferrari,F40,1990,12000,2900000,USD,true,1990 Ferrari F40\n"
        "2,2026-01-11,Ferrari,F40,1990,12000,-5,USD,true,bad price\n"
        "3,not a date,Ferrari,F40,1990,12000,5,USD,true,bad date\n"
        "4,2026-01-12,Ferrari,F40,1990,12000,5,USD,maybe,bad flag\n"
        "5,2026-01-12,,F40,1990,12000,5,USD,false,no make\n"
    )
    result = auctions.read_auction_files([path], ALL_TIME, auctions.load_mappings())
    assert list(result.accepted["lot_id"]) == ["canonical:1"]
    assert len(result.quarantine) == 4


def test_valuations_know_the_catalog(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(
        "car,date,value,currency,source\n"
        "ferrari-f40,2026-01-01,3000000,USD,idx\n"
        "unknown-car,2026-01-01,1,USD,idx\n"
        "ferrari-f40,2026-02-01,-3,USD,idx\n"
    )
    result = valuations.read_valuation_files([path], ALL_TIME, {"ferrari-f40"})
    assert len(result.accepted) == 1
    assert sorted(result.quarantine.frame()["reason"]) == [
        "car 'unknown-car' not in the catalog",
        "missing or non-positive value",
    ]


def test_a_day_opens_only_the_files_whose_span_holds_it(tmp_path):
    from vintage_ai_assets.sources.file_spans import FileSpans

    folder = tmp_path / "reddit"
    folder.mkdir()
    january = folder / "2026-01.ndjson"  # 2026-01-01 (and one line from 2000)
    january.write_bytes(b"\n".join(_archive_lines()) + b"\n")
    march = folder / "2026-03.ndjson"
    march.write_text(json.dumps({**SUBMISSION, "id": "m1", "created_utc": 1772668800}) + "\n")
    store = tmp_path / "state" / "spans.json"
    first_of_march = TimeWindow(datetime(2026, 3, 5), datetime(2026, 3, 6))
    new_year = TimeWindow(datetime(2026, 1, 1), datetime(2026, 1, 2))

    first = reddit_archive.read_inbox(folder, first_of_march, FileSpans.load(store))
    assert first.files == 2 and list(first.accepted["source_id"]) == ["m1"]
    assert len(first.quarantine) == 2  # january's bad lines, found on its first full read

    again = reddit_archive.read_inbox(folder, first_of_march, FileSpans.load(store))
    assert again.files == 1 and list(again.accepted["source_id"]) == ["m1"]
    assert len(again.quarantine) == 0
    assert reddit_archive.read_inbox(folder, new_year, FileSpans.load(store)).files == 1
    # The span covers every dated line of the file, even outside the day read.
    y2000 = TimeWindow(datetime(2000, 1, 1), datetime(2000, 1, 2))
    assert reddit_archive.read_inbox(folder, y2000, FileSpans.load(store)).files == 1

    # A changed file is read again, whatever its old span said.
    with january.open("ab") as out:
        out.write(json.dumps({**SUBMISSION, "id": "late", "created_utc": 1772700000}).encode())
    changed = reddit_archive.read_inbox(folder, first_of_march, FileSpans.load(store))
    assert changed.files == 2 and sorted(changed.accepted["source_id"]) == ["late", "m1"]
    # Without spans every file is read, as before.
    assert reddit_archive.read_inbox(folder, first_of_march).files == 2
    # A damaged spans file is ignored, not fatal.
    store.write_text("{not json")
    assert reddit_archive.read_inbox(folder, first_of_march, FileSpans.load(store)).files == 2


def test_social_exports_skip_files_outside_the_window(tmp_path):
    from vintage_ai_assets.sources.file_spans import FileSpans

    folder = tmp_path / "social"
    folder.mkdir()
    for month in (1, 2):
        (folder / f"2026-0{month}.jsonl").write_text(
            json.dumps(
                {
                    "source": "forum",
                    "id": f"p{month}",
                    "created_at": f"2026-0{month}-10T10:00:00Z",
                    "text": "Lovely 308 GTS",
                    "author": "a",
                }
            )
            + "\n"
        )
    store = tmp_path / "spans.json"
    window = TimeWindow(datetime(2026, 2, 10), datetime(2026, 2, 11))
    assert social_export.read_inbox(folder, window, FileSpans.load(store)).files == 2
    result = social_export.read_inbox(folder, window, FileSpans.load(store))
    assert result.files == 1 and list(result.accepted["source_id"]) == ["p2"]


@pytest.mark.parametrize(
    ("name", "bot"),
    [
        ("Talbot", False),  # surnames and words that end in "bot"
        ("Abbot", False),
        ("Cabot", False),
        ("TALBOT", False),
        ("sabot", False),
        ("MyRobot", False),
        ("Jim Talbot", False),
        ("AutoModerator", True),  # known accounts, whatever their names look like
        ("SaveVideo", True),
        ("remindmebot", True),
        ("RemindMeBot", True),  # "bot" as a word of its own
        ("parts_bot", True),
        ("price-bot", True),
        ("ModBot", True),
        ("BOT", True),
        (None, False),
    ],
)
def test_bot_accounts_are_known_names_or_say_bot_as_a_word(name, bot):
    from vintage_ai_assets.sources.authors import is_bot

    assert is_bot(name) is bot


# ----------------------------------------------------------------------------- inbox days


def _inbox_file(tmp_path, kind: str, name: str, data: bytes):
    from vintage_ai_assets.sources import inbox

    folder = tmp_path / kind
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return inbox.InboxFile(kind, folder / name)


def _days_or_error(function, file) -> object:
    from vintage_ai_assets.sources import inbox

    try:
        return function(file)
    except inbox.InboxFileError as exc:
        return f"error: {exc}"


def _read_span(file) -> tuple:
    """The span (first, last) that the file's reader learns on a full read."""
    from vintage_ai_assets.sources import mailing_list
    from vintage_ai_assets.sources.file_spans import FileSpans

    spans = FileSpans()
    reader = {
        "reddit": reddit_archive.read_archives,
        "social": social_export.read_exports,
        "mail": mailing_list.read_archives,
    }[file.kind]
    reader([file.path], ALL_TIME, spans)
    entry = spans.entries[str(file.path)]
    return tuple(datetime.fromisoformat(entry[k]) if entry[k] else None for k in ("first", "last"))


def _inbox_fixtures(tmp_path) -> list:
    """The inbox files the tests use, in every form the sensor meets."""
    from vintage_ai_assets_tests.test_mail import MBOX

    archive = b"\n".join(_archive_lines()) + b"\n"
    sensor_lines = [
        json.dumps({"id": i, "created_utc": datetime(2026, 1, d, h, tzinfo=UTC).timestamp()})
        for i, (d, h) in enumerate([(5, 10), (6, 23), (9, 0)])
    ]
    social = [
        {"source": "forum", "id": "p1", "created_at": "2026-01-10T10:00:00Z", "text": "308"},
        {"source": "forum", "id": "p2", "created_at": "2026-01-10T23:30:00-02:00", "text": "x"},
        {"source": "forum", "id": "p3", "created_at": 1767225600, "text": "epoch"},
        {"source": "forum", "id": "p4", "created_at": "not a date", "text": "x"},
    ]
    mail = [
        {"id": "p/1", "list": "928", "date": "1996-05-01T10:00:00-07:00", "text": "Cam belt"},
        {"id": "p/2", "list": "928", "date": "", "text": "no date"},
        {"id": "p/3", "list": "928", "date": 831000000, "text": "epoch"},
    ]
    return [
        _inbox_file(tmp_path, "reddit", "a.ndjson", archive),
        _inbox_file(
            tmp_path, "reddit", "b.ndjson.zst", zstandard.ZstdCompressor().compress(archive)
        ),
        _inbox_file(
            tmp_path, "reddit", "crlf-bom.jsonl", b"\xef\xbb\xbf" + archive.replace(b"\n", b"\r\n")
        ),
        _inbox_file(tmp_path, "reddit", "utf16.json", archive.decode().encode("utf-16")),
        _inbox_file(
            tmp_path, "reddit", "dump.ndjson", "\n".join([*sensor_lines, "{broken"]).encode()
        ),
        _inbox_file(tmp_path, "reddit", "empty.ndjson", b""),
        _inbox_file(tmp_path, "social", "s.jsonl", "\n".join(map(json.dumps, social)).encode()),
        _inbox_file(tmp_path, "mail", "dump.jsonl", "\n".join(map(json.dumps, mail)).encode()),
        _inbox_file(tmp_path, "mail", "porschefans-914.mbox", MBOX),
        _inbox_file(tmp_path, "mail", "packed.mbox.zst", zstandard.ZstdCompressor().compress(MBOX)),
    ]


def test_inbox_scan_finds_what_parsing_every_record_finds(tmp_path):
    """The sensor's cheap scan: the same days as parsing every record, the same span as the
    reader learns, on every kind of file the tests use."""
    from vintage_ai_assets.sources import inbox

    files = _inbox_fixtures(tmp_path)
    for file in files:
        found = inbox.scan_file(file)
        assert found.complete and found.days == inbox.parsed_days_touched(file), file.key
        if found.days:
            assert (found.first, found.last) == _read_span(file), file.key
    [dump] = [f for f in files if f.key == "reddit/dump.ndjson"]
    assert {d.isoformat() for d in inbox.days_touched(dump)} == {
        "2026-01-05",
        "2026-01-06",
        "2026-01-09",
    }


def test_inbox_scan_reads_dates_written_as_numbers_and_strings(tmp_path):
    from datetime import date

    from vintage_ai_assets.sources import inbox

    lines = [
        '{"id": "int", "created_utc": 1767225600}',  # 2026-01-01 00:00
        '{"id": "float", "created_utc":1767398399.9999997, "x": 1}',  # rounds to 01-03
        '{"id": "exp", "created_utc" : 1.7675712e9}',  # 2026-01-05
        '{"id": "text", "created_utc": "1767744000"}',  # 2026-01-07
        '{"id": "text-float", "created_utc": "1767916800.5"}',  # 2026-01-09
        '{"id": "iso", "created_utc": "2026-01-10T23:30:00-02:00"}',  # 2026-01-11 UTC
        '{"id": "escaped", "created_utc": "2026-01-13T10:00:00\\u002B01:00"}',  # 2026-01-13
        '{"id": "null", "created_utc": null}',
        '{"id": "missing", "title": "no date at all"}',
        '{"id": "junk", "created_utc": "yesterday"}',
        '{"id": "nested", "created_utc": {"created_utc": 1}}',
        '{"id": "twice", "created_utc": 1, "created_utc": 1768608000}',  # the last: 01-17
        '{"id": "quoted", "title": "\\"created_utc\\": 5", "created_utc": 1768780800}',  # 01-19
        '{"id": "cut", "created_utc": 1768953600, "title": "cut sh',  # not JSON
        b'{"id": "latin-1 \xe9", "created_utc": 1769126400}'.decode("latin-1"),  # not UTF-8
    ]
    data = "\n".join(lines).encode("latin-1")
    expected = {date(2026, 1, d) for d in (1, 3, 5, 7, 9, 11, 13, 17, 19)}
    for name, payload in (("t.ndjson", data), ("t.ndjson.zst", zstandard.compress(data))):
        file = _inbox_file(tmp_path, "reddit", name, payload)
        found = inbox.scan_file(file)
        assert found.days == expected == inbox.parsed_days_touched(file)
        assert found.first == datetime(2026, 1, 1) and found.last == datetime(2026, 1, 19)
        assert (found.first, found.last) == _read_span(file)


def test_inbox_scan_errors_match_the_full_parse(tmp_path):
    from vintage_ai_assets.sources import inbox

    archive = zstandard.ZstdCompressor().compress(b"\n".join(_archive_lines()) * 200)
    cases = {
        "corrupt.ndjson.zst": archive[: len(archive) // 2] + b"\x00" * 64 + archive[-100:],
        "not-zstd.zst": b"plain text, not zstandard",
        "no-dates.ndjson": b'{"id": "a", "title": "no date"}\n{broken\n',
        "only-null.ndjson": b'{"id": "a", "created_utc": null}\n',
    }
    for name, payload in cases.items():
        file = _inbox_file(tmp_path, "reddit", name, payload)
        with pytest.raises(inbox.InboxFileError, match=f"^reddit/{name}: ") as cheap:
            inbox.scan_file(file)
        assert str(cheap.value) == _days_or_error(inbox.parsed_days_touched, file)[7:]
    mail = _inbox_file(
        tmp_path, "mail", "x.mbox", b"From a@b Mon Apr 25 15:03:25 1994\nX: 1\n\nhi\n"
    )
    with pytest.raises(inbox.InboxFileError, match="no record with a readable date"):
        inbox.scan_file(mail)


def test_inbox_scan_of_mbox_reads_the_first_date_header_as_the_mail_reader(tmp_path):
    from vintage_ai_assets.sources import inbox

    messages = [
        b"From a@b Mon Apr 25 15:03:25 1994\nSubject: folded\nDate: Tue, 3 May 1994\n"
        b" 23:30:00 -0400\nX: y\n\nDate: Mon, 9 May 1994 10:00:00 +0000\n",  # 05-04 UTC
        b"From a@b Mon Apr 25 15:03:25 1994\ndate: Thu, 5 May 1994 10:00:00 +0000\n"
        b"DATE: Fri, 6 May 1994 10:00:00 +0000\n\nbody\n>From the top\n",  # the first one
        b"From a@b Mon Apr 25 15:03:25 1994\nSubject: x\nnot a header\n"
        b"Date: Sat, 7 May 1994 10:00:00 +0000\n\n",  # in the body: no date
        b"From a@b Mon Apr 25 15:03:25 1994\nDate: 31 Feb 1994 10:00:00 +0000\n\n",  # invalid
        b"From a@b Mon Apr 25 15:03:25 1994\nDate: Sun, 8 May 94 10:00:00 -0000\n\nx\n",
        b"body text\nFrom a@b Mon Apr 25 15:03:25 1994\nDate: Tue, 10 May 1994 1:00 +0000\n",
    ]
    data = b"\n".join(messages)
    for name, payload in (("m.mbox", data), ("m.mbox.zst", zstandard.compress(data))):
        file = _inbox_file(tmp_path, "mail", name, payload)
        found = inbox.scan_file(file)
        assert {d.isoformat() for d in found.days} == {"1994-05-04", "1994-05-05", "1994-05-08"}
        assert found.days == inbox.parsed_days_touched(file)
        assert (found.first, found.last) == _read_span(file)
        part = inbox.scan_file(file, limit=len(messages[0]))  # stops at the next message
        assert not part.complete and {d.isoformat() for d in part.days} == {"1994-05-04"}


def test_inbox_scan_across_chunks_and_long_lines_and_stopped_early(tmp_path, monkeypatch):
    from vintage_ai_assets.sources import inbox, inbox_scan

    monkeypatch.setattr(inbox_scan, "CHUNK_BYTES", 2**16)  # the smallest buffer
    records = [
        {
            "id": f"r{n}",
            "created_utc": 1767225600 + n * 7_000 + (0.5 if n % 3 else 0),
            "title": "x" * (200_000 if n == 40 else 300),  # one line longer than the buffer
        }
        for n in range(400)
    ]
    data = "\n".join(map(json.dumps, records)).encode()  # no newline at the very end
    for name, payload in (("c.ndjson", data), ("c.ndjson.zst", zstandard.compress(data))):
        file = _inbox_file(tmp_path, "reddit", name, payload)
        found = inbox.scan_file(file)
        assert found.complete and found.scanned == len(data)
        assert found.days == inbox.parsed_days_touched(file) and len(found.days) == 33
        part = inbox.scan_file(file, limit=100_000)
        assert not part.complete and 100_000 <= part.scanned < len(data)
        assert part.days < found.days and min(part.days) == min(found.days)
        assert inbox.scan_file(file, limit=len(data)).complete


def test_inbox_scan_equals_the_full_parse_on_the_shared_data(shared_data):
    from vintage_ai_assets.sources import inbox

    files = [
        inbox.InboxFile(
            "reddit", shared_data / "reddit_submissions_cars_teslamotors_2019-10_2020-02.ndjson"
        ),
        inbox.InboxFile("mail", shared_data / "porsche_mailing_lists_1990-1997.jsonl.gz"),
    ]
    for file in files:
        found = inbox.scan_file(file)
        assert found.days and found.days == inbox.parsed_days_touched(file), file.key
        assert (found.first, found.last) == _read_span(file), file.key


def test_a_pushshift_dump_names_its_month():
    from pathlib import Path

    from vintage_ai_assets.sources import inbox

    def month(name: str):
        days = inbox.month_in_name(inbox.InboxFile("reddit", Path(name)))
        return (min(days).isoformat(), len(days)) if days else None

    assert month("RS_2025-05.zst") == ("2025-05-01", 31)
    assert month("RC_2024-02.ndjson.zst") == ("2024-02-01", 29)
    assert month("RS_2025-12") == ("2025-12-01", 31)
    assert month("RS_2025-13.zst") is None
    assert month("RS_2025-05-03.zst") is None  # a day, not a month
    assert month("reddit_2019-10_2020-02.ndjson") is None
