"""How good a prediction is: the scores forecasting, valuation and the evaluations share.

- :func:`rmsle`: root mean squared error of log prices (sold-price models);
- :func:`brier`, :func:`accuracy`: probabilities of "up" against 0/1 outcomes (value direction);
- :func:`mase`: mean absolute error scaled by the in-sample seasonal-naive error (forecasts);
- :func:`inside`: whether actuals fall within their p10–p90 ranges (coverage).
"""

from __future__ import annotations

import numpy as np


def rmsle(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Root mean squared error of log prices."""
    actual, predicted = np.asarray(actual, float), np.asarray(predicted, float)
    return float(np.sqrt(np.mean((np.log(actual) - np.log(predicted)) ** 2)))


def brier(probability: np.ndarray, outcome: np.ndarray) -> float:
    """Mean squared error of probabilities against 0/1 outcomes."""
    return float(np.mean((np.asarray(probability, float) - np.asarray(outcome, float)) ** 2))


def accuracy(probability: np.ndarray, outcome: np.ndarray) -> float:
    """Share of outcomes on the side of 0.5 the probability is on (0.5 counts as up)."""
    return float(np.mean((np.asarray(probability) >= 0.5) == (np.asarray(outcome) >= 0.5)))


def mase(actual: np.ndarray, predicted: np.ndarray, history: np.ndarray, season: int = 7) -> float:
    """Mean absolute scaled error against the in-sample seasonal-naive error of ``history``."""
    history = np.asarray(history, float)
    scale = np.mean(np.abs(history[season:] - history[:-season])) if len(history) > season else 0.0
    if not scale or not np.isfinite(scale):
        return float("nan")
    return float(np.mean(np.abs(np.asarray(actual, float) - np.asarray(predicted, float))) / scale)


def inside(actual: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Whether each actual lies within its p10–p90 (columns 0 and 2 of ``quantiles``)."""
    actual = np.asarray(actual, float)
    return (actual >= quantiles[:, 0] - 1e-12) & (actual <= quantiles[:, 2] + 1e-12)
