"""Value direction: the probability that a car's price index is higher in 6 months.

Input is the monthly price index per car (``series.price_index.monthly_price_index``:
car, month, lots, index_value …) and, optionally, monthly attention per car (car, month and
numeric columns such as mentions, sentiment, theme-share growth). A month's index rests on
a handful of sales, so the series is read through its *level*: the lots-weighted mean of
the log index over the last ``smooth`` months (3 by default). The label of a car-month t
is ``level(t + 6) > level(t)``; the two windows do not overlap.

Features of a car-month use only months up to t: momentum of the level over 3, 6 and 12
months, the gap between the level and the car's 12-month mean log index, volatility (the
spread of the log index over 12 months), lots sold in the last 6 months and their trend,
months since the last sale, the market's median 6-month momentum over all cars, and, when
attention is given, each attention column's 3-month level and 3-month change. One pooled
classifier serves every car: a strongly regularised logistic regression (default) or a
small LightGBM. A car-month needs 12 months of history and a 6-month momentum to be
scored; otherwise the car gets the status ``insufficient_history`` (or ``no_recent_sales``)
and the training base rate as its probability, never a confident number from nothing.

:func:`backtest_direction` is the rolling-origin back-test: at each origin T the model is
trained only on car-months whose outcome month is at or before T, from an index that
holds nothing after T, and scores the car-months at T; it is compared with "same as the
last 6 months", "always up" and the training base rate on accuracy and Brier score.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from vintage_ai_assets.metrics import accuracy, brier

if TYPE_CHECKING:  # imported where a model is fitted (scikit-learn, lightgbm, scipy: ~0.7 s)
    import lightgbm as lgb
    from sklearn.pipeline import Pipeline

HORIZON_MONTHS = 6
SMOOTH_MONTHS = 3
MIN_HISTORY_MONTHS = 12
MIN_TRAIN_ROWS = 60
METHODS = ("logistic", "lightgbm")
OK = "ok"
INSUFFICIENT = "insufficient_history"
NO_RECENT_SALES = "no_recent_sales"
PRICE_FEATURES = [
    "mom3",
    "mom6",
    "mom12",
    "gap12",
    "volatility12",
    "lots6",
    "lots_trend",
    "months_since_sale",
    "market_mom6",
]
LOGISTIC_C = 0.05
LGB_PARAMS: dict[str, object] = {
    "n_estimators": 150,
    "learning_rate": 0.03,
    "num_leaves": 4,
    "max_depth": 2,
    "min_child_samples": 50,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 10.0,
    "random_state": 0,
    "deterministic": True,
    "force_col_wise": True,
    "n_jobs": 1,
    "verbose": -1,
}
VOLUME_WORDS = ("mention", "volume", "count", "posts")


def _month(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.to_period("M").dt.to_timestamp()


def _wide(
    index: pd.DataFrame, last_month: pd.Timestamp | None
) -> tuple[list[str], pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """(cars, months, lots matrix, log-index matrix), cars × months, NaN where no index."""
    index = index.assign(month=_month(index["month"]))
    index = index[index["index_value"].gt(0) & index["month"].notna()]
    if index.empty:
        return [], pd.DatetimeIndex([]), np.zeros((0, 0)), np.zeros((0, 0))
    last = pd.Timestamp(last_month) if last_month is not None else index["month"].max()
    index = index[index["month"] <= last]
    months = pd.date_range(index["month"].min(), last, freq="MS")
    monthly = index.groupby(["car", "month"]).agg(
        lots=("lots", "sum"), index_value=("index_value", "mean")
    )
    lots = monthly["lots"].unstack("month").reindex(columns=months)
    values = monthly["index_value"].unstack("month").reindex(columns=months)
    cars = [str(c) for c in lots.index]
    return cars, months, lots.fillna(0.0).to_numpy(float), np.log(values.to_numpy(float))


def _shift(matrix: np.ndarray, k: int) -> np.ndarray:
    """Each row moved ``k`` columns later (``k`` < 0: earlier), NaN where nothing moves in."""
    out = np.full_like(matrix, np.nan, dtype=float)
    if k > 0:
        out[:, k:] = matrix[:, :-k]
    elif k < 0:
        out[:, :k] = matrix[:, -k:]
    else:
        out[:] = matrix
    return out


def _rolling_sum(matrix: np.ndarray, k: int) -> np.ndarray:
    """Sum over the last ``k`` columns (NaN counted as 0)."""
    total = np.cumsum(np.nan_to_num(matrix), axis=1)
    before = _shift(total, k)
    return total - np.nan_to_num(before)


def _nanmedian_columns(matrix: np.ndarray) -> np.ndarray:
    out = np.full(matrix.shape[1], np.nan)
    for j in range(matrix.shape[1]):
        column = matrix[:, j]
        column = column[~np.isnan(column)]
        if column.size:
            out[j] = np.median(column)
    return out


def _attention_matrices(
    attention: pd.DataFrame | None, cars: list[str], months: pd.DatetimeIndex
) -> dict[str, np.ndarray]:
    if attention is None or attention.empty or not cars:
        return {}
    attention = attention.assign(month=_month(attention["month"]), car=attention["car"].astype(str))
    columns = [
        c
        for c in attention.columns
        if c not in ("car", "month") and pd.api.types.is_numeric_dtype(attention[c])
    ]
    monthly = attention.groupby(["car", "month"])[columns].mean()
    features = {}
    for column in sorted(columns):
        wide = monthly[column].unstack("month").reindex(index=cars, columns=months)
        values = wide.to_numpy(float)
        if any(word in column.lower() for word in VOLUME_WORDS):
            values = np.log1p(np.clip(values, 0, None))
        count = _rolling_sum((~np.isnan(values)).astype(float), 3)
        level = np.where(count > 0, _rolling_sum(values, 3) / np.maximum(count, 1), np.nan)
        features[f"att_{column}_level"] = level
        features[f"att_{column}_change"] = level - _shift(level, 3)
    return features


def direction_features(
    index: pd.DataFrame,
    attention: pd.DataFrame | None = None,
    *,
    horizon: int = HORIZON_MONTHS,
    smooth: int = SMOOTH_MONTHS,
    last_month: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """One row per car and month: features (from months up to it), level, target, status.

    ``target`` is 1.0/0.0 when the level ``horizon`` months later is known, else NaN;
    ``outcome_month`` is the month that decides it. ``usable`` marks rows with enough
    history to be scored. Every car's rows run from its first indexed month to
    ``last_month`` (default: the last month in ``index``), so a car whose sales stopped
    reads as stale. Index rows after ``last_month`` are ignored.
    """
    cars, months, lots, log_index = _wide(index, last_month)
    base = ["car", "month", "level", "history_months", "usable", "target", "outcome_month"]
    if not cars:
        return pd.DataFrame(columns=[*base, *PRICE_FEATURES])
    observed = ~np.isnan(log_index)
    weights = np.where(observed, lots, 0.0)
    weight_sum = _rolling_sum(weights, smooth)
    with np.errstate(invalid="ignore", divide="ignore"):
        level = np.where(
            weight_sum > 0, _rolling_sum(log_index * weights, smooth) / weight_sum, np.nan
        )
        count12 = _rolling_sum(observed.astype(float), 12)
        mean12 = _rolling_sum(log_index, 12) / count12
        squares12 = _rolling_sum(log_index**2, 12)
        variance = (squares12 - count12 * mean12**2) / (count12 - 1)
        volatility = np.where(count12 >= 3, np.sqrt(np.clip(variance, 0, None)), np.nan)
    lots6 = np.log1p(_rolling_sum(lots, 6))
    columns = np.arange(len(months))
    first = np.argmax(observed, axis=1)
    sale_column = np.where(lots > 0, columns[None, :], -1)
    last_sale = np.maximum.accumulate(sale_column, axis=1)
    future = _shift(level, -horizon)
    mom6 = level - _shift(level, 6)
    history = columns[None, :] - first[:, None] + 1
    matrices = {
        "level": level,
        "mom3": level - _shift(level, 3),
        "mom6": mom6,
        "mom12": level - _shift(level, 12),
        "gap12": level - mean12,
        "volatility12": volatility,
        "lots6": lots6,
        "lots_trend": lots6 - _shift(lots6, 6),
        "months_since_sale": np.where(last_sale >= 0, columns[None, :] - last_sale, np.nan),
        "market_mom6": np.broadcast_to(_nanmedian_columns(mom6), level.shape),
        "history_months": history.astype(float),
        "target": np.where(
            np.isnan(future) | np.isnan(level), np.nan, (future > level).astype(float)
        ),
        **_attention_matrices(attention, cars, months),
    }
    keep = history >= 1
    car_pos, month_pos = np.nonzero(keep)
    frame = pd.DataFrame(
        {
            "car": np.asarray(cars, dtype=object)[car_pos],
            "month": months[month_pos],
            **{name: matrix[car_pos, month_pos] for name, matrix in matrices.items()},
        }
    )
    frame["history_months"] = frame["history_months"].astype(int)
    frame["usable"] = (
        (frame["history_months"] >= MIN_HISTORY_MONTHS)
        & frame["level"].notna()
        & frame["mom6"].notna()
    )
    frame["outcome_month"] = frame["month"] + pd.DateOffset(months=horizon)
    return frame


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """The model's feature columns present in a :func:`direction_features` frame."""
    return [*PRICE_FEATURES, *sorted(c for c in frame.columns if c.startswith("att_"))]


