"""Match auction lots to catalog cars and put prices in US dollars (ECB rate of the sale day)."""

from __future__ import annotations

import pandas as pd

from vintage_ai_assets.catalog import Car, Catalog
from vintage_ai_assets.cleaning.exchange_rates import usd_rates
from vintage_ai_assets.cleaning.matching import CarMatcher

YEAR_SLACK = 1  # model years just outside production (early/late registrations) still match


def match_lots(
    lots: pd.DataFrame, catalog: Catalog, matcher: CarMatcher | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(lots with a ``car`` and ``price_usd``, rejected lots with a ``reason``).

    A lot matches the catalog car named by its make, model and title whose production
    years contain the lot's year; lots naming no catalog car are set aside as ``no_car``,
    those whose year is outside its production as ``year_outside_production``. ``price_usd``
    is ``price`` at the ECB reference rate of the sale day
    (:mod:`vintage_ai_assets.cleaning.exchange_rates`: weekends and holidays take the rate
    before, days after the data its last rate); a matched lot in a currency the ECB does not
    quote, or in none, is set aside as ``unknown_currency``.
    """
    matcher = matcher or CarMatcher(catalog)
    rates = usd_rates(lots["currency"], lots["sold_at"]).to_numpy()
    cars, reasons = [], []
    for row, rate in zip(lots.itertuples(index=False), rates, strict=True):
        year = None if pd.isna(row.year) else int(row.year)
        car, reason = lot_car(matcher, catalog, row.make, row.model, row.title, year)
        if car is not None and pd.isna(rate):
            car, reason = None, "unknown_currency"
        cars.append(car.slug if car is not None else None)
        reasons.append(reason)
    matched = lots.assign(
        car=pd.Series(cars, index=lots.index, dtype=object),
        reason=pd.Series(reasons, index=lots.index, dtype=object),
    )
    keep = matched["car"].notna().to_numpy()
    rejected = matched[~keep].drop(columns=["car"])
    kept = matched[keep].drop(columns=["reason"]).copy()
    kept["price_usd"] = kept["price"].to_numpy(dtype="float64") * rates[keep]
    return kept.reset_index(drop=True), rejected.reset_index(drop=True)


def lot_car(
    matcher: CarMatcher, catalog: Catalog, make: str, model: str, title: str, year: int | None
) -> tuple[Car | None, str | None]:
    """(the catalog car a lot is, None) or (None, why not: ``no_car`` or
    ``year_outside_production``): the first car its make, model and title name whose
    production years (± :data:`YEAR_SLACK`) hold its year."""
    candidates = [catalog[slug] for slug in matcher.cars(f"{make} {model} {title}")]
    if year is not None:
        in_years = [
            c for c in candidates if c.years[0] - YEAR_SLACK <= year <= c.years[1] + YEAR_SLACK
        ]
        if candidates and not in_years:
            return None, "year_outside_production"
        candidates = in_years
    return (candidates[0], None) if candidates else (None, "no_car")
