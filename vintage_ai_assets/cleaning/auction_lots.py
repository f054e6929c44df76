"""Match auction lots to catalog cars and put prices in US dollars."""

from __future__ import annotations

import pandas as pd

from vintage_ai_assets.catalog import Catalog
from vintage_ai_assets.cleaning.matching import CarMatcher

# Approximate long-run conversion rates; lots in other currencies keep price_usd empty.
USD_PER_UNIT = {"USD": 1.0, "EUR": 1.10, "GBP": 1.28, "CHF": 1.12, "CAD": 0.74, "AUD": 0.66}
YEAR_SLACK = 1  # model years just outside production (early/late registrations) still match


def match_lots(
    lots: pd.DataFrame, catalog: Catalog, matcher: CarMatcher | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(lots with a ``car`` and ``price_usd``, rejected lots with a ``reason``).

    A lot matches the catalog car named by its make, model and title whose production
    years contain the lot's year; lots naming no catalog car are set aside as ``no_car``.
    """
    matcher = matcher or CarMatcher(catalog)
    cars, reasons = [], []
    for row in lots.itertuples(index=False):
        text = f"{row.make} {row.model} {row.title}"
        candidates = [catalog[slug] for slug in matcher.cars(text)]
        year = None if pd.isna(row.year) else int(row.year)
        if year is not None:
            in_years = [
                c for c in candidates if c.years[0] - YEAR_SLACK <= year <= c.years[1] + YEAR_SLACK
            ]
            if candidates and not in_years:
                cars.append(None)
                reasons.append("year_outside_production")
                continue
            candidates = in_years
        cars.append(candidates[0].slug if candidates else None)
        reasons.append(None if candidates else "no_car")
    matched = lots.assign(
        car=pd.Series(cars, index=lots.index, dtype=object),
        reason=pd.Series(reasons, index=lots.index, dtype=object),
    )
    rejected = matched[matched["car"].isna()].drop(columns=["car"])
    kept = matched[matched["car"].notna()].drop(columns=["reason"]).copy()
    rate = kept["currency"].map(USD_PER_UNIT)
    kept["price_usd"] = (kept["price"] * rate).astype("float64")
    return kept.reset_index(drop=True), rejected.reset_index(drop=True)
