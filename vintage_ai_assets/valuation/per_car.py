"""What the platform shows per car: value direction and sold-price estimates with their skill.

Both families use models fitted across all cars (a car rarely has enough sales of its own):

- **Value direction**: the pooled classifier of :mod:`vintage_ai_assets.valuation.direction`
  on every car's monthly price index, with monthly attention (mentions, sentiment) as extra
  features; its rolling-origin back-test against "same as the last 6 months", "always up"
  and the base rate; each car's latest probability. When the warehouse holds too little
  labelled history to train (fewer than 60 car-months whose 6-month outcome is known) the
  probability is the base rate and the status ``insufficient_history``.
- **Sold prices**: :func:`vintage_ai_assets.valuation.prices.fit_price_model` on every sold
  lot, evaluated on time (fitted on the lots before the last ``PRICE_TEST_MONTHS`` months,
  scored on those months) against the global and per-(make, model) median, overall and for
  each car's lots; then refitted on all lots for the estimates. Each car gets the estimate
  of its typical example: its recent lot nearest its median year and mileage, as if sold
  in the latest month.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vintage_ai_assets.metrics import brier, rmsle
from vintage_ai_assets.valuation.direction import (
    BASELINES,
    INSUFFICIENT,
    MIN_TRAIN_ROWS,
    OK,
    DirectionModel,
    backtest_direction,
    fit_direction_model,
    latest_direction,
)
from vintage_ai_assets.valuation.prices import PriceModel, baseline_predictions, fit_price_model

PRICE_TEST_MONTHS = 6
MIN_PRICE_LOTS = 40  # below this the price model is not fitted (status insufficient_history)
NO_LOTS = "no_lots"


def monthly_attention(daily: pd.DataFrame, shares: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per car and month: mentions (sum), sentiment (mean weighted by scored mentions) and,
    with ``shares``, the theme features of :func:`monthly_theme_features`.

    ``daily``: rows of ``series.car_daily`` (car, date, mentions, scored, sentiment);
    ``shares``: rows of ``nlp.topic_shares`` (car, month, topic_id, share).
    """
    attention = _monthly_volume_and_sentiment(daily)
    themes = monthly_theme_features(shares)
    if themes.empty:
        return attention
    return attention.merge(themes, on=["car", "month"], how="outer")


