"""Pricing one car: the catalog car a listing is, clear refusals, similar sales, and
`vintage-ai price` on the built demo slice."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from vintage_ai_assets.cleaning.auction_lots import lot_car
from vintage_ai_assets.cleaning.matching import CarMatcher
from vintage_ai_assets.valuation.pricing import (
    MAX_BATCH,
    Listing,
    ListingError,
    comparable_sales,
    match_listing,
)
from vintage_ai_assets_tests.demo_platform import environment


@pytest.fixture(scope="module")
def matcher(catalog):
    return CarMatcher(catalog)


@pytest.mark.parametrize(
    ("listing", "car", "others"),
    [
        (Listing("Porsche", "911", 1989, 60_000), "porsche-911-g-series", ["porsche-964"]),
        (Listing("Porsche", "911", 1991), "porsche-964", []),
        (
            Listing("porsche", "911", 1989, title="1989 Porsche 964 Carrera 4 Coupe"),
            "porsche-964",
            ["porsche-911-g-series"],
        ),
        (Listing("Ferrari", "F355", 1996), "ferrari-355-gtb", []),
        (Listing("merc", "300SL", 1956), "mercedes-300sl", []),
    ],
)
def test_a_listing_is_the_catalog_car_its_words_and_year_name(
    catalog, matcher, listing, car, others
):
    chosen, alternatives = match_listing(listing, catalog, matcher)
    assert chosen.slug == car
    assert alternatives == others


def test_a_titled_listing_is_matched_as_the_pipeline_matches_the_same_lot(catalog, matcher):
    title = "1995 Porsche 993 Carrera 2 Coupe"
    chosen, _ = match_listing(Listing("Porsche", "911", 1995, title=title), catalog, matcher)
    assert chosen == lot_car(matcher, catalog, "Porsche", "911", title, 1995)[0]


@pytest.mark.parametrize(
    ("listing", "message"),
    [
        (Listing("Fiat", "500", 1970), "unknown make 'Fiat' (the catalog has BMW, Bugatti"),
        (Listing("Porsche", "Boxster", 1999), "unknown model 'Boxster' for Porsche"),
        (Listing("Porsche", "911", 1960), "no Porsche 911 was made in 1960"),
        (Listing("Porsche", "911", 1989, -5), "mileage must be 0 or more, got -5"),
        (Listing("Porsche", "911", 3000), "year must be between 1885 and"),
        (Listing("Porsche", " ", 1989), "the model is empty"),
    ],
)
def test_a_listing_that_cannot_be_priced_says_why_in_one_line(catalog, matcher, listing, message):
    with pytest.raises(ListingError) as caught:
        match_listing(listing, catalog, matcher)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_similar_sales_are_the_nearest_in_year_mileage_and_time():
    sold = pd.DataFrame(
        {
            "car": ["a"] * 6 + ["b"],
            "sold_at": pd.to_datetime(
                [
                    "2026-05-01",
                    "2026-06-01",
                    "2026-07-01",
                    "2020-01-01",
                    "2026-08-01",
                    "2026-12-01",
                    "2026-07-01",
                ]  # fmt: skip
            ),
            "year": [1990, 1995, 1990, 1990, 1989, 1990, 1990],
            "mileage": [50_000, 50_000, 200_000, 50_000, 55_000, 50_000, 50_000],
            "price_usd": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            "title": list("uvwxyzq"),
            "model": ["m"] * 7,
            "auction_house": [None] * 7,
            "url": [None] * 7,
        }
    )
    found = comparable_sales(sold, "a", 1990, 50_000, date(2026, 9, 1), n=3)
    # Same year and mileage first; the December sale is after the date; car b is another car.
    assert list(found["title"]) == ["u", "y", "w"]
    everything = comparable_sales(sold, "a", 1990, 50_000, date(2026, 9, 1), n=5)
    assert "x" in set(everything["title"])  # fewer recent sales than asked: older ones too
    assert comparable_sales(sold, "c", 1990, None, date(2026, 9, 1)).empty


@pytest.fixture(scope="module")
def built(demo_platform):
    with environment(demo_platform):
        yield demo_platform


def test_price_prints_the_range_the_car_the_model_and_five_sales(built, capsys):
    from vintage_ai_assets.cli import main
    from vintage_ai_assets.warehouse import Warehouse

    code = main(
        ["price", "--make", "Porsche", "--model", "911", "--year", "1996", "--mileage", "60000"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("Porsche 911 (993) (porsche-993) · 1996 · 60,000 mi · sold ")
    p10, p50, p90 = (float(line.split("$")[1].split()[0].replace(",", "")) for line in lines[1:4])
    assert 1_000 < p10 <= p50 <= p90 < 10_000_000
    model_uri = Warehouse(built.paths.warehouse).query(
        "SELECT DISTINCT model_uri FROM models.price_models WHERE status = 'ok'"
    )["model_uri"]
    assert len(model_uri) == 1 and model_uri.iloc[0] in out
    sales = lines[lines.index("the 5 most similar recent sales:") + 1 :]
    assert len(sales) == 5 and all("$" in line for line in sales)


def test_price_refuses_a_bad_listing_with_one_line_and_a_failing_exit(built, capsys):
    from vintage_ai_assets.cli import main

    code = main(["price", "--make", "Porsche", "--model", "993", "--year", "2010"])
    err = capsys.readouterr().err
    assert code != 0
    assert err.count("\n") == 1 and "no Porsche 993 was made in 2010" in err


def test_a_batch_is_priced_in_order_and_a_bad_listing_is_named(built):
    from vintage_ai_assets.catalog import load_catalog
    from vintage_ai_assets.valuation.pricing import load_pricer

    pricer = load_pricer(built.paths.warehouse, built.paths.mlflow_artifacts, load_catalog())
    listings = [
        Listing("Porsche", "993", 1995, 80_000, sold_on=date(2026, 3, 1)),
        Listing("Ferrari", "F355", 1997, 20_000, sold_on=date(2026, 3, 1)),
        Listing("Porsche", "993", 1995, 80_000, sold_on=date(2026, 3, 1)),
    ]
    quotes = pricer.quote_many(listings)
    assert [q.car.slug for q in quotes] == ["porsche-993", "ferrari-355-gtb", "porsche-993"]
    assert quotes[0].p50 == pytest.approx(quotes[2].p50)  # the same listing, the same price
    assert all(q.p10 <= q.p50 <= q.p90 for q in quotes)
    assert all((q.comparables["sold_at"] <= pd.Timestamp("2026-03-02")).all() for q in quotes)
    with pytest.raises(ListingError, match=r"^listing 2: unknown make 'Fiat'"):
        pricer.quote_many([listings[0], Listing("Fiat", "Dino", 1970)])
    with pytest.raises(ListingError, match=f"at most {MAX_BATCH} listings"):
        pricer.quote_many([listings[0]] * (MAX_BATCH + 1))
