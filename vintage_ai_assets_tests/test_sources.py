"""Source readers: archives (plain and .zst), social exports, auction mappings, valuations."""

from __future__ import annotations

import json
from datetime import datetime

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
