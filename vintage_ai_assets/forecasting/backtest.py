"""Rolling-origin back-tests of daily forecasts: origins, baselines and metrics.

A back-test origin T is a day the forecaster is refitted on data up to T only and asked
for the next H days; its forecasts are scored on the days T+1..T+H. Origins step back from
the last day every ``step`` days (the newest window ends on the last observed day), so
each car is scored over its most recent months, as it will be used.

Baselines (each gives p10/p50/p90, so coverage is comparable):

- ``seasonal_naive``: the same weekday of the last observed week; its range adds the
  10% / 90% quantiles of the week-on-week changes of the last 91 days.
- ``recent28``: the median of the last 28 days with their empirical 10%–90% range, flat
  over the horizon (the forecast a car with too little history gets).

Metrics: MASE (mean absolute error of p50 scaled by the in-sample mean absolute error of
the weekly naive forecast, on the history up to the origin; averaged over origins) and
coverage (share of actual days inside p10–p90, pooled over origins; 0.8 is calibrated).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

SEASON = 7
NAIVE_ERROR_WINDOW = 91
RECENT_WINDOW = 28


def rolling_origins(n_days: int, step: int, count: int, first_allowed: int) -> list[int]:
    """Origins (day positions) ``step`` days apart, newest first ending ``step`` days before the
    last day, no earlier than ``first_allowed``; oldest first in the result."""
    origins = [n_days - 1 - step * k for k in range(1, count + 1)]
    return sorted(o for o in origins if o >= first_allowed)


def seasonal_naive(values: np.ndarray, origin: int, horizons: Sequence[int]) -> np.ndarray:
    """Same weekday of the last observed week (point forecast)."""
    return np.array([values[origin - SEASON + 1 + ((h - 1) % SEASON)] for h in horizons], float)


def seasonal_naive_quantiles(
    values: np.ndarray, origin: int, horizons: Sequence[int]
) -> np.ndarray:
    """Weekly naive p50 with the spread of recent week-on-week changes, shape (len(h), 3)."""
    point = seasonal_naive(values, origin, horizons)
    recent = values[max(0, origin - NAIVE_ERROR_WINDOW + 1) : origin + 1]
    changes = recent[SEASON:] - recent[:-SEASON]
    low, high = np.quantile(changes, [0.1, 0.9]) if len(changes) else (0.0, 0.0)
    return np.sort(np.column_stack([point + low, point, point + high]), axis=1)


def recent_quantiles(values: np.ndarray, origin: int, horizons: Sequence[int]) -> np.ndarray:
    """The last 28 days' median and 10%–90% range, flat, shape (len(h), 3)."""
    recent = values[max(0, origin - RECENT_WINDOW + 1) : origin + 1]
    if not len(recent):
        recent = np.zeros(1)
    return np.tile(np.quantile(recent, [0.1, 0.5, 0.9]), (len(horizons), 1))


def summarise(windows: list[dict], prefix: str) -> dict[str, float]:
    """Metrics from scored windows ({method, horizon, mase, hits, days}).

    ``{prefix}_{H}d_{method}_mase`` (mean over origins), ``…_coverage`` (pooled) and
    ``{prefix}_{H}d_windows`` (origins scored).
    """
    out: dict[str, float] = {}
    keys = sorted({(w["horizon"], w["method"]) for w in windows})
    for horizon, method in keys:
        part = [w for w in windows if w["horizon"] == horizon and w["method"] == method]
        scores = [w["mase"] for w in part if np.isfinite(w["mase"])]
        days = sum(w["days"] for w in part)
        out[f"{prefix}_{horizon}d_{method}_mase"] = (
            float(np.mean(scores)) if scores else float("nan")
        )
        out[f"{prefix}_{horizon}d_{method}_coverage"] = (
            float(sum(w["hits"] for w in part) / days) if days else float("nan")
        )
        out[f"{prefix}_{horizon}d_windows"] = float(len(part))
    return out


def across_cars(
    metrics: pd.DataFrame, targets: Sequence[str], horizons: Sequence[int], methods: Sequence[str]
) -> pd.DataFrame:
    """One row per target × horizon × method from per-car metrics (rows: cars, columns as
    :func:`summarise` names them): mean and median MASE, mean coverage, cars scored, and
    the share of cars where the method's MASE beats the weekly seasonal-naive's."""
    rows = []
    for target in targets:
        for horizon in horizons:
            naive = metrics.get(f"{target}_{horizon}d_seasonal_naive_mase")
            for method in methods:
                mase = metrics.get(f"{target}_{horizon}d_{method}_mase")
                coverage = metrics.get(f"{target}_{horizon}d_{method}_coverage")
                if mase is None or mase.isna().all():
                    continue
                both = mase.notna() & naive.notna() if naive is not None else mase.notna()
                rows.append(
                    {
                        "target": target,
                        "horizon": f"{horizon}d",
                        "method": method,
                        "mean_mase": round(float(mase.mean()), 3),
                        "median_mase": round(float(mase.median()), 3),
                        "mean_coverage_p10_p90": round(float(coverage.mean()), 3),
                        "beats_seasonal_naive": round(float((mase < naive)[both].mean()), 3)
                        if naive is not None and both.any()
                        else None,
                        "cars": int(mase.notna().sum()),
                    }
                )
    return pd.DataFrame(rows)
