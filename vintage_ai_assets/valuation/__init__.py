"""Valuation: sold-price estimates with a range, and the 6-month value direction per car."""

from vintage_ai_assets.valuation.direction import (
    DirectionModel,
    backtest_direction,
    fit_direction_model,
    latest_direction,
)
from vintage_ai_assets.valuation.prices import PriceModel, fit_price_model

__all__ = [
    "DirectionModel",
    "PriceModel",
    "backtest_direction",
    "fit_direction_model",
    "fit_price_model",
    "latest_direction",
]
