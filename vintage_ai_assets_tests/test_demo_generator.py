"""The synthetic demo inbox: deterministic, in the readers' formats, with its planted signals."""

from __future__ import annotations

import csv
import json
import re
import statistics
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from vintage_ai_assets.catalog import Car, Catalog, CatalogError, load_catalog
from vintage_ai_assets.demo.generator import (
    AUCTION_COLUMNS,
    FAULT_CAR,
    FAULT_TERMS,
    RISING_CAR,
    VALUATION_COLUMNS,
    DemoSpec,
    DemoSummary,
    write_demo_inbox,
)

SMALL = DemoSpec(
    start=date(2025, 12, 1),
    end=date(2026, 3, 31),
    cars=(FAULT_CAR, RISING_CAR, "porsche-993"),
    texts_per_car_month=40,
    seed=3,
)
SUBMISSION_KEYS = {
    "id",
    "name",
    "created_utc",
    "subreddit",
    "author",
    "title",
    "selftext",
    "score",
    "num_comments",
    "permalink",
    "url",
    "is_self",
}
COMMENT_KEYS = {
    "id",
    "name",
    "link_id",
    "parent_id",
    "created_utc",
    "subreddit",
    "author",
    "body",
    "score",
    "permalink",
}
FORUM_KEYS = {
    "source",
    "id",
    "created_at",
    "author",
    "text",
    "url",
    "thread_id",
    "thread_title",
    "likes",
}
INSTAGRAM_KEYS = {"source", "id", "created_at", "author", "text", "url", "likes", "comments"}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> tuple[Path, DemoSummary]:
    inbox = tmp_path_factory.mktemp("demo-small")
    return inbox, write_demo_inbox(inbox, catalog, SMALL)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _names(car: Car, catalog: Catalog, text: str) -> bool:
    """Whether ``text`` names ``car``: an alias, or a weak alias with the make named too."""

    def has(phrase: str) -> bool:
        return (
            re.search(rf"(?<![A-Za-z0-9]){re.escape(phrase)}(?![A-Za-z0-9])", text, re.I)
            is not None
        )

    if any(has(a) for a in car.aliases):
        return True
    return any(has(w) for w in car.weak_aliases) and any(
        has(m) for m in catalog.make_words(car.make)
    )


def _texts(inbox: Path) -> list[dict]:
    """Every text record as {source, kind, when, text, root}: root is the thread's naming text."""
    out: list[dict] = []
    reddit = [r for p in sorted((inbox / "reddit").glob("*.ndjson")) for r in _jsonl(p)]
    titles = {r["id"]: r["title"] for r in reddit if r["name"].startswith("t3_")}
    for r in reddit:
        when = datetime.fromtimestamp(r["created_utc"], tz=UTC)
        if r["name"].startswith("t3_"):
            text = f"{r['title']}\n\n{r['selftext']}"
            out.append(
                {
                    "source": "reddit",
                    "kind": "submission",
                    "when": when,
                    "text": text,
                    "root": r["title"],
                }
            )
        else:
            root = titles[r["link_id"].removeprefix("t3_")]
            out.append(
                {
                    "source": "reddit",
                    "kind": "comment",
                    "when": when,
                    "text": r["body"],
                    "root": root,
                }
            )
    for path in sorted((inbox / "social").glob("*.jsonl")):
        for r in _jsonl(path):
            when = datetime.fromisoformat(r["created_at"].replace("Z", "+00:00"))
            if r["source"] == "instagram":
                out.append(
                    {
                        "source": "instagram",
                        "kind": "post",
                        "when": when,
                        "text": r["text"],
                        "root": r["text"],
                        "car": r.get("car"),
                    }
                )
            else:
                out.append(
                    {
                        "source": r["source"],
                        "kind": "post",
                        "when": when,
                        "text": r["text"],
                        "root": r["thread_title"],
                    }
                )
    return out


def _belongs(record: dict, car: Car, catalog: Catalog) -> bool:
    if record.get("car"):
        return record["car"] == car.slug
    return _names(car, catalog, record["root"])


def test_same_spec_gives_byte_identical_files(tmp_path: Path, catalog: Catalog) -> None:
    first = write_demo_inbox(tmp_path / "a", catalog, SMALL)
    second = write_demo_inbox(tmp_path / "b", catalog, SMALL)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert (first.texts, first.auction_lots, first.valuation_points) == (
        second.texts,
        second.auction_lots,
        second.valuation_points,
    )
    other = DemoSpec(SMALL.start, SMALL.end, SMALL.cars, SMALL.texts_per_car_month, seed=4)
    write_demo_inbox(tmp_path / "c", catalog, other)
    assert _tree(tmp_path / "c") != _tree(tmp_path / "a")


