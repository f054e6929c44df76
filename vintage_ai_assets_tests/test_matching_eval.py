"""Car matching: the hard cases, and precision/recall on the held-out labelled sets."""

from __future__ import annotations

import json

import pytest

from vintage_ai_assets.catalog import parse_catalog
from vintage_ai_assets.cleaning.matching import CarMatcher
from vintage_ai_assets.evaluation.matching import (
    REDDIT_LABELS_FILE,
    TARGET_PRECISION,
    TARGET_RECALL,
    PlainAliasMatcher,
    evaluate,
    load_reddit,
    load_team,
    main,
    score,
)


@pytest.fixture(scope="module")
def matcher(catalog):
    return CarMatcher(catalog)


@pytest.mark.parametrize(
    ("text", "cars"),
    [
        # aliases, model codes and variants
        ("308 GTB with the dry sump, lovely", ["ferrari-308-gtb"]),
        ("Ferrari 308 GTS QV for sale, belts done", ["ferrari-308-gtb"]),
        ("Dino 246 GT in Giallo Fly", ["ferrari-dino-246"]),
        ("The F40s at the Cavallino meet", ["ferrari-f40"]),
        ("Lamborghini Miura's nose is perfect", ["lamborghini-miura-p400"]),
        ("Porsche 930S values keep climbing", ["porsche-930-turbo"]),
        (
            "Two Miuras and three Lamborghini Countachs",
            ["lamborghini-miura-p400", "lamborghini-countach-25th"],
        ),
        ("Lamborghini Countach S at the show", []),
        ("BMW M3 (E30) Sport Evolution", ["bmw-e30-m3"]),
        # several cars in one text
        (
            "My garage: Testarossa, Countach 25th, F40 and an E30 M3",
            ["ferrari-testarossa", "ferrari-f40", "lamborghini-countach-25th", "bmw-e30-m3"],
        ),
        # Dino the person
        ("My friend Dino said the Ferrari meet is on Sunday", []),
        ("Dino Zoff was a goalkeeper, not a Ferrari", []),
        ("Uncle Dino sold his Ferrari 412", []),
        # 308 and other names as numbers, calibres, other makes
        ("Got 308 miles out of a tank in my Ferrari 488", []),
        ("Paid $308 for plugs for my Ferrari Mondial", []),
        ("Sighting in my .308 rifle before the season", []),
        ("My Peugeot 308 needs new brakes", []),
        ("The Ferrari salesman kept saying 550 horsepower", []),
        ("I love my Ferrari. The 308 is perfect on a Sunday", ["ferrari-308-gtb"]),
        # parts and products named after a car
        ("Getrag F40 gearbox in my Saab 9-3", []),
        ("Swapped an F40 transmission into my Cobalt SS", []),
        ("My F40 tires are worn, recommendations for the Miata?", []),
        ("The F40 gearbox is notchy when cold, like the rest of the Ferrari", ["ferrari-f40"]),
        ("Put F40-style wheels on my Miata", []),
        ("A Fiero-based F40 replica on Craigslist", []),
        # the 2022 Countach and the other Countach versions
        ("The new Countach LPI 800-4 is a hybrid", []),
        ("A 2022 Lamborghini Countach just sold for $3m", []),
        ("1989 Lamborghini Countach, 25th Anniversary edition", ["lamborghini-countach-25th"]),
        ("My Lamborghini Countach is an early LP400", []),
        # model years and generation codes of siblings
        ("A friend let me drive his 2015 Porsche 911 Turbo S", []),
        ("Finally sat in a Porsche 911 today", []),
        ("Picked up a rough 92 Porsche 911 cheap", ["porsche-964"]),
        ("The 1987 Porsche 911 Carrera needs a top end", ["porsche-911-g-series"]),
        ("E46 BMW M3 buyers: when do the rod bearings go?", []),
        ("Tesla Model 3 owner, came from a BMW; my M3 SR+ is great", []),
        ("’89 BMW M3 with a rebuilt S14", ["bmw-e30-m3"]),
        ("2005 Mercedes-Benz SL500 with the panoramic roof", []),
        ("A 1995 Mercedes SL500 is a bargain", ["mercedes-sl-r129"]),
        ("Listing says 1990 Ferrari 308 GTS but it is a 328", []),
        # Daytona: races, places, watches, the 2023 Daytona SP3
        ("Watched the Daytona 500 yesterday", []),
        ("We raced at Daytona, my Ferrari 488 Challenge was fast", []),
        ("A 2023 Ferrari Daytona SP3 sold over sticker", []),
        ("Drove the 1971 Daytona to the Concorso", ["ferrari-365-gtb4-daytona"]),
        # siblings the catalog keeps apart
        ("Ferrari 512 TR in red", []),
        ("The Miura SV is the one everyone wants", []),
        ("Lamborghini Diablo SE30 Jota", []),
        ("Islero 400 GT in silver", []),
        # unicode word boundaries
        ("C'est une Ferrari très rare", []),
        ("Mercedes-Benz 300 SL Flügeltürer", ["mercedes-300sl"]),
    ],
)
def test_hard_cases(matcher, text, cars):
    assert matcher.cars(text) == cars


