"""models and forecasts: per-car LightGBM forecasters tracked in MLflow, and their forecasts."""

import json
from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from vintage_ai_assets import schemas
from vintage_ai_assets.defs.platform.partitions import all_days
from vintage_ai_assets.defs.platform.resources import MLflowResource, WarehouseResource
from vintage_ai_assets.defs.platform.warehouse_asset import warehouse_asset
from vintage_ai_assets.forecasting import attention
from vintage_ai_assets.forecasting import backtest as bt
from vintage_ai_assets.parallel import map_in_processes
from vintage_ai_assets.progress import Progress
from vintage_ai_assets.reports.plots import forecast_grid
from vintage_ai_assets.series.daily import load_cars_daily, load_cars_themes
from vintage_ai_assets.tracking import configure, load_pyfunc, log_training_run

EXPERIMENT = "attention-forecasts"


def backtest_table(metrics: pd.DataFrame) -> str:
    """Markdown: per car, target and horizon, MASE and p10–p90 coverage of each method."""
    rows = []
    for car, m in metrics.iterrows():
        for target in attention.TARGETS:
            for horizon in attention.BACKTEST_HORIZONS:
                row = {"car": car, "target": target, "horizon": f"{horizon}d"}
                for method in attention.METHODS:
                    for what in ("mase", "coverage"):
                        value = m.get(f"{target}_{horizon}d_{method}_{what}")
                        row[f"{method} {what}"] = (
                            round(float(value), 3) if pd.notna(value) else None
                        )
                rows.append(row)
    return pd.DataFrame(rows).to_markdown(index=False) if rows else ""


def summary_table(metrics: pd.DataFrame) -> str:
    """Markdown: across cars, each target × horizon × method (MASE, coverage)."""
    table = bt.across_cars(
        metrics, attention.TARGETS, attention.BACKTEST_HORIZONS, attention.METHODS
    )
    return table.to_markdown(index=False) if len(table) else ""


@warehouse_asset(
    ["models", "attention_models"],
    partitions="car",
    schema=schemas.ATTENTION_MODELS,
    partition_expr="car",
    kinds=("lightgbm", "mlflow"),
    user_facing=True,
    deps=[
        all_days(["series", "car_daily"]),
        dg.AssetKey(["nlp", "car_topics"]),
        dg.AssetKey(["nlp", "mention_topics"]),
    ],
)
def attention_models(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, mlflow_store: MLflowResource
) -> dg.Output:
    """Per car: LightGBM quantile forecasters (p10/p50/p90) of daily mention volume and
    sentiment (lags, rolling statistics, calendar, the other target, theme shares),
    back-tested from rolling origins (every 30 days over the last 180, 30 and 90 days ahead)
    against seasonal-naive and the recent 28-day range on MASE and p10–p90 coverage; one
    MLflow run per car with the metrics and the model (a baseline model when history is
    insufficient)."""
    # MLflow (~0.8 s to import) only where a model is logged or loaded, not when Dagster
    # loads the definitions.
    from vintage_ai_assets.forecasting.pyfunc import FORECASTER_SIGNATURE, ForecasterModel

    store = warehouse.get()
    rows = []
    cars = list(context.partition_keys)
    dailies, themes = load_cars_daily(store, cars), load_cars_themes(store, cars)
    # The back-tests and fits run in worker processes, one car each (CPU-bound LightGBM);
    # MLflow logging stays here, in order.
    fitting = Progress("fitted and back-tested", len(cars), "cars", context.log.info)
    results = map_in_processes(
        attention.forecast_car,
        cars,
        [dailies[c] for c in cars],
        [themes[c] for c in cars],
        on_done=fitting.advance,
    )
    logged = Progress("logged to MLflow", len(cars), "cars", context.log.info)
    for car, result in zip(cars, results, strict=True):
        run_id, model_uri = log_training_run(
            mlflow_store.tracking_uri,
            mlflow_store.artifacts_dir(),
            EXPERIMENT,
            run_name=car,
            params={
                **attention.LGB_PARAMS,
                "quantiles": attention.QUANTILES,
                "horizon_days": attention.HORIZON_DAYS,
                "train_horizons": attention.TRAIN_HORIZONS,
                "features": attention.FEATURE_NAMES,
                "backtest": f"{attention.BACKTEST_ORIGINS} origins every "
                f"{attention.BACKTEST_STEP_DAYS} days, horizons {attention.BACKTEST_HORIZONS}",
                "status": result.status,
            },
            metrics=result.metrics,
            tags={
                "car": car,
                "family": "attention",
                "status": result.status,
                "dagster_run_id": context.run.run_id,
            },
            python_model=ForecasterModel(result),
            signature=FORECASTER_SIGNATURE,
        )
        context.log.debug(f"{car}: {result.status}")
        logged.advance()
        rows.append(
            {
                "car": car,
                "status": result.status,
                "history_days": int(result.metrics.get("history_days", 0)),
                "metrics": json.dumps(result.metrics, default=float, sort_keys=True),
                "run_id": run_id,
                "model_uri": model_uri,
                "trained_at": datetime.now(UTC).replace(tzinfo=None),
            }
        )
    out = pd.DataFrame(rows, columns=list(schemas.ATTENTION_MODELS.columns))
    metrics = pd.DataFrame([json.loads(m) for m in out["metrics"]], index=out["car"])
    for car in metrics.index:
        context.add_asset_metadata(
            {
                "status": str(out.set_index("car").loc[car, "status"]),
                "backtest": dg.MetadataValue.md(backtest_table(metrics.loc[[car]])),
            },
            partition_key=car,
        )
    return dg.Output(
        out,
        metadata={
            "cars": dg.MetadataValue.int(len(out)),
            "insufficient_history": dg.MetadataValue.int(int((out["status"] != "ok").sum())),
            "backtest_summary": dg.MetadataValue.md(summary_table(metrics)),
            "mlflow_experiment": EXPERIMENT,
        },
    )