@dataclass
class DirectionModel:
    """A fitted pooled direction classifier."""

    method: str
    features: list[str]
    estimator: Pipeline | lgb.LGBMClassifier | None
    base_rate: float
    train_rows: int
    trained_through: pd.Timestamp | None  # the last outcome month it learnt from
    horizon: int = HORIZON_MONTHS
    smooth: int = SMOOTH_MONTHS
    info: dict = field(default_factory=dict)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """P(up) for each row of a :func:`direction_features` frame."""
        if self.estimator is None or frame.empty:
            return np.full(len(frame), self.base_rate)
        x = frame.reindex(columns=self.features).astype(float)
        return self.estimator.predict_proba(x)[:, 1]


def _estimator(method: str) -> Pipeline | lgb.LGBMClassifier:
    if method == "logistic":
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True),
            StandardScaler(),
            LogisticRegression(C=LOGISTIC_C, max_iter=1000),
        )
    if method == "lightgbm":
        import lightgbm as lgb

        return lgb.LGBMClassifier(**LGB_PARAMS)
    raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")


def fit_on_frame(
    frame: pd.DataFrame, as_of: pd.Timestamp | None = None, method: str = "logistic"
) -> DirectionModel:
    """Fit on the usable rows of ``frame`` whose outcome month is at or before ``as_of``."""
    rows = frame[frame["usable"].astype(bool) & frame["target"].notna()]
    if as_of is not None:
        rows = rows[rows["outcome_month"] <= pd.Timestamp(as_of)]
    features = feature_columns(frame)
    base_rate = float(rows["target"].mean()) if len(rows) else 0.5
    through = rows["outcome_month"].max() if len(rows) else None
    if len(rows) < MIN_TRAIN_ROWS or rows["target"].nunique() < 2:
        return DirectionModel(method, features, None, base_rate, len(rows), through)
    estimator = _estimator(method)
    estimator.fit(rows[features].astype(float), rows["target"].astype(int))
    return DirectionModel(method, features, estimator, base_rate, len(rows), through)


