"""Per-car forecasts of mention volume and sentiment with p10/p50/p90 ranges.

One LightGBM model per quantile and target, trained directly on many horizons at once:
each training row is (features at an origin day, horizon h) → the value h days later.
Features: recent lags, rolling means and spread, trend, and the calendar of the target
day. A car with too little history gets the ``insufficient_history`` status and a
baseline forecast (the recent level with its empirical range), never a confident number
from nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd

TARGETS = ("mentions", "sentiment")
QUANTILES = (0.1, 0.5, 0.9)
HORIZON_DAYS = 90
TRAIN_HORIZONS = (1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 60, 75, 90)
MIN_HISTORY_DAYS = 120
MIN_MENTIONS = 60
WARMUP_DAYS = 28
FORECAST_COLUMNS = ["car", "target", "date", "horizon", "p10", "p50", "p90", "method", "origin"]
LGB_PARAMS = {
    "n_estimators": 150,
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_child_samples": 20,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.9,
    "random_state": 0,
    "n_jobs": 1,
    "verbose": -1,
}


def target_series(daily: pd.DataFrame) -> dict[str, pd.Series]:
    """The modelled daily series of one car: volume, and sentiment smoothed over a week.

    Sentiment is the mention-weighted 7-day mean (days without scored mentions carry the
    last known level), since a single day's mean of two texts is mostly noise.
    """
    daily = daily.sort_values("date").set_index("date")
    volume = daily["mentions"].astype(float)
    weighted = (daily["sentiment"].fillna(0) * daily["scored"]).rolling(7, min_periods=1).sum()
    counts = daily["scored"].rolling(7, min_periods=1).sum()
    sentiment = (weighted / counts.replace(0, np.nan)).ffill().fillna(0.0)
    return {"mentions": volume, "sentiment": sentiment}


def _origin_features(values: np.ndarray, t: int) -> list[float]:
    window = values[max(0, t - 90) : t + 1]
    last7 = values[max(0, t - 6) : t + 1]
    last28 = values[max(0, t - 27) : t + 1]
    return [
        values[t],
        values[t - 1] if t >= 1 else values[t],
        values[t - 6] if t >= 6 else values[0],
        last7.mean(),
        last28.mean(),
        window.mean(),
        last28.std(),
        last28.mean() - window.mean(),
    ]


FEATURE_NAMES = [
    "lag0", "lag1", "lag6", "mean7", "mean28", "mean91", "std28", "trend", "horizon", "dow", "month",
]  # fmt: skip


def _rows(
    values: np.ndarray, dates: pd.DatetimeIndex, origins: range, horizons
) -> tuple[np.ndarray, np.ndarray]:
    features, targets = [], []
    for t in origins:
        base = _origin_features(values, t)
        for h in horizons:
            target_day = dates[t] + pd.Timedelta(days=h)
            features.append([*base, h, target_day.dayofweek, target_day.month])
            targets.append(values[t + h] if t + h < len(values) else np.nan)
    return np.asarray(features, dtype=float), np.asarray(targets, dtype=float)


@dataclass
class QuantileForecaster:
    """LightGBM quantile models for one target of one car."""

    target: str
    models: dict[float, lgb.LGBMRegressor] = field(default_factory=dict)
    log_target: bool = False

    def fit(
        self, values: np.ndarray, dates: pd.DatetimeIndex, last_origin: int | None = None
    ) -> QuantileForecaster:
        last = len(values) - 1 if last_origin is None else last_origin
        origins = range(WARMUP_DAYS, last)
        x, y = _rows(values, dates, origins, TRAIN_HORIZONS)
        ok = ~np.isnan(y)
        # Only targets that were observed by the training cut-off.
        t_index = np.repeat(np.arange(WARMUP_DAYS, last), len(TRAIN_HORIZONS))
        ok &= (t_index + x[:, FEATURE_NAMES.index("horizon")]) <= last
        x, y = x[ok], y[ok]
        if self.log_target:
            y = np.log1p(y)
        for q in QUANTILES:
            model = lgb.LGBMRegressor(objective="quantile", alpha=q, **LGB_PARAMS)
            model.fit(pd.DataFrame(x, columns=FEATURE_NAMES), y)
            self.models[q] = model
        return self

    def predict(
        self, values: np.ndarray, dates: pd.DatetimeIndex, origin: int, horizons
    ) -> np.ndarray:
        """Quantile predictions, shape (len(horizons), 3), sorted so p10 ≤ p50 ≤ p90."""
        x, _ = _rows(values, dates, range(origin, origin + 1), horizons)
        frame = pd.DataFrame(x, columns=FEATURE_NAMES)
        out = np.column_stack([self.models[q].predict(frame) for q in QUANTILES])
        if self.log_target:
            out = np.expm1(out).clip(min=0)
        if self.target == "sentiment":
            out = out.clip(-1.0, 1.0)
        return np.sort(out, axis=1)


def seasonal_naive(values: np.ndarray, origin: int, horizons) -> np.ndarray:
    """Same weekday of the last observed week."""
    return np.array([values[origin - 6 + ((h - 1) % 7)] for h in horizons])


def mase(actual: np.ndarray, predicted: np.ndarray, history: np.ndarray, season: int = 7) -> float:
    """Mean absolute scaled error against the in-sample seasonal-naive error."""
    scale = (
        np.mean(np.abs(history[season:] - history[:-season])) if len(history) > season else np.nan
    )
    if not scale or np.isnan(scale):
        return float("nan")
    return float(np.mean(np.abs(actual - predicted)) / scale)


@dataclass
class CarForecast:
    """Forecast rows, back-test metrics and fitted models of one car."""

    forecasts: pd.DataFrame
    metrics: dict[str, float]
    status: str
    models: dict[str, QuantileForecaster]
    series: dict[str, pd.Series]


def baseline_rows(
    car: str, target: str, values: np.ndarray, origin_date: pd.Timestamp
) -> list[dict]:
    """The recent level (last 28 days' median) with its empirical p10–p90 range, flat."""
    recent = values[-28:] if len(values) else np.zeros(1)
    p10, p50, p90 = np.quantile(recent, [0.1, 0.5, 0.9])
    return [
        {
            "car": car,
            "target": target,
            "date": origin_date + pd.Timedelta(days=h),
            "horizon": h,
            "p10": p10,
            "p50": p50,
            "p90": p90,
            "method": "baseline",
            "origin": origin_date,
        }
        for h in range(1, HORIZON_DAYS + 1)
    ]


def forecast_car(car: str, daily: pd.DataFrame, holdout_days: int = 30) -> CarForecast:
    """Fit, back-test (last ``holdout_days`` held out) and forecast one car's series."""
    series = target_series(daily) if not daily.empty else {}
    n = len(daily)
    total = float(daily["mentions"].sum()) if n else 0.0
    if n < MIN_HISTORY_DAYS or total < MIN_MENTIONS:
        origin_date = pd.to_datetime(daily["date"]).max() if n else pd.Timestamp.now().normalize()
        rows = []
        for target in TARGETS:
            values = series[target].to_numpy() if series else np.zeros(0)
            rows += baseline_rows(car, target, values, origin_date)
        frame = pd.DataFrame(rows, columns=FORECAST_COLUMNS)
        return CarForecast(
            frame, {"history_days": n, "mentions": total}, "insufficient_history", {}, series
        )
    rows, metrics, models = [], {"history_days": n, "mentions": total}, {}
    horizons = list(range(1, HORIZON_DAYS + 1))
    for target in TARGETS:
        s = series[target]
        values, dates = s.to_numpy(float), pd.DatetimeIndex(s.index)
        # Back-test: train on data up to the cut, forecast the held-out days.
        cut = n - 1 - holdout_days
        test_h = list(range(1, holdout_days + 1))
        backtest = QuantileForecaster(target, log_target=target == "mentions").fit(
            values, dates, cut
        )
        pred = backtest.predict(values, dates, cut, test_h)
        actual = values[cut + 1 : cut + 1 + holdout_days]
        metrics[f"{target}_mase_{holdout_days}d"] = mase(actual, pred[:, 1], values[: cut + 1])
        metrics[f"{target}_naive_mase_{holdout_days}d"] = mase(
            actual, seasonal_naive(values, cut, test_h), values[: cut + 1]
        )
        metrics[f"{target}_coverage_p10_p90"] = float(
            np.mean((actual >= pred[:, 0]) & (actual <= pred[:, 2]))
        )
        # Final model on all history.
        model = QuantileForecaster(target, log_target=target == "mentions").fit(values, dates)
        models[target] = model
        out = model.predict(values, dates, n - 1, horizons)
        origin_date = dates[-1]
        for h, (p10, p50, p90) in zip(horizons, out, strict=True):
            rows.append(
                {
                    "car": car,
                    "target": target,
                    "date": origin_date + pd.Timedelta(days=h),
                    "horizon": h,
                    "p10": p10,
                    "p50": p50,
                    "p90": p90,
                    "method": "lightgbm",
                    "origin": origin_date,
                }
            )
    frame = pd.DataFrame(rows, columns=FORECAST_COLUMNS)
    return CarForecast(frame, metrics, "ok", models, series)
