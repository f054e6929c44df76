"""MLflow tracking: one run per car and model family, with params, metrics and the model."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, Schema

PIP_REQUIREMENTS = ["lightgbm", "pandas", "numpy", "scikit-learn"]
FORECASTER_SIGNATURE = ModelSignature(
    inputs=Schema([ColSpec("string", "target"), ColSpec("long", "horizon")]),
    outputs=Schema([ColSpec("double", "p10"), ColSpec("double", "p50"), ColSpec("double", "p90")]),
)


class ForecasterModel(mlflow.pyfunc.PythonModel):
    """An MLflow pyfunc wrapper holding one car's quantile forecasters.

    ``predict`` takes a frame with ``target`` and ``horizon`` columns and returns p10/p50/p90
    from the last origin the models were fitted on.
    """

    def __init__(self, forecasters: Mapping, series: Mapping) -> None:
        self.forecasters = dict(forecasters)
        self.series = {k: (v.to_numpy(float), v.index) for k, v in series.items()}

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:

        rows = []
        for target, group in model_input.groupby("target", sort=False):
            values, dates = self.series[target]
            out = self.forecasters[target].predict(
                values, dates, len(values) - 1, group["horizon"].tolist()
            )
            rows.append(pd.DataFrame(out, columns=["p10", "p50", "p90"], index=group.index))
        return pd.concat(rows).loc[model_input.index]


def configure(tracking_uri: str, artifacts: Path) -> None:
    """Point MLflow at the platform's sqlite store (quietly: no telemetry, no git probing)."""
    import mlflow

    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    artifacts.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(tracking_uri)


def experiment_id(name: str, artifacts: Path) -> str:
    import mlflow

    existing = mlflow.get_experiment_by_name(name)
    if existing is not None:
        return existing.experiment_id
    return mlflow.create_experiment(name, artifact_location=(artifacts / name).as_uri())


def log_training_run(
    tracking_uri: str,
    artifacts: Path,
    experiment: str,
    run_name: str,
    params: Mapping[str, object],
    metrics: Mapping[str, float],
    tags: Mapping[str, str],
    python_model: object | None = None,
) -> tuple[str, str | None]:
    """Log one training run; returns (run id, model URI or None)."""
    import mlflow

    configure(tracking_uri, artifacts)
    with mlflow.start_run(
        experiment_id=experiment_id(experiment, artifacts), run_name=run_name
    ) as run:
        mlflow.set_tags(dict(tags))
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        clean = {k: float(v) for k, v in metrics.items() if v is not None and np.isfinite(v)}
        if clean:
            mlflow.log_metrics(clean)
        model_uri = None
        if python_model is not None:
            info = mlflow.pyfunc.log_model(
                name="model",
                python_model=python_model,
                pip_requirements=PIP_REQUIREMENTS,
                signature=FORECASTER_SIGNATURE,
            )
            model_uri = info.model_uri
        return run.info.run_id, model_uri