def test_labelled_files_are_well_formed(catalog):
    slugs = set(catalog.slugs)
    team = load_team()
    assert len(team) >= 250
    assert len({ex["text"] for ex in team}) == len(team)
    assert {ex["split"] for ex in team} == {"dev", "test"}
    assert all(set(ex["cars"]) <= slugs and ex["note"] for ex in team)
    # every car of the catalog the team set was written for (the Porsche classics added
    # for the owners' lists are covered by the owners' labels)
    assert len({s for ex in team for s in ex["cars"]}) >= 32
    with REDDIT_LABELS_FILE.open(encoding="utf-8") as handle:
        labels = [json.loads(line) for line in handle]
    assert len(labels) >= 200 and len({row["id"] for row in labels}) == len(labels)
    assert all(set(row) == {"id", "cars", "split"} for row in labels)  # no texts committed
    assert all(set(row["cars"]) <= slugs for row in labels)


def _check_targets(examples, catalog):
    ours, _ = score(examples, CarMatcher(catalog).cars)
    baseline, _ = score(examples, PlainAliasMatcher(catalog).cars)
    assert ours["precision"] >= TARGET_PRECISION, ours
    assert ours["recall"] >= TARGET_RECALL, ours
    assert ours["precision"] > baseline["precision"], (ours, baseline)


def test_team_test_split_meets_targets(catalog):
    _check_targets([ex for ex in load_team() if ex["split"] == "test"], catalog)


def test_reddit_test_split_meets_targets(catalog, shared_data):
    rows, status = load_reddit(shared_data)
    assert rows is not None, status
    _check_targets([ex for ex in rows if ex["split"] == "test"], catalog)


def test_report_skips_reddit_when_the_shared_file_is_absent(tmp_path, capsys):
    result = evaluate(shared_dir=tmp_path)
    assert result["reddit"].startswith("skipped")
    assert set(result["metrics"]["matcher"]) == {"team", "all"}
    assert set(result["metrics"]["baseline"]["team"]) == {"dev", "test"}
    out = tmp_path / "results" / "eval.json"
    assert main(["--shared-dir", str(tmp_path), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["metrics"]["matcher"]["team"]["test"]["texts"] > 100
    assert "skipped" in capsys.readouterr().out


def test_catalogs_without_the_new_fields_still_load():
    catalog = parse_catalog(
        {
            "cars": [
                {
                    "slug": "x-1",
                    "make": "X",
                    "model": "One",
                    "years": [1970, 1975],
                    "aliases": ["X One"],
                    "weak_aliases": ["One"],
                }
            ]
        }
    )
    car = catalog["x-1"]
    assert car.generic_aliases == () and car.siblings == ()
    assert CarMatcher(catalog).cars("1972 X One and another X") == ["x-1"]
