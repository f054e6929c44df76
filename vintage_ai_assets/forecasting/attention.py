"""Per-car forecasts of mention volume and sentiment with p10/p50/p90 ranges.

One LightGBM model per quantile and target, trained directly on many horizons at once:
each training row is (features at an origin day, horizon h) → the value h days later.
Features of an origin day use only days up to it: recent lags, rolling means and spread,
trend; the other target's recent level and trend (sentiment for volume, volume for
sentiment); theme shares (the share of the car's leading theme over the last 28 days and
the largest rise of any theme's 28-day share over its 91-day share, from
``nlp.mention_topics``); and the horizon and weekday of the target day (not its month: a
year and a half of history cannot tell a season from a trend, and month effects learnt
from one year make the forecast jump at month boundaries).

Each car is back-tested from rolling origins (:mod:`vintage_ai_assets.forecasting.backtest`):
every 30 days over the last 180 days the forecaster is refitted on the data up to the
origin and scored on the next 30 and 90 days against the weekly seasonal-naive forecast
and the recent 28-day range, on MASE and p10–p90 coverage. Quantile trees are
overconfident out of sample, so the range is conformalised: each origin's p10/p90 are
moved out (or in) by the 80% quantile of the earlier origins' misses (days observed by
then), and the final model by that of all back-test days. A car with too little history
gets the ``insufficient_history`` status and a baseline forecast (the recent level with
its empirical range), never a confident number from nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from vintage_ai_assets.forecasting import backtest as bt
from vintage_ai_assets.metrics import inside, mase

if TYPE_CHECKING:  # lightgbm (with scikit-learn and scipy) is imported where models are fitted
    import lightgbm as lgb

TARGETS = ("mentions", "sentiment")
QUANTILES = (0.1, 0.5, 0.9)
HORIZON_DAYS = 90
TRAIN_HORIZONS = (1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 60, 75, 90)
MIN_HISTORY_DAYS = 120
MIN_MENTIONS = 60
WARMUP_DAYS = 28
TRAIN_STRIDE = 3  # every third origin day is a training origin (neighbours are near copies)
BACKTEST_HORIZONS = (30, 90)
BACKTEST_STEP_DAYS = 30
BACKTEST_ORIGINS = 6  # every 30 days over the last 180 days
MIN_TRAIN_DAYS = 60  # an origin is back-tested only with this many training days after warm-up
METHODS = ("lightgbm", "seasonal_naive", "recent28")
MIN_CONFORMAL_DAYS = 30
FORECAST_COLUMNS = ["car", "target", "date", "horizon", "p10", "p50", "p90", "method", "origin"]
LGB_PARAMS = {
    "n_estimators": 100,
    "learning_rate": 0.075,
    "num_leaves": 15,
    "min_child_samples": 20,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.9,
    "max_bin": 63,
    "force_col_wise": True,
    "deterministic": True,
    "random_state": 0,
    "n_jobs": 1,
    "verbose": -1,
}
ORIGIN_FEATURES = [
    "lag0", "lag1", "lag6", "mean7", "mean28", "mean91", "std28", "trend",
    "other_mean7", "other_trend", "theme_top28", "theme_shift",
]  # fmt: skip
FEATURE_NAMES = [*ORIGIN_FEATURES, "horizon", "dow"]


def target_series(daily: pd.DataFrame) -> dict[str, pd.Series]:
    """The modelled daily series of one car: volume, and sentiment smoothed over a week.

    Sentiment is the mention-weighted 7-day mean (days without scored mentions carry the
    last known level), since a single day's mean of two texts is mostly noise.
    """
    daily = daily.sort_values("date").set_index("date")
    daily.index = pd.DatetimeIndex(daily.index)
    volume = daily["mentions"].astype(float)
    scored = daily["scored"].astype(float)
    weighted = (daily["sentiment"].astype(float).fillna(0) * scored).rolling(7, min_periods=1).sum()
    counts = scored.rolling(7, min_periods=1).sum()
    sentiment = (weighted / counts.replace(0, np.nan)).ffill().fillna(0.0)
    return {"mentions": volume, "sentiment": sentiment}


def theme_features(themes: pd.DataFrame | None, dates: pd.DatetimeIndex) -> np.ndarray:
    """Per day: (leading theme's 28-day share, largest rise of a 28-day share over its 91-day
    share). ``themes``: date, topic_id (−1 = no theme), n. NaN where unknown."""
    out = np.full((len(dates), 2), np.nan)
    if themes is None or themes.empty or not len(dates):
        return out
    frame = themes.assign(date=pd.to_datetime(themes["date"]).dt.normalize())
    counts = frame.pivot_table(
        index="date", columns="topic_id", values="n", aggfunc="sum", fill_value=0
    ).reindex(dates, fill_value=0)
    total = counts.sum(axis=1)
    topics = counts[[c for c in counts.columns if c >= 0]]
    if topics.empty:
        return out
    with np.errstate(invalid="ignore", divide="ignore"):
        total28 = total.rolling(28, min_periods=1).sum().to_numpy(float)
        total91 = total.rolling(91, min_periods=1).sum().to_numpy(float)
        share28 = topics.rolling(28, min_periods=1).sum().to_numpy(float) / total28[:, None]
        share91 = topics.rolling(91, min_periods=1).sum().to_numpy(float) / total91[:, None]
        known = total28 > 0
        out[known, 0] = np.nanmax(share28[known], axis=1)
        out[known, 1] = np.nanmax((share28 - share91)[known], axis=1)
    return out


def origin_table(
    values: np.ndarray, other: np.ndarray, themes: np.ndarray | None = None
) -> np.ndarray:
    """Features of every day as an origin (rows: days, columns: ``ORIGIN_FEATURES``).

    Each row uses only that day and earlier ones, so one table serves every back-test cut.
    """
    s, o = pd.Series(values, dtype=float), pd.Series(other, dtype=float)
    mean28, mean91 = s.rolling(28, min_periods=1).mean(), s.rolling(91, min_periods=1).mean()
    other28, other91 = o.rolling(28, min_periods=1).mean(), o.rolling(91, min_periods=1).mean()
    themes = themes if themes is not None else np.full((len(values), 2), np.nan)
    columns = [
        s,
        s.shift(1).fillna(s.iloc[0] if len(s) else 0.0),
        s.shift(6).fillna(s.iloc[0] if len(s) else 0.0),
        s.rolling(7, min_periods=1).mean(),
        mean28,
        mean91,
        s.rolling(28, min_periods=1).std(ddof=0),
        mean28 - mean91,
        o.rolling(7, min_periods=1).mean(),
        other28 - other91,
    ]
    table = np.column_stack([np.asarray(c, float) for c in columns])
    return np.column_stack([table, themes])


def _rows(
    table: np.ndarray, dates: pd.DatetimeIndex, origins: np.ndarray, horizons
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Feature rows for every (origin, horizon): (frame, origin positions, horizons)."""
    origins = np.asarray(origins, int)
    horizons = np.asarray(list(horizons), int)
    o = np.repeat(origins, len(horizons))
    h = np.tile(horizons, len(origins))
    days = pd.DatetimeIndex(dates[o]) + pd.to_timedelta(h, unit="D")
    x = np.column_stack([table[o], h, days.dayofweek]).astype(float)
    return pd.DataFrame(x, columns=FEATURE_NAMES), o, h


