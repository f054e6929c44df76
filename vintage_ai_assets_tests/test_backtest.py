"""Rolling-origin back-tests, the per-car value results and the car report, on synthetic data
where the right answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vintage_ai_assets.forecasting import attention
from vintage_ai_assets.forecasting import backtest as bt
from vintage_ai_assets.forecasting.pyfunc import ForecasterModel
from vintage_ai_assets.metrics import inside, mase
from vintage_ai_assets.reports.car_report import CarInputs, build_report, build_reports
from vintage_ai_assets.valuation import per_car
from vintage_ai_assets.valuation.direction import INSUFFICIENT


def test_mase_and_coverage_by_hand():
    history = np.arange(20, dtype=float)  # the weekly naive is always 7 off: scale 7
    assert mase([10.0, 10.0], [3.0, 17.0], history) == pytest.approx(1.0)
    assert mase([10.0, 10.0], [10.0, 10.0], history) == 0.0
    assert np.isnan(mase([1.0], [1.0], np.ones(20)))  # no in-sample error: undefined
    quantiles = np.array([[0.0, 1.0, 2.0]] * 4)
    assert inside([0.0, 2.0, 2.5, -1.0], quantiles).tolist() == [True, True, False, False]


def test_origins_step_back_from_the_last_day():
    assert bt.rolling_origins(400, 30, 6, 88) == [219, 249, 279, 309, 339, 369]
    assert bt.rolling_origins(150, 30, 6, 88) == [89, 119]


def test_seasonal_naive_repeats_the_last_week():
    values = np.tile(np.arange(7, dtype=float), 10)
    origin = len(values) - 1
    assert bt.seasonal_naive(values, origin, range(1, 15)).tolist() == [*range(7), *range(7)]
    quantiles = bt.seasonal_naive_quantiles(values, origin, [1, 2])
    assert (quantiles[:, 0] == quantiles[:, 2]).all()  # an exact pattern has no spread


def _noise_series(days: int = 400, seed: int = 1) -> tuple[np.ndarray, pd.DatetimeIndex]:
    rng = np.random.default_rng(seed)
    return rng.normal(50.0, 5.0, days), pd.date_range("2025-01-01", periods=days, freq="D")


def test_backtest_on_white_noise_matches_theory():
    """On i.i.d. noise the weekly naive's MASE is ~1 by construction, the recent median's
    ~1/sqrt(2) (its error is one draw, the naive's the difference of two), and a p10–p90
    range from the data covers ~80% of days."""
    values, dates = _noise_series()
    table = attention.origin_table(values, np.zeros_like(values))
    origins = bt.rolling_origins(len(values), 30, 6, 88)
    windows, scores = attention.backtest_target("mentions", values, table, dates, origins)
    assert len(scores) == 4 * 90 + 2 * 30  # every day each origin's model forecast
    metrics = bt.summarise(windows, "x")
    assert metrics["x_30d_windows"] == 6 and metrics["x_90d_windows"] == 4
    assert 0.85 < metrics["x_30d_seasonal_naive_mase"] < 1.2
    assert 0.6 < metrics["x_30d_recent28_mase"] < 0.85
    assert metrics["x_30d_lightgbm_mase"] < metrics["x_30d_seasonal_naive_mase"]
    for method in attention.METHODS:
        assert 0.6 < metrics[f"x_90d_{method}_coverage"] <= 0.95, method


def test_a_backtest_model_never_sees_the_days_after_its_origin():
    values, dates = _noise_series(300)
    origin = 200
    changed = values.copy()
    changed[origin + 1 :] += 1000.0  # a future nobody could know
    predictions = []
    for series in (values, changed):
        table = attention.origin_table(series, np.zeros_like(series))
        model = attention.QuantileForecaster("mentions").fit(table, series, dates, origin)
        predictions.append(model.predict(table[origin], dates[origin], [1, 30, 90]))
    np.testing.assert_allclose(predictions[0], predictions[1])


def test_conformal_widening_is_the_80_percent_quantile_of_the_misses():
    assert attention.conformal_widening(np.arange(10.0)) == 0.0  # too few days: no change
    scores = np.arange(100.0)  # ceil(101 * 0.8) / 100 = 0.81 of the way: 80.19
    assert attention.conformal_widening(scores) == pytest.approx(80.19)
    values, dates = _noise_series(200)
    values = values / 100  # a sentiment-like series, 0.5 ± 0.05
    table = attention.origin_table(values, np.zeros_like(values))
    model = attention.QuantileForecaster("sentiment").fit(table, values, dates)
    narrow = model.predict(table[-1], dates[-1], [1, 2])
    model.widen = 0.2
    wide = model.predict(table[-1], dates[-1], [1, 2])
    np.testing.assert_allclose(wide[:, 1], narrow[:, 1])
    np.testing.assert_allclose(wide[:, 0], narrow[:, 0] - 0.2)
    np.testing.assert_allclose(wide[:, 2], narrow[:, 2] + 0.2)


def _daily(days: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2025-01-01", periods=days, freq="D")
    mentions = rng.poisson(8 * (1 + 0.5 * (dates.dayofweek >= 5)))
    return pd.DataFrame(
        {
            "car": "x",
            "date": dates,
            "mentions": mentions,
            "scored": mentions,
            "sentiment": np.clip(rng.normal(0.3, 0.1, days), -1, 1),
        }
    )


def test_forecast_car_reports_every_method_and_its_model_round_trips():
    daily = _daily(330)
    themes = pd.DataFrame(
        {"date": np.repeat(daily["date"], 2), "topic_id": np.tile([0, 1], 330), "n": 2}
    )
    result = attention.forecast_car("x", daily, themes)
    assert result.status == "ok"
    for target in attention.TARGETS:
        for method in attention.METHODS:
            assert np.isfinite(result.metrics[f"{target}_30d_{method}_mase"])
            assert 0 <= result.metrics[f"{target}_90d_{method}_coverage"] <= 1
    # The pyfunc wrapper gives the forecast the asset wrote.
    request = pd.DataFrame({"target": ["mentions", "sentiment"], "horizon": [1, 30]})
    out = ForecasterModel(result).predict(None, request)
    frame = result.forecasts.set_index(["target", "horizon"])
    np.testing.assert_allclose(out["p50"].iloc[0], frame.loc[("mentions", 1), "p50"])
    np.testing.assert_allclose(out["p90"].iloc[1], frame.loc[("sentiment", 30), "p90"])


def test_insufficient_history_gets_a_baseline_a_status_and_a_baseline_model():
    daily = _daily(60)
    result = attention.forecast_car("x", daily)
    assert result.status == "insufficient_history" and not result.models
    assert set(result.forecasts["method"]) == {"baseline"}
    recent = daily["mentions"].tail(28)
    volume = result.forecasts[result.forecasts["target"] == "mentions"]
    assert volume["p50"].eq(recent.median()).all()
    out = ForecasterModel(result).predict(
        None, pd.DataFrame({"target": ["mentions"], "horizon": [7]})
    )
    assert out["p50"].iloc[0] == recent.median()


def _index(months: int, cars: int = 8, seed: int = 0) -> pd.DataFrame:
    """Monthly index per car: persistent trends (half the cars rise, half fall)."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(cars):
        drift = 0.02 if c % 2 == 0 else -0.02
        level = 11.0
        for m, month in enumerate(pd.date_range("2020-01-01", periods=months, freq="MS")):
            level += drift + rng.normal(0, 0.01)
            rows.append(
                {
                    "car": f"car-{c}",
                    "month": month,
                    "lots": 3,
                    "median_price": np.exp(level),
                    "index_value": np.exp(level),
                    "valuation": np.nan,
                    "m": m,
                }
            )
    return pd.DataFrame(rows).drop(columns="m")


def test_value_direction_with_a_long_history_is_backtested():
    result = per_car.value_direction(_index(48))
    assert result.model.estimator is not None
    assert result.metrics["backtest_origins"] > 0
    assert result.metrics["backtest_model_brier"] < result.metrics["backtest_base_rate_brier"]
    latest = result.latest.set_index("car")
    assert latest["probability"].between(0, 1).all()
    assert (latest["status"] == "ok").all()
    assert latest.loc["car-0", "probability"] > 0.5 > latest.loc["car-1", "probability"]


def test_value_direction_on_18_months_says_insufficient_history():
    result = per_car.value_direction(_index(18))
    assert result.model.estimator is None and result.metrics["backtest_origins"] == 0
    assert (result.latest["status"] == INSUFFICIENT).all()
    assert (result.latest["probability"] == result.model.base_rate).all()
    assert "base rate" in result.note


def _lots(n: int = 240, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cars = {"car-a": ("Porsche", "911", 11.0), "car-b": ("Ferrari", "308", 11.5)}
    keys = list(cars)
    pick = rng.integers(0, 2, n)
    year = rng.integers(1975, 1990, n)
    sold_at = pd.date_range("2024-01-01", periods=24, freq="MS")[np.sort(rng.integers(0, 24, n))]
    price = np.exp([cars[keys[i]][2] for i in pick] + 0.03 * (year - 1980) + rng.normal(0, 0.1, n))
    return pd.DataFrame(
        {
            "lot_id": [f"lot-{i}" for i in range(n)],
            "car": [keys[i] for i in pick],
            "make": [cars[keys[i]][0] for i in pick],
            "model": [cars[keys[i]][1] for i in pick],
            "year": year,
            "mileage": rng.uniform(10_000, 90_000, n),
            "sold_at": sold_at,
            "title": [
                f"{y} {cars[keys[i]][0]} {cars[keys[i]][1]}"
                for y, i in zip(year, pick, strict=True)
            ],
            "price": price,
        }
    )


def test_price_models_are_scored_on_the_last_months_per_car():
    lots = _lots()
    result = per_car.price_models(lots)
    assert result.status == "ok" and result.cutoff == pd.Timestamp("2025-07-01")
    assert result.metrics["train_lots"] == (pd.to_datetime(lots["sold_at"]) < "2025-07-01").sum()
    assert set(result.per_car["car"]) == {"car-a", "car-b"}
    # Two models at very different prices: the model beats the global median clearly.
    assert result.metrics["rmsle_model"] < 0.6 * result.metrics["rmsle_global_median"]
    typical = per_car.typical_examples(lots, pd.Timestamp("2025-12-01"))
    estimate = result.model.predict(typical)
    assert (estimate["p10"] <= estimate["p50"]).all() and (estimate["p50"] <= estimate["p90"]).all()
    assert per_car.price_models(lots.head(10)).status == INSUFFICIENT


def _report_inputs() -> CarInputs:
    daily = _daily(200)
    forecast = attention.forecast_car("x", daily, backtest=False)
    index = _index(18, cars=1).assign(car="x")
    inputs = CarInputs(
        car="x",
        name="Lancia Delta Integrale",
        daily=daily,
        forecasts=forecast.forecasts,
        attention={"status": "ok", "metrics": "{}"},
        topics=pd.DataFrame(
            {
                "topic_id": [0, 1],
                "label": ["valve guides", "prices"],
                "size": [30, 20],
                "share": [0.3, 0.2],
                "sentiment": [-0.4, 0.1],
                "growing": [True, False],
            }
        ),  # fmt: skip
        shares=pd.DataFrame(
            {
                "month": pd.to_datetime(["2025-05-01", "2025-06-01"] * 2),
                "topic_id": [0, 0, 1, 1],
                "n": [1, 9, 5, 5],
                "share": [0.05, 0.45, 0.25, 0.25],
            }
        ),  # fmt: skip
        index=index,
        direction={"probability": 0.61, "status": "ok", "method": "logistic", "metrics": "{}"},
        price_model={},
        estimates=pd.DataFrame(
            {
                "kind": ["typical"],
                "as_of": [pd.Timestamp("2025-06-01")],
                "title": ["1991 Lancia"],
                "mileage": [50_000.0],
                "p10": [40_000.0],
                "p50": [50_000.0],
                "p90": [60_000.0],
            }
        ),  # fmt: skip
    )
    return inputs


def test_the_report_names_the_car_and_draws_its_plots():
    report = build_report(_report_inputs(), pd.Timestamp("2025-07-20 10:00"))
    assert report.markdown.startswith("# Lancia Delta Integrale")
    assert "`x`" in report.markdown and "0.61" in report.markdown
    assert '"valve guides"' in report.markdown and "$50,000" in report.markdown
    assert set(report.images) == {"series", "themes", "price"}
    assert all(image.startswith(b"\x89PNG") for image in report.images.values())


def test_reports_drawn_by_worker_processes_match_one_process():
    from dataclasses import replace

    base = _report_inputs()
    cars = [replace(base, car=f"car-{k}", name=f"Car {k}") for k in range(4)]
    when = pd.Timestamp("2025-07-20 10:00")
    parallel = build_reports(cars, when, workers=2)
    serial = build_reports(cars, when, workers=1)
    assert [r.car for r in parallel] == [f"car-{k}" for k in range(4)]
    assert [r.markdown for r in parallel] == [r.markdown for r in serial]
    assert all(set(r.images) == {"series", "themes", "price"} for r in parallel)


def test_unchanged_plots_are_read_back_and_changed_ones_redrawn(tmp_path):
    from dataclasses import replace

    inputs = _report_inputs()
    when = pd.Timestamp("2025-07-20 10:00")
    first = build_report(inputs, when, cache=tmp_path)
    cached = sorted(p.name for p in tmp_path.iterdir())
    assert len(cached) == 6  # full and small PNG of each plot
    stamps = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    again = build_report(inputs, when, cache=tmp_path)
    assert again.images == first.images and again.thumbnails == first.thumbnails
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == stamps
    # A new direction probability redraws the price plot only, replacing its old files.
    moved = replace(inputs, direction={**inputs.direction, "probability": 0.2})
    third = build_report(moved, when, cache=tmp_path)
    assert third.images["price"] != first.images["price"]
    assert third.images["series"] == first.images["series"]
    assert len(list(tmp_path.iterdir())) == 6
    assert sorted(p.name for p in tmp_path.iterdir() if "price" not in p.name) == sorted(
        n for n in cached if "price" not in n
    )