@warehouse_asset(
    ["forecasts", "car_forecasts"],
    partitions="car",
    schema=schemas.CAR_FORECASTS,
    partition_expr="car",
    kinds=("mlflow", "duckdb"),
    user_facing=True,
    daily_per_car=True,
    ins={"models": dg.AssetIn(key=["models", "attention_models"])},
)
def car_forecasts(
    context: dg.AssetExecutionContext,
    models: pd.DataFrame,
    warehouse: WarehouseResource,
    mlflow_store: MLflowResource,
) -> dg.Output:
    """Per car: the next 90 days of mention volume and sentiment with p10/p50/p90, from the
    forecasters logged in MLflow by the car's last training run, applied to the series as it
    is now (origin: its latest day), so a model retrained weekly forecasts from yesterday;
    the recent 28-day range where a target has no model (insufficient history)."""

    configure(mlflow_store.tracking_uri, mlflow_store.artifacts_dir())
    store = warehouse.get()
    frames, history = [], []
    trained = {row.car: row for row in models.itertuples(index=False)}
    cars = list(context.partition_keys)
    dailies, all_themes = load_cars_daily(store, cars), load_cars_themes(store, cars)
    progress = Progress("forecast", len(cars), "cars", context.log.info)
    for car in cars:
        progress.advance()
        daily = dailies[car]
        row = trained.get(car)
        forecasters = {}
        if row is not None and row.model_uri:
            loaded = load_pyfunc(row.model_uri, mlflow_store.artifacts_dir())
            forecasters = dict(loaded.unwrap_python_model().forecasters)
        elif row is None:
            context.log.warning(f"{car}: no trained model yet (models/attention_models): baseline")
        themes = all_themes[car] if forecasters else None
        frames.append(attention.forecast_with(car, forecasters, daily, themes))
        if len(daily):
            series = attention.target_series(daily)
            history.append(
                pd.DataFrame(
                    {
                        "car": car,
                        "date": series["mentions"].index,
                        "value": series["mentions"].to_numpy(),
                    }
                )
            )
    out = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=attention.FORECAST_COLUMNS)
    )
    headline = ""
    if len(out):
        month = (
            out[(out["target"] == "mentions") & (out["horizon"] <= 30)]
            .groupby("car")[["p10", "p50", "p90"]]
            .sum()
        )
        headline = month.round(0).astype(int).reset_index().to_markdown(index=False)
    plot = forecast_grid(
        pd.concat(history) if history else pd.DataFrame(columns=["car", "date", "value"]), out
    )
    ages = [
        (datetime.now(UTC).replace(tzinfo=None) - pd.Timestamp(r.trained_at)).days
        for r in trained.values()
        if pd.notna(r.trained_at)
    ]
    return dg.Output(
        out,
        metadata={
            "cars": dg.MetadataValue.int(out["car"].nunique() if len(out) else 0),
            "rows": dg.MetadataValue.int(len(out)),
            "origin": str(out["origin"].max().date()) if len(out) else "",
            "oldest_model_days": dg.MetadataValue.int(max(ages) if ages else 0),
            "next_30_days_mentions": dg.MetadataValue.md(headline),
            "plot": dg.MetadataValue.md(plot),
        },
    )