@dataclass
class QuantileForecaster:
    """LightGBM quantile models for one target of one car.

    ``widen`` moves p10 down and p90 up (in the model's scale: log1p for volume) by the
    conformal correction learnt from the back-test, so the range covers ~80% out of sample.
    """

    target: str
    models: dict[float, lgb.LGBMRegressor] = field(default_factory=dict)
    log_target: bool = False
    widen: float = 0.0

    def fit(
        self,
        table: np.ndarray,
        values: np.ndarray,
        dates: pd.DatetimeIndex,
        last_origin: int | None = None,
    ) -> QuantileForecaster:
        """Fit on origins up to ``last_origin`` with targets observed by then (no look-ahead)."""
        import lightgbm as lgb

        last = len(values) - 1 if last_origin is None else last_origin
        origins = np.arange(last - 1, WARMUP_DAYS - 1, -TRAIN_STRIDE)[::-1]
        x, o, h = _rows(table, dates, origins, TRAIN_HORIZONS)
        ok = (o + h) <= last
        x, y = x[ok], self.scale(values[(o + h)[ok]])
        for q in QUANTILES:
            model = lgb.LGBMRegressor(objective="quantile", alpha=q, **LGB_PARAMS)
            model.fit(x, y)
            self.models[q] = model
        return self

    def scale(self, values) -> np.ndarray:
        """Values in the scale the models work in (log1p for volume)."""
        values = np.asarray(values, float)
        return np.log1p(np.clip(values, 0, None)) if self.log_target else values

    def predict_scaled(
        self, origin_row: np.ndarray, origin_date: pd.Timestamp, horizons
    ) -> np.ndarray:
        """Raw quantiles in the model's scale, sorted, before any widening."""
        x, _, _ = _rows(
            np.asarray(origin_row, float)[None, :], pd.DatetimeIndex([origin_date]), [0], horizons
        )
        return np.sort(np.column_stack([self.models[q].predict(x) for q in QUANTILES]), axis=1)

    def predict(self, origin_row: np.ndarray, origin_date: pd.Timestamp, horizons) -> np.ndarray:
        """Quantile predictions from one origin's features, shape (len(horizons), 3), sorted."""
        out = self.predict_scaled(origin_row, origin_date, horizons)
        out[:, 0] -= self.widen
        out[:, 2] += self.widen
        out[:, 0] = np.minimum(out[:, 0], out[:, 1])
        out[:, 2] = np.maximum(out[:, 2], out[:, 1])
        if self.log_target:
            out = np.expm1(out).clip(min=0)
        if self.target == "sentiment":
            out = out.clip(-1.0, 1.0)
        return np.sort(out, axis=1)


