"""Daily series, the price index, and the attention forecaster on synthetic data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vintage_ai_assets.forecasting import attention
from vintage_ai_assets.series.daily import car_daily
from vintage_ai_assets.series.price_index import monthly_price_index


def test_car_daily_zero_fills_and_aggregates():
    mentions = pd.DataFrame(
        {
            "car": ["a", "a", "a", "b"],
            "date": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-01-03", "2026-01-02"]),
            "engagement": [1, 2, 3, 4],
            "sentiment": [0.5, -0.5, np.nan, 0.9],
        }
    )
    days = pd.date_range("2026-01-01", "2026-01-03")
    out = car_daily(mentions, ["a", "b", "c"], days).set_index(["car", "date"])
    assert len(out) == 9
    first = out.loc[("a", pd.Timestamp("2026-01-01"))]
    assert first["mentions"] == 2 and first["sentiment"] == 0 and first["positive_share"] == 0.5
    assert out.loc[("a", pd.Timestamp("2026-01-03")), "scored"] == 0
    assert np.isnan(out.loc[("a", pd.Timestamp("2026-01-03")), "sentiment"])
    assert out.loc[("c", pd.Timestamp("2026-01-02")), "mentions"] == 0


def test_price_index_adjusts_for_mix():
    rng = np.random.default_rng(0)
    months = pd.date_range("2025-01-01", periods=12, freq="MS")
    rows = []
    for i, month in enumerate(months):
        for _ in range(8):
            # Late months sell mostly older, high-mileage cars: a raw median would fall.
            year = rng.integers(1985, 1990) if i < 6 else rng.integers(1984, 1986)
            mileage = rng.uniform(10_000, 30_000) if i < 6 else rng.uniform(60_000, 90_000)
            price = 100_000 * (1.02**i) * (1.05 ** (year - 1987)) * (mileage / 20_000) ** -0.2
            rows.append(
                {
                    "car": "x",
                    "sold_at": month + pd.Timedelta(days=3),
                    "price": price * rng.lognormal(0, 0.02),
                    "year": year,
                    "mileage": mileage,
                }
            )
    index = monthly_price_index(pd.DataFrame(rows))
    growth = index["index_value"].iloc[-1] / index["index_value"].iloc[0]
    raw = index["median_price"].iloc[-1] / index["median_price"].iloc[0]
    assert 1.15 < growth < 1.35  # true growth 1.02**11 = 1.24
    assert raw < growth - 0.2


def _daily(days: int, level: float = 8.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2025-01-01", periods=days, freq="D")
    weekly = 1 + 0.5 * (dates.dayofweek >= 5)
    mentions = rng.poisson(level * weekly)
    sentiment = np.clip(rng.normal(0.3, 0.1, days), -1, 1)
    return pd.DataFrame(
        {
            "car": "x",
            "date": dates,
            "mentions": mentions,
            "scored": mentions,
            "sentiment": sentiment,
        }
    )


def test_forecaster_beats_nothing_silly_and_orders_quantiles():
    result = attention.forecast_car("x", _daily(300))
    assert result.status == "ok"
    frame = result.forecasts
    assert len(frame) == 2 * attention.HORIZON_DAYS
    assert (frame["p10"] <= frame["p50"]).all() and (frame["p50"] <= frame["p90"]).all()
    volume = frame[frame["target"] == "mentions"]
    assert 6 < volume["p50"].mean() < 14  # the true mean level is 8 x 1.14
    sentiment = frame[frame["target"] == "sentiment"]
    assert sentiment["p50"].between(0.1, 0.5).all()
    assert 0.4 <= result.metrics["mentions_30d_lightgbm_coverage"] <= 1.0
    assert result.metrics["mentions_30d_lightgbm_mase"] < 1.5


def test_short_history_gets_a_baseline_not_a_model():
    result = attention.forecast_car("x", _daily(40))
    assert result.status == "insufficient_history" and not result.models
    assert set(result.forecasts["method"]) == {"baseline"}
    assert len(result.forecasts) == 2 * attention.HORIZON_DAYS


def test_a_trained_model_forecasts_from_the_latest_day():
    full = _daily(320, seed=3)
    # A level shift in the last week, after the model was trained.
    full.loc[full.index[-7:], "mentions"] = full["mentions"].iloc[-7:] * 3
    trained_on = full.iloc[:-7]
    result = attention.forecast_car("x", trained_on, backtest=False)
    assert result.status == "ok"

    same = attention.forecast_with("x", result.models, trained_on)
    pd.testing.assert_frame_equal(same, result.forecasts[attention.FORECAST_COLUMNS])

    later = attention.forecast_with("x", result.models, full)
    assert (later["origin"] == full["date"].max()).all()
    assert later["date"].min() == full["date"].max() + pd.Timedelta(days=1)
    assert set(later["method"]) == {"lightgbm"}
    # The new week's level reaches the forecast through the features, not a refit (trees
    # do not extrapolate far beyond the levels they were trained on, so only the direction).
    early = lambda f: f[(f["target"] == "mentions") & (f["horizon"] <= 7)]["p50"].mean()  # noqa: E731
    assert early(later) > early(same)

    # A target without a model gets the recent range of today's values.
    only_volume = {"mentions": result.models["mentions"]}
    mixed = attention.forecast_with("x", only_volume, full)
    assert set(mixed.groupby("target")["method"].first()) == {"lightgbm", "baseline"}
    assert attention.forecast_with("x", {}, full.iloc[:0])["method"].eq("baseline").all()
