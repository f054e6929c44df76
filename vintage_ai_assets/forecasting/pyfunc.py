"""One car's attention forecasters as an MLflow pyfunc model."""

from __future__ import annotations

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, Schema

FORECASTER_SIGNATURE = ModelSignature(
    inputs=Schema([ColSpec("string", "target"), ColSpec("long", "horizon")]),
    outputs=Schema([ColSpec("double", "p10"), ColSpec("double", "p50"), ColSpec("double", "p90")]),
)


class ForecasterModel(mlflow.pyfunc.PythonModel):
    """An MLflow pyfunc wrapper holding one car's quantile forecasters (or its baseline).

    ``predict`` takes a frame with ``target`` and ``horizon`` columns and returns p10/p50/p90
    from the last day the models were fitted on (a flat recent range for a target without
    a model).
    """

    def __init__(self, forecast) -> None:
        self.origin_date = forecast.origin_date
        self.forecasters = dict(forecast.models)
        self.origin_rows = dict(forecast.origin_rows)
        self.baselines = dict(forecast.baselines)

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        rows = []
        for target, group in model_input.groupby("target", sort=False):
            horizons = group["horizon"].astype(int).tolist()
            if target in self.forecasters:
                out = self.forecasters[target].predict(
                    self.origin_rows[target], self.origin_date, horizons
                )
            elif target in self.baselines:
                out = np.tile(self.baselines[target], (len(horizons), 1))
            else:
                raise ValueError(f"unknown target {target!r}")
            rows.append(pd.DataFrame(out, columns=["p10", "p50", "p90"], index=group.index))
        return pd.concat(rows).loc[model_input.index]