def conformal_widening(scores: np.ndarray) -> float:
    """How far to move p10 and p90 so that ~80% of past actuals fall inside: the 80% quantile
    of ``max(p10 − actual, actual − p90)`` (conformalised quantile regression). Zero with
    fewer than ``MIN_CONFORMAL_DAYS`` scores."""
    scores = np.asarray(scores, float)
    if len(scores) < MIN_CONFORMAL_DAYS:
        return 0.0
    level = min(1.0, np.ceil((len(scores) + 1) * 0.8) / len(scores))
    return float(np.quantile(scores, level))


def seasonal_naive(values: np.ndarray, origin: int, horizons) -> np.ndarray:
    """Same weekday of the last observed week."""
    return bt.seasonal_naive(values, origin, horizons)


@dataclass
class CarForecast:
    """Forecast rows, back-test metrics and fitted models of one car."""

    forecasts: pd.DataFrame
    metrics: dict[str, float]
    status: str
    models: dict[str, QuantileForecaster]
    series: dict[str, pd.Series]
    origin_rows: dict[str, np.ndarray] = field(default_factory=dict)
    origin_date: pd.Timestamp | None = None
    baselines: dict[str, tuple[float, float, float]] = field(default_factory=dict)


def baseline_quantiles(values) -> tuple[float, float, float]:
    """The recent level (last 28 days' median) with its empirical p10–p90 range."""
    values = np.asarray(values, float)
    p10, p50, p90 = bt.recent_quantiles(values, len(values) - 1, [1])[0]
    return float(p10), float(p50), float(p90)


def baseline_rows(car: str, target: str, values, origin_date: pd.Timestamp) -> list[dict]:
    """The recent level (last 28 days' median) with its empirical p10–p90 range, flat."""
    p10, p50, p90 = baseline_quantiles(values)
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


def _model_rows(
    car: str, model: QuantileForecaster, origin_row: np.ndarray, origin_date: pd.Timestamp
) -> list[dict]:
    horizons = list(range(1, HORIZON_DAYS + 1))
    out = model.predict(origin_row, origin_date, horizons)
    return [
        {
            "car": car,
            "target": model.target,
            "date": origin_date + pd.Timedelta(days=h),
            "horizon": h,
            "p10": p10,
            "p50": p50,
            "p90": p90,
            "method": "lightgbm",
            "origin": origin_date,
        }
        for h, (p10, p50, p90) in zip(horizons, out, strict=True)
    ]