def fit_direction_model(
    index: pd.DataFrame,
    attention: pd.DataFrame | None = None,
    *,
    method: str = "logistic",
    as_of: pd.Timestamp | None = None,
) -> DirectionModel:
    """Fit the pooled classifier on every car-month whose 6-month outcome is known.

    ``as_of`` (a month) restricts training to what was known then: the index is cut
    after it and only outcomes up to it are used. With too few labelled car-months
    (fewer than 60, or one class only) the model falls back to the base rate.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    if as_of is not None:
        as_of = pd.Timestamp(as_of)
        index = index[_month(index["month"]) <= as_of]
        if attention is not None:
            attention = attention[_month(attention["month"]) <= as_of]
    frame = direction_features(index, attention)
    return fit_on_frame(frame, as_of, method)


def latest_direction(
    model: DirectionModel,
    index: pd.DataFrame,
    attention: pd.DataFrame | None = None,
    *,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The latest probability of a higher index in 6 months, one row per car.

    Columns: car, month, probability, status, history_months, months_since_sale, method.
    Status ``ok``: scored by the model; ``insufficient_history``: fewer than 12 months
    of index or no level 6 months ago; ``no_recent_sales``: history, but no sale in the
    last 3 months. Cars that are not ``ok`` get the model's base rate.
    """
    month_index = _month(index["month"])
    last = pd.Timestamp(as_of) if as_of is not None else month_index.max()
    index = index[month_index <= last]
    frame = direction_features(index, attention, last_month=last)
    columns = ["car", "month", "probability", "status", "history_months", "months_since_sale"]
    if frame.empty:
        return pd.DataFrame(columns=[*columns, "method"])
    latest = frame[frame["month"] == last].copy()
    usable = latest["usable"].astype(bool).to_numpy()
    probability = np.full(len(latest), model.base_rate)
    if usable.any():
        probability[usable] = model.predict_proba(latest[usable])
    latest["probability"] = probability
    long_enough = (latest["history_months"] >= MIN_HISTORY_MONTHS).to_numpy()
    unsold = latest["level"].isna().to_numpy()
    latest["status"] = np.where(
        usable, OK, np.where(long_enough & unsold, NO_RECENT_SALES, INSUFFICIENT)
    )
    latest["method"] = np.where(usable & (model.estimator is not None), model.method, "base_rate")
    cars = sorted(index["car"].unique())
    latest = latest.set_index("car").reindex(cars)
    missing = latest["month"].isna()
    latest.loc[missing, ["probability", "status", "method"]] = [
        model.base_rate,
        INSUFFICIENT,
        "base_rate",
    ]
    latest.loc[missing, "month"] = last
    latest["history_months"] = latest["history_months"].fillna(0).astype(int)
    return latest.reset_index()[[*columns, "method"]]


