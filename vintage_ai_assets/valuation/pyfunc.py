"""The value-direction classifier and the sold-price model as MLflow pyfunc models."""

from __future__ import annotations

import mlflow.pyfunc
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, Schema


class DirectionPyfunc(mlflow.pyfunc.PythonModel):
    """The pooled value-direction classifier as an MLflow pyfunc.

    ``predict`` takes rows of ``valuation.direction.direction_features`` (the feature
    columns; others are ignored) and returns ``probability``: P(index higher in 6 months).
    """

    def __init__(self, model) -> None:
        self.model = model

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        return pd.DataFrame({"probability": self.model.predict_proba(model_input)})


def direction_signature(features: list[str]) -> ModelSignature:
    return ModelSignature(
        inputs=Schema([ColSpec("double", name, required=False) for name in features]),
        outputs=Schema([ColSpec("double", "probability")]),
    )


class PricePyfunc(mlflow.pyfunc.PythonModel):
    """The global sold-price model as an MLflow pyfunc.

    ``predict`` takes auction lots (make, model, year, mileage, sold_at, title; optionally
    description, attributes and listing columns) and returns p10, p50, p90 in USD. It is
    logged without an input signature, so years may be integers or missing.
    """

    def __init__(self, model) -> None:
        self.model = model

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        return self.model.predict(model_input).reset_index(drop=True)


PRICE_SIGNATURE = ModelSignature(
    inputs=None,
    outputs=Schema([ColSpec("double", "p10"), ColSpec("double", "p50"), ColSpec("double", "p90")]),
)