def forecast_with(
    car: str,
    forecasters: dict[str, QuantileForecaster],
    daily: pd.DataFrame,
    themes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The next ``HORIZON_DAYS`` of one car from forecasters fitted earlier, at today's data.

    The origin is the last day of ``daily`` and the features are computed from the series as
    it is now, so a model trained last week forecasts from yesterday. A target without a
    forecaster gets the recent 28-day range (``baseline_rows``) of its current values.
    """
    if len(daily) == 0:
        origin_date = pd.Timestamp.now().normalize()
        rows = [r for t in TARGETS for r in baseline_rows(car, t, [], origin_date)]
        return pd.DataFrame(rows, columns=FORECAST_COLUMNS)
    series, tables, dates = _inputs(daily, themes)
    origin_date = dates[-1]
    rows = []
    for target in TARGETS:
        model = forecasters.get(target)
        if model is None:
            rows += baseline_rows(car, target, series[target].to_numpy(float), origin_date)
        else:
            rows += _model_rows(car, model, tables[target][-1], origin_date)
    return pd.DataFrame(rows, columns=FORECAST_COLUMNS)


def _clip(target: str, quantiles: np.ndarray) -> np.ndarray:
    low, high = (0.0, np.inf) if target == "mentions" else (-1.0, 1.0)
    return np.sort(np.clip(quantiles, low, high), axis=1)


def backtest_target(
    target: str,
    values: np.ndarray,
    table: np.ndarray | None,
    dates: pd.DatetimeIndex,
    origins: list[int],
    horizons=BACKTEST_HORIZONS,
) -> tuple[list[dict], np.ndarray]:
    """Scored windows ({method, horizon, origin, mase, hits, days}) of every origin, and the
    model's conformity scores of all back-test days (for the final range's widening).

    Origins run oldest first; each origin's model range is widened by the conformal
    correction from the earlier origins' days observed by then, so its coverage is out of
    sample. With ``table`` None only the baselines are scored (a car without a model).
    """
    windows: list[dict] = []
    scored_days: list[int] = []
    scores: list[float] = []
    n = len(values)
    for origin in sorted(origins):
        longest = max((h for h in horizons if origin + h <= n - 1), default=0)
        if not longest:
            continue
        steps = list(range(1, longest + 1))
        predicted = {
            "seasonal_naive": _clip(target, bt.seasonal_naive_quantiles(values, origin, steps)),
            "recent28": _clip(target, bt.recent_quantiles(values, origin, steps)),
        }
        if table is not None:
            model = QuantileForecaster(target, log_target=target == "mentions")
            model.fit(table, values, dates, origin)
            known = [s for d, s in zip(scored_days, scores, strict=True) if d <= origin]
            model.widen = conformal_widening(known)
            predicted["lightgbm"] = model.predict(table[origin], dates[origin], steps)
            raw = model.predict_scaled(table[origin], dates[origin], steps)
            actual = model.scale(values[origin + 1 : origin + 1 + longest])
            scores += np.maximum(raw[:, 0] - actual, actual - raw[:, 2]).tolist()
            scored_days += [origin + h for h in steps]
        history = values[: origin + 1]
        for horizon in horizons:
            if origin + horizon > n - 1:
                continue
            actual = values[origin + 1 : origin + 1 + horizon]
            for method, quantiles in predicted.items():
                window = quantiles[:horizon]
                windows.append(
                    {
                        "target": target,
                        "method": method,
                        "horizon": horizon,
                        "origin": dates[origin],
                        "mase": mase(actual, window[:, 1], history),
                        "hits": int(inside(actual, window).sum()),
                        "days": horizon,
                    }
                )
    return windows, np.asarray(scores, float)


def _inputs(
    daily: pd.DataFrame, themes: pd.DataFrame | None
) -> tuple[dict[str, pd.Series], dict[str, np.ndarray], pd.DatetimeIndex]:
    series = target_series(daily)
    dates = pd.DatetimeIndex(series["mentions"].index)
    theme_cols = theme_features(themes, dates)
    tables = {
        target: origin_table(
            series[target].to_numpy(float),
            series["sentiment" if target == "mentions" else "mentions"].to_numpy(float),
            theme_cols,
        )
        for target in TARGETS
    }
    return series, tables, dates


def forecast_car(
    car: str, daily: pd.DataFrame, themes: pd.DataFrame | None = None, backtest: bool = True
) -> CarForecast:
    """Back-test (rolling origins), fit on all history and forecast one car's series.

    ``daily``: the car's rows of ``series.car_daily`` (date, mentions, scored, sentiment);
    ``themes``: optional daily theme counts (date, topic_id, n).
    """
    n = len(daily)
    total = float(daily["mentions"].sum()) if n else 0.0
    metrics: dict[str, float] = {"history_days": n, "mentions": total}
    if n == 0:
        origin_date = pd.Timestamp.now().normalize()
        rows = [r for t in TARGETS for r in baseline_rows(car, t, [], origin_date)]
        return CarForecast(
            pd.DataFrame(rows, columns=FORECAST_COLUMNS),
            metrics,
            "insufficient_history",
            {},
            {},
            origin_date=origin_date,
            baselines={t: baseline_quantiles([]) for t in TARGETS},
        )
    series, tables, dates = _inputs(daily, themes)
    origin_date = dates[-1]
    enough = n >= MIN_HISTORY_DAYS and total >= MIN_MENTIONS
    origins = bt.rolling_origins(
        n, BACKTEST_STEP_DAYS, BACKTEST_ORIGINS, WARMUP_DAYS + MIN_TRAIN_DAYS
    )
    windows = []
    rows, models, origin_rows, baselines = [], {}, {}, {}
    for target in TARGETS:
        values = series[target].to_numpy(float)
        scores = np.zeros(0)
        if backtest:
            found, scores = backtest_target(
                target, values, tables[target] if enough else None, dates, origins
            )
            windows += found
        if not enough:
            rows += baseline_rows(car, target, values, origin_date)
            baselines[target] = baseline_quantiles(values)
            continue
        model = QuantileForecaster(target, log_target=target == "mentions")
        model.fit(tables[target], values, dates)
        model.widen = conformal_widening(scores)
        metrics[f"{target}_range_widening"] = model.widen
        models[target] = model
        origin_rows[target] = tables[target][-1]
        rows += _model_rows(car, model, tables[target][-1], origin_date)
    for target in TARGETS:
        metrics.update(bt.summarise([w for w in windows if w["target"] == target], target))
    return CarForecast(
        pd.DataFrame(rows, columns=FORECAST_COLUMNS),
        metrics,
        "ok" if enough else "insufficient_history",
        models,
        series,
        origin_rows,
        origin_date,
        baselines,
    )