@dataclass
class Backtest:
    """Rolling-origin predictions (one row per car and origin) and their scores."""

    predictions: pd.DataFrame
    metrics: dict[str, dict[str, float]]
    origins: list[pd.Timestamp]
    series: int


BASELINES = ("persistence", "persistence_soft", "always_up", "base_rate")


def backtest_direction(
    index: pd.DataFrame,
    attention: pd.DataFrame | None = None,
    *,
    method: str = "logistic",
    first_origin: pd.Timestamp | None = None,
    step: int = 1,
    index_asof: Callable[[pd.Timestamp], pd.DataFrame] | None = None,
    horizon: int = HORIZON_MONTHS,
) -> Backtest:
    """Expanding-window back-test; each origin sees only data up to it.

    At origin T the features come from the index cut after T (or ``index_asof(T)``, an
    index rebuilt from the sales up to T) and the model learns only from car-months
    whose outcome month is at or before T. Outcomes are judged on the full ``index``.
    Origins run every ``step`` months from ``first_origin`` (default: 18 months after the
    first month) to the last month whose outcome is known.
    """
    months = _month(index["month"])
    truth = direction_features(index, horizon=horizon)
    truth = truth[truth["target"].notna()].set_index(["car", "month"])["target"]
    last_origin = months.max() - pd.DateOffset(months=horizon)
    start = (
        pd.Timestamp(first_origin)
        if first_origin is not None
        else months.min() + pd.DateOffset(months=MIN_HISTORY_MONTHS + horizon)
    )
    rows, origins = [], []
    for origin in pd.date_range(start, last_origin, freq=f"{step}MS"):
        source = index_asof(origin) if index_asof is not None else index
        source = source[_month(source["month"]) <= origin]
        seen_attention = (
            attention[_month(attention["month"]) <= origin] if attention is not None else None
        )
        frame = direction_features(source, seen_attention, horizon=horizon, last_month=origin)
        model = fit_on_frame(frame, origin, method)
        if model.estimator is None:
            continue
        now = frame[(frame["month"] == origin) & frame["usable"].astype(bool)]
        keys = pd.MultiIndex.from_frame(now[["car", "month"]])
        outcome = truth.reindex(keys).to_numpy(float)
        known = ~np.isnan(outcome)
        if not known.any():
            continue
        now, outcome = now[known], outcome[known]
        train = frame[frame["usable"].astype(bool) & frame["target"].notna()]
        train = train[train["outcome_month"] <= origin]
        persisted = float(((train["mom6"] > 0).astype(float) == train["target"]).mean())
        up = (now["mom6"] > 0).to_numpy(float)
        origins.append(origin)
        rows.append(
            pd.DataFrame(
                {
                    "car": now["car"].to_numpy(),
                    "origin": origin,
                    "outcome": outcome,
                    "model": model.predict_proba(now),
                    "persistence": up,
                    "persistence_soft": np.where(up == 1.0, persisted, 1.0 - persisted),
                    "always_up": 1.0,
                    "base_rate": model.base_rate,
                    "train_rows": model.train_rows,
                    "trained_through": model.trained_through,
                }
            )
        )
    predictions = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    metrics = {}
    if not predictions.empty:
        for name in ("model", *BASELINES):
            metrics[name] = {
                "accuracy": accuracy(predictions[name], predictions["outcome"]),
                "brier": brier(predictions[name], predictions["outcome"]),
            }
    series = int(predictions["car"].nunique()) if not predictions.empty else 0
    return Backtest(predictions, metrics, origins, series)
