"""Price one listing (or a batch): the catalog car it names, p10/p50/p90 in USD from the
global price model, and the most similar recent sales of that car.

The car is chosen by the pipeline's own rule for auction lots
(:func:`vintage_ai_assets.cleaning.auction_lots.lot_car`: the cars the make, model and
title name whose production years hold the year), so a listing is priced as the same lot
would be matched; a bare model name ("911") also finds the make's cars whose catalog
model contains it. What cannot be priced raises :class:`ListingError` with one line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from vintage_ai_assets.catalog import Car, Catalog
from vintage_ai_assets.cleaning.auction_lots import YEAR_SLACK, lot_car
from vintage_ai_assets.cleaning.matching import CarMatcher

MAX_BATCH = 1000
COMPARABLES = 5
COMPARABLE_MONTHS = 24  # "recent": sold in the two years before the listing's date
FIRST_YEAR = 1885
COMPARABLE_COLUMNS = [
    "sold_at", "year", "mileage", "price_usd", "title", "model", "auction_house", "url",
]  # fmt: skip


class ListingError(ValueError):
    """A listing that cannot be priced; the message is one line for the user."""


@dataclass(frozen=True)
class Listing:
    """One car to price: what a dealer knows of it."""

    make: str
    model: str
    year: int
    mileage: float | None = None
    title: str | None = None
    sold_on: date | None = None  # None: today (UTC)


@dataclass(frozen=True)
class ModelVersion:
    """Which price model answered: its MLflow model, training run and date."""

    model_uri: str
    run_id: str
    trained_at: datetime

    def __str__(self) -> str:
        return f"{self.model_uri} (run {self.run_id[:8]}, trained {self.trained_at:%Y-%m-%d})"


@dataclass
class Quote:
    """The price of one listing, with the car it matched and the sales most like it."""

    listing: Listing
    car: Car
    sold_on: date
    p10: float
    p50: float
    p90: float
    comparables: pd.DataFrame
    model: ModelVersion
    priced_as: str  # the model name the price model was given
    alternatives: list[str] = field(default_factory=list)  # other cars the listing may be


def _makes(catalog: Catalog) -> dict[str, str]:
    """Every word that names a make (lower case) → the make."""
    names = {car.make.lower(): car.make for car in catalog.cars}
    for make, words in catalog.makes.items():
        names.update({word.lower(): make for word in words})
    return names


def _in_years(car: Car, year: int) -> bool:
    return car.years[0] - YEAR_SLACK <= year <= car.years[1] + YEAR_SLACK


def match_listing(listing: Listing, catalog: Catalog, matcher: CarMatcher) -> tuple[Car, list[str]]:
    """The catalog car ``listing`` is, and the slugs of other cars it may be."""
    make = _makes(catalog).get(listing.make.strip().lower())
    if make is None:
        known = ", ".join(sorted({car.make for car in catalog.cars}))
        raise ListingError(f"unknown make {listing.make!r} (the catalog has {known})")
    cars = [car for car in catalog.cars if car.make == make]
    model = listing.model.strip()
    if not model:
        raise ListingError("the model is empty")
    if listing.mileage is not None and (math.isnan(listing.mileage) or listing.mileage < 0):
        raise ListingError(f"mileage must be 0 or more, got {listing.mileage:g}")
    this_year = datetime.now(UTC).year
    if not FIRST_YEAR <= listing.year <= this_year + 1:
        raise ListingError(
            f"year must be between {FIRST_YEAR} and {this_year + 1}, got {listing.year}"
        )
    title = listing.title or f"{listing.year} {make} {model}"
    named = set(matcher.cars(f"{make} {model} {title}")) | set(matcher.cars(f"{make} {model}"))
    word = re.compile(rf"(?<![\w-]){re.escape(model.lower())}(?![\w-])")
    candidates = [c for c in cars if c.slug in named or word.search(c.model.lower())]
    if not candidates:
        known = "; ".join(car.model for car in cars)
        raise ListingError(f"unknown model {model!r} for {make} (the catalog has: {known})")
    fitting = [c for c in candidates if _in_years(c, listing.year)]
    if not fitting:
        spans = "; ".join(f"{c.model} {c.years[0]}–{c.years[1]}" for c in candidates)
        raise ListingError(f"no {make} {model} was made in {listing.year} (catalog: {spans})")
    chosen, _ = lot_car(matcher, catalog, make, model, title, listing.year)
    if chosen is None or chosen.make != make or chosen not in fitting:
        chosen = min(fitting, key=lambda c: not c.years[0] <= listing.year <= c.years[1])
    return chosen, [c.slug for c in fitting if c is not chosen]


def listing_lots(
    listings: Sequence[Listing], cars: Sequence[Car], models: Sequence[str], today: date
) -> pd.DataFrame:
    """The listings as the price model's lots (make, model, year, mileage, sold_at, title),
    each under the model name in ``models``."""
    return pd.DataFrame(
        {
            "make": [car.make for car in cars],
            "model": list(models),
            "year": pd.array([listing.year for listing in listings], dtype="Int64"),
            "mileage": [
                np.nan if listing.mileage is None else float(listing.mileage)
                for listing in listings
            ],
            "sold_at": pd.to_datetime([listing.sold_on or today for listing in listings]),
            "title": [
                listing.title or f"{listing.year} {car.make} {model}"
                for listing, car, model in zip(listings, cars, models, strict=True)
            ],
            "description": [None] * len(listings),
        }
    )


def comparable_sales(
    sold: pd.DataFrame,
    car: str,
    year: int,
    mileage: float | None,
    as_of: date,
    n: int = COMPARABLES,
) -> pd.DataFrame:
    """The ``n`` sales of ``car`` most like the listing: nearest in year, mileage (log) and
    time, among the sales of the :data:`COMPARABLE_MONTHS` before ``as_of`` (all its sales
    before ``as_of`` if fewer)."""
    mine = sold[sold["car"] == car]
    sold_at = pd.to_datetime(mine["sold_at"])
    mine = mine[sold_at <= pd.Timestamp(as_of) + pd.Timedelta(days=1)]
    sold_at = pd.to_datetime(mine["sold_at"])
    recent = mine[sold_at > pd.Timestamp(as_of) - pd.DateOffset(months=COMPARABLE_MONTHS)]
    pool = recent if len(recent) >= n else mine
    if pool.empty:
        return pd.DataFrame(columns=COMPARABLE_COLUMNS)
    years = pd.to_numeric(pool["year"], errors="coerce").astype(float)
    distance = ((years - year).abs() / 2).fillna(3.0)
    if mileage is not None:
        miles = np.log1p(pd.to_numeric(pool["mileage"], errors="coerce").astype(float))
        distance += (miles - math.log1p(mileage)).abs().fillna(2.0)
    months = (pd.Timestamp(as_of) - pd.to_datetime(pool["sold_at"])).dt.days / 30.4
    distance += months / 12
    order = np.argsort(distance.to_numpy(), kind="stable")[:n]
    return pool.iloc[order][COMPARABLE_COLUMNS].reset_index(drop=True)


class Pricer:
    """Prices listings with one loaded price model, its catalog and the sales it can cite."""

    def __init__(
        self,
        model,
        version: ModelVersion,
        catalog: Catalog,
        sold: pd.DataFrame,
        matcher: CarMatcher | None = None,
    ) -> None:
        self.model, self.version, self.catalog, self.sold = model, version, catalog, sold
        self.matcher = matcher or CarMatcher(catalog)

    def model_name(self, listing: Listing, car: Car, similar: pd.DataFrame) -> str:
        """The model name the price model is given: the listing's own when sales of the car
        were recorded under it, else that of the most similar sale ("911" alone is no model
        name a sale carries, and would be priced as an average Porsche)."""
        given = listing.model.strip()
        known = self.sold.loc[self.sold["car"] == car.slug, "model"].astype(str).str.lower()
        if given.lower() in set(known) or similar.empty:
            return given
        return str(similar["model"].iloc[0])

    def quote(self, listing: Listing) -> Quote:
        return self.quote_many([listing])[0]

    def quote_many(self, listings: Sequence[Listing]) -> list[Quote]:
        """Quotes in the order given; :class:`ListingError` names the first bad listing
        (by its position when there are several)."""
        if len(listings) > MAX_BATCH:
            raise ListingError(f"at most {MAX_BATCH} listings at once, got {len(listings)}")
        matches = []
        for number, listing in enumerate(listings, start=1):
            try:
                matches.append(match_listing(listing, self.catalog, self.matcher))
            except ListingError as exc:
                raise ListingError(
                    f"listing {number}: {exc}" if len(listings) > 1 else str(exc)
                ) from None
        today = datetime.now(UTC).date()
        cars = [car for car, _ in matches]
        found: dict[tuple, pd.DataFrame] = {}  # a batch often repeats a car and year
        similar = []
        for listing, car in zip(listings, cars, strict=True):
            key = (car.slug, listing.year, listing.mileage, listing.sold_on or today)
            if key not in found:
                found[key] = comparable_sales(self.sold, *key)
            similar.append(found[key])
        models = [
            self.model_name(listing, car, sales)
            for listing, car, sales in zip(listings, cars, similar, strict=True)
        ]
        lots = listing_lots(listings, cars, models, today)
        prices = self.model.predict(lots) if len(lots) else None
        quotes = []
        for i, (listing, (car, others)) in enumerate(zip(listings, matches, strict=True)):
            quotes.append(
                Quote(
                    listing=listing,
                    car=car,
                    sold_on=listing.sold_on or today,
                    p10=float(prices["p10"].iloc[i]),
                    p50=float(prices["p50"].iloc[i]),
                    p90=float(prices["p90"].iloc[i]),
                    comparables=similar[i],
                    model=self.version,
                    priced_as=f"{car.make} {models[i]}",
                    alternatives=others,
                )
            )
        return quotes


def load_pricer(
    warehouse: Path,
    artifacts: Path,
    catalog: Catalog,
    matcher: CarMatcher | None = None,
    wait_seconds: float = 30.0,
) -> Pricer:
    """The platform's current price model (``models.price_models``) and sold lots
    (``clean.auction_lots``), read from the warehouse file; :class:`ListingError` when the
    platform has not trained one yet."""
    from vintage_ai_assets.tracking import load_pyfunc
    from vintage_ai_assets.warehouse import Warehouse

    how = "run `vintage-ai demo` or `vintage-ai backfill` first"
    if not warehouse.exists():
        raise ListingError(f"no warehouse at {warehouse}: {how}")
    store = Warehouse(warehouse, wait_seconds=wait_seconds)
    if not store.table_exists("models.price_models"):
        raise ListingError(f"no price model in {warehouse} yet: {how}")
    models = store.query(
        "SELECT model_uri, run_id, trained_at FROM models.price_models "
        "WHERE status = 'ok' AND model_uri IS NOT NULL ORDER BY trained_at DESC LIMIT 1"
    )
    if models.empty:
        raise ListingError(f"no trained price model in {warehouse} yet: {how}")
    row = models.iloc[0]
    sold = store.query(
        "SELECT car, sold_at, year, mileage, price_usd, title, model, auction_house, url "
        "FROM clean.auction_lots WHERE sold AND price_usd IS NOT NULL"
    )
    version = ModelVersion(
        str(row["model_uri"]), str(row["run_id"]), pd.Timestamp(row["trained_at"])
    )
    return Pricer(load_pyfunc(version.model_uri, artifacts), version, catalog, sold, matcher)
