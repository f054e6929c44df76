"""Source readers: archives (plain and .zst), social exports, auction mappings, valuations."""

from __future__ import annotations

import json
from datetime import datetime

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