def test_rewriting_replaces_earlier_demo_files(tmp_path: Path, catalog: Catalog) -> None:
    write_demo_inbox(tmp_path, catalog, SMALL)
    (tmp_path / "reddit" / "mine.ndjson").write_text("{}\n")
    shorter = DemoSpec(date(2026, 1, 1), date(2026, 1, 31), (FAULT_CAR,), 20, 3)
    summary = write_demo_inbox(tmp_path, catalog, shorter)
    reddit = sorted(p.name for p in (tmp_path / "reddit").iterdir())
    assert reddit == ["demo-reddit-2026-01.ndjson", "mine.ndjson"]
    assert all(p.exists() for p in summary.files)


def test_unknown_car_is_refused(tmp_path: Path, catalog: Catalog) -> None:
    with pytest.raises(CatalogError):
        write_demo_inbox(tmp_path, catalog, DemoSpec(cars=("no-such-car",)))


def test_files_parse_in_the_documented_formats(small: tuple[Path, DemoSummary]) -> None:
    inbox, summary = small
    names = sorted(str(p.relative_to(inbox)) for p in summary.files)
    months = ["2025-12", "2026-01", "2026-02", "2026-03"]
    assert [n for n in names if n.startswith("reddit/")] == [
        f"reddit/demo-reddit-{m}.ndjson" for m in months
    ]
    assert {f"social/demo-forums-{m}.jsonl" for m in months} <= set(names)
    assert {f"social/demo-instagram-{m}.jsonl" for m in months} <= set(names)
    lo = datetime(2025, 12, 1, tzinfo=UTC).timestamp()
    hi = datetime(2026, 4, 1, tzinfo=UTC).timestamp()
    lines = 0
    for path in sorted((inbox / "reddit").glob("*.ndjson")):
        for record in _jsonl(path):
            lines += 1
            keys = SUBMISSION_KEYS if record["name"].startswith("t3_") else COMMENT_KEYS
            assert set(record) == keys
            assert record["name"].endswith(record["id"]) and re.fullmatch(
                r"[0-9a-z]+", record["id"]
            )
            assert isinstance(record["created_utc"], int) and lo <= record["created_utc"] < hi
            assert path.name == f"demo-reddit-{_month(record['created_utc'])}.ndjson"
            assert record["permalink"].startswith(f"/r/{record['subreddit']}/comments/")
    ids: Counter[tuple[str, str]] = Counter()
    for path in sorted((inbox / "social").glob("*.jsonl")):
        for record in _jsonl(path):
            lines += 1
            ids[(record["source"], record["id"])] += 1
            created = datetime.fromisoformat(record["created_at"].replace("Z", "+00:00"))
            assert record["created_at"].endswith("Z") and lo <= created.timestamp() < hi
            assert isinstance(record["text"], str) and record["text"]
            if path.name.startswith("demo-instagram-"):
                assert record["source"] == "instagram"
                assert INSTAGRAM_KEYS <= set(record) <= INSTAGRAM_KEYS | {"car"}
                assert record.get("car", SMALL.cars[0]) in SMALL.cars
            else:
                assert record["source"].startswith("forum:") and set(record) == FORUM_KEYS
    assert max(ids.values()) == 1
    assert lines == summary.texts

    with (inbox / "auctions" / "demo-auctions.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == AUCTION_COLUMNS
        lots = list(reader)
    assert len(lots) == summary.auction_lots > 0
    assert len({lot["lot_id"] for lot in lots}) == len(lots)
    for lot in lots:
        assert SMALL.start <= date.fromisoformat(lot["sold_at"]) <= SMALL.end
        assert lot["sold"] in ("true", "false") and lot["currency"] in ("USD", "EUR", "GBP")
        assert float(lot["price"]) > 0 and int(lot["mileage"]) > 0
        assert lot["title"].startswith(lot["year"]) or f" {lot['year']} " in lot["title"]
        assert f"{lot['make']} {lot['model']}" in lot["title"]

    with (inbox / "valuations" / "demo-valuations.csv").open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == VALUATION_COLUMNS
        points = list(reader)
    assert len(points) == summary.valuation_points == len(SMALL.cars) * len(months)
    assert {(p["car"], p["date"][:7]) for p in points} == {
        (c, m) for c in SMALL.cars for m in months
    }
    assert all(p["date"].endswith("-01") and float(p["value"]) > 0 for p in points)
    assert {p["source"] for p in points} == {"demo-index"}


def _month(ts: int) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m")


def test_auction_titles_name_their_car(small: tuple[Path, DemoSummary], catalog: Catalog) -> None:
    inbox, _ = small
    with (inbox / "auctions" / "demo-auctions.csv").open(newline="", encoding="utf-8") as handle:
        lots = list(csv.DictReader(handle))
    cars = [catalog[s] for s in SMALL.cars]
    for lot in lots:
        named = [c.slug for c in cars if _names(c, catalog, lot["title"])]
        assert len(named) == 1, lot["title"]
        car = catalog[named[0]]
        assert car.years[0] <= int(lot["year"]) <= car.years[1]


def test_reddit_comments_belong_to_generated_submissions(small: tuple[Path, DemoSummary]) -> None:
    inbox, _ = small
    records = [r for p in sorted((inbox / "reddit").glob("*.ndjson")) for r in _jsonl(p)]
    submissions = {r["id"]: r for r in records if r["name"].startswith("t3_")}
    comments = {r["id"]: r for r in records if r["name"].startswith("t1_")}
    assert len(submissions) + len(comments) == len(records)
    assert not set(submissions) & set(comments)
    assert 0.15 < len(submissions) / len(records) < 0.35
    for comment in comments.values():
        submission = submissions[comment["link_id"].removeprefix("t3_")]
        kind, parent_id = comment["parent_id"].split("_", 1)
        parent = submissions[parent_id] if kind == "t3" else comments[parent_id]
        assert kind in ("t3", "t1")
        if kind == "t1":
            assert parent["link_id"] == comment["link_id"]
        assert comment["created_utc"] >= parent["created_utc"] >= submission["created_utc"]
        assert comment["subreddit"] == submission["subreddit"]
    counts = Counter(c["link_id"].removeprefix("t3_") for c in comments.values())
    assert all(s["num_comments"] == counts.get(i, 0) for i, s in submissions.items())
    bodies = [c["body"] for c in comments.values()]
    assert any(b in ("[removed]", "[deleted]") for b in bodies)
    assert any(c["author"] == "AutoModerator" for c in comments.values())


def test_fault_terms_only_for_the_fault_car_from_the_onset(
    small: tuple[Path, DemoSummary], catalog: Catalog
) -> None:
    inbox, summary = small
    fault_car = catalog[FAULT_CAR]
    others = [catalog[s] for s in SMALL.cars if s != FAULT_CAR]
    onset = datetime.combine(SMALL.fault_onset, datetime.min.time(), tzinfo=UTC)
    texts = _texts(inbox)
    faulty = [t for t in texts if any(term in t["text"].lower() for term in FAULT_TERMS)]
    assert faulty
    for record in faulty:
        assert record["when"] >= onset, record["text"]
        assert _belongs(record, fault_car, catalog), record
        assert not any(_belongs(record, car, catalog) for car in others), record
    after = [t for t in texts if t["when"] >= onset and _belongs(t, fault_car, catalog)]
    share = sum(t in faulty for t in after) / len(after)
    assert 0.25 < share < 0.55
    assert "fault" in summary.signals and "rising" in summary.signals


def test_rising_car_volume_and_prices_climb(tmp_path: Path, catalog: Catalog) -> None:
    spec = DemoSpec(date(2025, 5, 1), date(2026, 4, 30), (RISING_CAR,), 40, 11)
    summary = write_demo_inbox(tmp_path, catalog, spec)
    car = catalog[RISING_CAR]
    monthly = Counter(
        t["when"].strftime("%Y-%m") for t in _texts(tmp_path) if _belongs(t, car, catalog)
    )
    assert len(monthly) == 12
    assert monthly["2026-04"] > 2 * monthly["2025-05"]
    with (tmp_path / "valuations" / "demo-valuations.csv").open(newline="") as handle:
        values = [float(r["value"]) for r in csv.DictReader(handle)]
    assert len(values) == summary.valuation_points == 12
    assert 1.25 < values[-1] / values[0] < 1.55
    with (tmp_path / "auctions" / "demo-auctions.csv").open(newline="") as handle:
        lots = [r for r in csv.DictReader(handle) if r["sold"] == "true" and r["currency"] == "USD"]
    early = [float(r["price"]) for r in lots if r["sold_at"] < "2025-08-01"]
    late = [float(r["price"]) for r in lots if r["sold_at"] >= "2026-02-01"]
    assert statistics.median(late) > 1.15 * statistics.median(early)


def test_default_spec_yields_at_least_50000_texts(tmp_path: Path, catalog: Catalog) -> None:
    summary = write_demo_inbox(tmp_path, catalog)
    assert summary.texts >= 50_000
    shares = {k: v / summary.texts for k, v in summary.texts_by_source.items()}
    assert shares["reddit"] == pytest.approx(0.45, abs=0.05)
    assert shares["forum"] == pytest.approx(0.40, abs=0.05)
    assert shares["instagram"] == pytest.approx(0.15, abs=0.04)
    assert summary.valuation_points == len(catalog) * 18
    with (tmp_path / "auctions" / "demo-auctions.csv").open(newline="") as handle:
        lots = Counter(row["make"] for row in csv.DictReader(handle))
    assert sum(lots.values()) == summary.auction_lots
    assert set(lots) == {car.make for car in catalog.cars}


def test_price_history_reaches_back_without_changing_the_window(
    tmp_path: Path, catalog: Catalog
) -> None:
    def lots_and_points(folder: Path, spec: DemoSpec) -> tuple[list[dict], list[dict]]:
        write_demo_inbox(folder, catalog, spec)
        with (folder / "auctions" / "demo-auctions.csv").open(newline="") as handle:
            lots = list(csv.DictReader(handle))
        with (folder / "valuations" / "demo-valuations.csv").open(newline="") as handle:
            points = list(csv.DictReader(handle))
        return lots, points

    spec = DemoSpec(date(2026, 1, 1), date(2026, 2, 28), ("porsche-993",), 10, 5)
    plain_lots, plain_points = lots_and_points(tmp_path / "plain", spec)
    lots, points = lots_and_points(tmp_path / "history", replace(spec, price_history_months=24))
    assert min(p["date"] for p in points) == "2024-01-01"
    assert len(points) == 26 == len(plain_points) + 24
    old = [lot for lot in lots if lot["sold_at"] < "2026-01-01"]
    assert old and min(lot["sold_at"] for lot in old) >= "2024-01-01"

    def window(rows: list[dict]) -> list[tuple]:
        return sorted(
            (r["sold_at"], r["title"], r["price"]) for r in rows if r["sold_at"] >= "2026-01-01"
        )

    assert window(lots) == window(plain_lots)  # the window's lots do not move
    assert [p for p in points if p["date"] >= "2026-01-01"] == plain_points


def test_the_demo_ends_yesterday_and_keeps_its_first_day(tmp_path: Path, monkeypatch) -> None:
    from vintage_ai_assets.cli import main
    from vintage_ai_assets.paths import DataPaths

    monkeypatch.setenv("VINTAGE_AI_DATA_DIR", str(tmp_path / "data"))
    paths = DataPaths(tmp_path / "data")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    assert main(["generate-demo", "--texts-per-car-month", "1"]) == 0
    first = date.fromisoformat(paths.recorded_settings()["start_date"])
    assert first == DemoSpec.ending(yesterday).start  # 18 months ending yesterday
    assert 545 <= (yesterday - first).days + 1 <= 552
    months = sorted(p.name for p in (paths.inbox / "reddit").iterdir())
    assert months[-1] == f"demo-reddit-{yesterday:%Y-%m}.ndjson"
    # Pinned: the same end date gives the same files; a later end keeps the recorded first day.
    assert main(["generate-demo", "--texts-per-car-month", "1", "--end", "2026-10-31"]) == 0
    pinned = _tree(paths.inbox)
    assert main(["generate-demo", "--texts-per-car-month", "1", "--end", "2026-10-31"]) == 0
    assert _tree(paths.inbox) == pinned
    assert paths.recorded_settings()["start_date"] == first.isoformat()
    assert main(["generate-demo", "--end", first.isoformat()[:4] + "-13-01"]) == 1  # bad date


def test_the_planted_signals_keep_their_place_in_any_window() -> None:
    assert DemoSpec.ending(date(2026, 10, 31)).start == date(2025, 5, 1)
    assert DemoSpec.ending(date(2026, 10, 31)).fault_onset == date(2026, 2, 1)
    for end in (date(2026, 12, 2), date(2027, 3, 31), date(2028, 2, 29)):
        spec = DemoSpec.ending(end)
        middle = spec.start + (spec.end - spec.start) / 2
        assert spec.fault_onset.day == 1 and abs((spec.fault_onset - middle).days) <= 16