def monthly_theme_features(shares: pd.DataFrame | None) -> pd.DataFrame:
    """Per car and month: ``theme_top_share`` (the share of the month's leading theme) and
    ``theme_rise`` (the largest rise of any theme's share over its mean of the 3 months
    before: a theme taking over the conversation)."""
    columns = ["car", "month", "theme_top_share", "theme_rise"]
    if shares is None or shares.empty:
        return pd.DataFrame(columns=columns)
    frame = shares.assign(month=pd.to_datetime(shares["month"]).dt.to_period("M").dt.to_timestamp())
    rows = []
    for car, group in frame.groupby("car", sort=True):
        wide = group.pivot_table(
            index="month", columns="topic_id", values="share", aggfunc="sum", fill_value=0.0
        ).sort_index()
        wide = wide.reindex(
            pd.date_range(wide.index.min(), wide.index.max(), freq="MS"), fill_value=0.0
        )
        before = wide.shift(1).rolling(3, min_periods=1).mean()
        rows.append(
            pd.DataFrame(
                {
                    "car": car,
                    "month": wide.index,
                    "theme_top_share": wide.max(axis=1).to_numpy(float),
                    "theme_rise": (wide - before).max(axis=1).to_numpy(float),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)[columns]


def _monthly_volume_and_sentiment(daily: pd.DataFrame) -> pd.DataFrame:
    if daily is None or daily.empty:
        return pd.DataFrame(columns=["car", "month", "mentions", "sentiment"])
    frame = daily.assign(
        month=pd.to_datetime(daily["date"]).dt.to_period("M").dt.to_timestamp(),
        weighted=daily["sentiment"].astype(float).fillna(0) * daily["scored"].astype(float),
    )
    grouped = frame.groupby(["car", "month"], as_index=False).agg(
        mentions=("mentions", "sum"), scored=("scored", "sum"), weighted=("weighted", "sum")
    )
    grouped["sentiment"] = grouped["weighted"] / grouped["scored"].replace(0, np.nan)
    return grouped[["car", "month", "mentions", "sentiment"]].astype(
        {"mentions": float, "sentiment": float}
    )


@dataclass
class DirectionResult:
    """The pooled model, each car's latest probability and the back-test."""

    model: DirectionModel
    latest: pd.DataFrame  # car, month, probability, status, method, history_months, …
    metrics: dict[str, float]  # pooled back-test: {predictor}_accuracy / _brier, origins, …
    per_car: pd.DataFrame  # car, car_months, brier_model, brier_base_rate, …
    note: str


def value_direction(
    index: pd.DataFrame, attention: pd.DataFrame | None = None, method: str = "logistic"
) -> DirectionResult:
    """Fit the pooled direction model on every car, back-test it and score each car now."""
    usable = index[index["index_value"].gt(0)] if len(index) else index
    if usable.empty:
        model = DirectionModel(method, [], None, 0.5, 0, None)
        latest = pd.DataFrame({"car": sorted(index["car"].unique()) if len(index) else []}).assign(
            month=pd.NaT,
            probability=0.5,
            status=INSUFFICIENT,
            method="base_rate",
            history_months=0,
            months_since_sale=np.nan,
        )
        return DirectionResult(model, latest, {}, pd.DataFrame(), "no price index yet")
    model = fit_direction_model(usable, attention, method=method)
    latest = latest_direction(model, usable, attention)
    cars = sorted(index["car"].unique())
    latest = latest.set_index("car").reindex(cars)
    missing = latest["status"].isna()
    latest.loc[missing, ["probability", "status", "method"]] = [
        model.base_rate,
        INSUFFICIENT,
        "base_rate",
    ]
    latest = latest.reset_index()
    latest["history_months"] = latest["history_months"].fillna(0).astype(int)
    if model.estimator is None:
        # The platform's own history is too short to learn a direction from.
        latest.loc[latest["status"] == OK, "status"] = INSUFFICIENT
        latest["method"] = "base_rate"
    backtest = backtest_direction(usable, attention, method=method)
    metrics: dict[str, float] = {
        "train_car_months": float(model.train_rows),
        "base_rate": float(model.base_rate),
        "backtest_origins": float(len(backtest.origins)),
        "backtest_car_months": float(len(backtest.predictions)),
    }
    for name, scores in backtest.metrics.items():
        metrics[f"backtest_{name}_accuracy"] = scores["accuracy"]
        metrics[f"backtest_{name}_brier"] = scores["brier"]
    per_car = pd.DataFrame()
    if not backtest.predictions.empty:
        predictions = backtest.predictions
        per_car = (
            predictions.groupby("car")
            .apply(
                lambda g: pd.Series(
                    {
                        "car_months": float(len(g)),
                        **{
                            f"brier_{name}": brier(g[name], g["outcome"])
                            for name in ("model", *BASELINES)
                        },
                    }
                ),
                include_groups=False,
            )
            .reset_index()
        )
    months = usable["month"].nunique()
    if model.estimator is None:
        note = (
            f"the pooled model learnt from {model.train_rows} car-months with a known 6-month "
            f"outcome (needs {MIN_TRAIN_ROWS}); {months} months of price index: the probability "
            "is the base rate"
        )
    elif not backtest.origins:
        note = f"{months} months of price index: too short for a rolling back-test"
    else:
        note = (
            f"back-test over {len(backtest.origins)} origins, "
            f"{len(backtest.predictions)} car-months"
        )
    return DirectionResult(model, latest, metrics, per_car, note)


@dataclass
class PriceResult:
    """The global price model (fitted on all lots), its time-based evaluation per car."""

    model: PriceModel | None
    evaluation_model: PriceModel | None
    status: str
    metrics: dict[str, float]  # overall test metrics
    per_car: pd.DataFrame  # car, test_lots, rmsle_model, rmsle_global_median, …
    cutoff: pd.Timestamp | None
    lots: int
    note: str = ""
    test_predictions: pd.DataFrame = field(default_factory=pd.DataFrame)


def _test_scores(actual: np.ndarray, predicted: pd.DataFrame, baselines: dict) -> dict[str, float]:
    inside = (actual >= predicted["p10"].to_numpy()) & (actual <= predicted["p90"].to_numpy())
    return {
        "test_lots": float(len(actual)),
        "rmsle_model": rmsle(actual, predicted["p50"].to_numpy()),
        "rmsle_global_median": rmsle(actual, baselines["global_median"]),
        "rmsle_model_median": rmsle(actual, baselines["model_median"]),
        "coverage_p10_p90": float(inside.mean()),
    }


def price_models(
    lots: pd.DataFrame,
    test_months: int = PRICE_TEST_MONTHS,
    say: Callable[[str], object] = lambda _: None,
) -> PriceResult:
    """Evaluate on the last ``test_months`` months (at most a third of the months sold in),
    then refit on all lots; ``say`` hears which fit is running (they take a while).

    ``lots``: sold lots with car, make, model, year, mileage, sold_at, title, price (and
    optionally description, attributes). Fewer than 40 priced lots: no model.
    """
    lots = lots[pd.to_numeric(lots["price"], errors="coerce").gt(0)].reset_index(drop=True)
    if len(lots) < MIN_PRICE_LOTS:
        return PriceResult(
            None, None, INSUFFICIENT, {}, pd.DataFrame(), None, len(lots),
            f"{len(lots)} sold lots with a price (needs {MIN_PRICE_LOTS})",
        )  # fmt: skip
    sold_at = pd.to_datetime(lots["sold_at"])
    first_month = sold_at.min().to_period("M").to_timestamp()
    last_month = sold_at.max().to_period("M").to_timestamp()
    span = (last_month.year - first_month.year) * 12 + last_month.month - first_month.month + 1
    # A short history keeps two thirds of its months for training.
    test_months = max(1, min(test_months, span // 3))
    cutoff = last_month + pd.DateOffset(months=1) - pd.DateOffset(months=test_months)
    train, test = lots[sold_at < cutoff], lots[sold_at >= cutoff]
    metrics: dict[str, float] = {
        "lots": float(len(lots)),
        "train_lots": float(len(train)),
        "test_months": float(test_months),
    }
    per_car = pd.DataFrame()
    evaluation_model = None
    test_predictions = pd.DataFrame()
    note = f"fitted before {cutoff:%Y-%m}, scored on {len(test)} lots sold {cutoff:%Y-%m} onwards"
    if len(train) >= MIN_PRICE_LOTS and len(test):
        say(f"fit 1 of 2: {len(train):,} lots sold before {cutoff:%Y-%m}, for the test")
        evaluation_model = fit_price_model(train)
        predicted = evaluation_model.predict(test)
        baselines = baseline_predictions(train, test)
        actual = test["price"].to_numpy(float)
        metrics.update(_test_scores(actual, predicted, baselines))
        test_predictions = test[["car", "sold_at", "price"]].assign(
            p10=predicted["p10"].to_numpy(),
            p50=predicted["p50"].to_numpy(),
            p90=predicted["p90"].to_numpy(),
        )
        rows = []
        for car, positions in test.groupby("car").indices.items():
            part = {k: v[positions] for k, v in baselines.items()}
            rows.append(
                {"car": car, **_test_scores(actual[positions], predicted.iloc[positions], part)}
            )
        per_car = pd.DataFrame(rows)
    else:
        note = f"too few lots before {cutoff:%Y-%m} or after it for a time-based test"
    say(f"fit 2 of 2: all {len(lots):,} lots")
    model = fit_price_model(lots)
    return PriceResult(
        model, evaluation_model, OK, metrics, per_car, cutoff, len(lots), note, test_predictions
    )


def typical_examples(lots: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """One lot per car standing for its typical example, re-dated to ``as_of``.

    A real lot, not a made-up one: among the car's lots of the last 12 months before
    ``as_of`` (all its lots if none), the one nearest the car's median year and mileage
    (the most recent on a tie), with its title, description and attributes, since the
    price model reads the listing's words and a bare "{year} {make} {model}" is not a
    listing it has seen.
    """
    rows = []
    as_of = pd.Timestamp(as_of)
    for _, group in lots.groupby("car"):
        sold_at = pd.to_datetime(group["sold_at"])
        recent = group[sold_at > as_of - pd.DateOffset(months=12)]
        pool = recent if len(recent) else group
        year = pd.to_numeric(group["year"], errors="coerce").astype(float)
        miles = np.log1p(pd.to_numeric(group["mileage"], errors="coerce").astype(float))
        spread_year = max(float(year.std()), 1.0) if year.notna().sum() > 1 else 1.0
        spread_miles = max(float(miles.std()), 0.1) if miles.notna().sum() > 1 else 1.0
        pool_year = pd.to_numeric(pool["year"], errors="coerce").astype(float)
        pool_miles = np.log1p(pd.to_numeric(pool["mileage"], errors="coerce").astype(float))
        distance = (
            ((pool_year - year.median()) / spread_year).abs().fillna(3.0)
            + ((pool_miles - miles.median()) / spread_miles).abs().fillna(3.0)
        ).to_numpy()
        order = np.lexsort((-pd.to_datetime(pool["sold_at"]).to_numpy().astype("int64"), distance))
        rows.append(pool.iloc[order[0]])
    columns = list(lots.columns)
    frame = pd.DataFrame(rows, columns=columns).reset_index(drop=True)
    frame["sold_at"] = as_of
    return frame
