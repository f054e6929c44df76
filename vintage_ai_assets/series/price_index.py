"""A monthly price index per car from auction results, adjusted for year and mileage.

A raw median of whatever sold in a month swings with the mix of cars (a concours car one
month, a project car the next). The index instead fits, per car, a hedonic regression of
log price on month effects plus model year and log mileage, and reports the month effects
as the price of the car's typical example (its median year and mileage). Months without
sales are left empty. Valuation series, where present, are reported beside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

INDEX_COLUMNS = ["car", "month", "lots", "median_price", "index_value", "valuation"]
MIN_LOTS = 3


def _hedonic(lots: pd.DataFrame) -> pd.Series:
    months = sorted(lots["month"].unique())
    log_price = np.log(lots["price"].to_numpy(float))
    month_pos = lots["month"].map({m: i for i, m in enumerate(months)}).to_numpy()
    design = np.zeros((len(lots), len(months)))
    design[np.arange(len(lots)), month_pos] = 1.0
    extras = []
    year = lots["year"].astype(float)
    if year.notna().sum() >= MIN_LOTS and year.nunique() > 1:
        extras.append((year.fillna(year.median()) - year.median()).to_numpy())
    mileage = np.log1p(lots["mileage"].astype(float))
    if mileage.notna().sum() >= MIN_LOTS and mileage.nunique() > 1:
        extras.append((mileage.fillna(mileage.median()) - mileage.median()).to_numpy())
    if extras:
        design = np.column_stack([design, *extras])
    # A small ridge penalty keeps months with one sale from running wild.
    penalty = np.eye(design.shape[1]) * 0.1
    coef = np.linalg.solve(design.T @ design + penalty, design.T @ (log_price - log_price.mean()))
    return pd.Series(np.exp(coef[: len(months)] + log_price.mean()), index=months)


def monthly_price_index(lots: pd.DataFrame, valuations: pd.DataFrame | None = None) -> pd.DataFrame:
    """Index rows (car, month, lots, median_price, index_value, valuation).

    ``lots``: sold lots with car, sold_at, price (USD), year, mileage. ``valuations``:
    car, date, value. Cars with fewer than three lots get no hedonic index.
    """
    frames = []
    lots = lots.assign(month=pd.to_datetime(lots["sold_at"]).dt.to_period("M").dt.to_timestamp())
    for car, group in lots.groupby("car"):
        stats = group.groupby("month").agg(lots=("price", "size"), median_price=("price", "median"))
        stats["index_value"] = _hedonic(group) if len(group) >= MIN_LOTS else np.nan
        stats["car"] = car
        frames.append(stats.reset_index())
    index = (
        pd.concat(frames)
        if frames
        else pd.DataFrame(columns=["car", "month", "lots", "median_price", "index_value"])
    )
    if valuations is not None and not valuations.empty:
        vals = valuations.assign(
            month=pd.to_datetime(valuations["date"]).dt.to_period("M").dt.to_timestamp()
        )
        vals = (
            vals.groupby(["car", "month"], as_index=False)["value"]
            .mean()
            .rename(columns={"value": "valuation"})
        )
        index = index.merge(vals, on=["car", "month"], how="outer")
    else:
        index["valuation"] = np.nan
    index["lots"] = index["lots"].fillna(0).astype("int64")
    index["month"] = pd.to_datetime(index["month"]).astype("datetime64[ns]")
    for column in ("median_price", "index_value", "valuation"):
        index[column] = index[column].astype("float64")
    return index[INDEX_COLUMNS].sort_values(["car", "month"]).reset_index(drop=True)
