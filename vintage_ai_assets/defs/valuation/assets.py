"""models and forecasts of value: 6-month value direction and sold-price estimates, per car.

Both models are fitted across all cars (a car rarely has enough sales of its own), so each
run refits them on the whole warehouse and writes the rows of the cars it covers. MLflow
gets one run per car and family (``value-direction``, ``price-model``) with the car's
figures, each linked to the shared model, which is logged once per Dagster run (run name
``pooled`` / ``global``).
"""

import json
from datetime import UTC, datetime

import dagster as dg
import numpy as np
import pandas as pd

from vintage_ai_assets import schemas
from vintage_ai_assets.defs.platform.partitions import all_days
from vintage_ai_assets.defs.platform.resources import MLflowResource, WarehouseResource
from vintage_ai_assets.defs.platform.warehouse_asset import warehouse_asset
from vintage_ai_assets.progress import PREFIX, Progress
from vintage_ai_assets.tracking import configure, load_pyfunc, log_training_run
from vintage_ai_assets.valuation import direction as direction_lib
from vintage_ai_assets.valuation import per_car
from vintage_ai_assets.valuation import prices as prices_lib

DIRECTION_EXPERIMENT = "value-direction"
PRICE_EXPERIMENT = "price-model"
LOT_COLUMNS = [
    "lot_id", "car", "sold_at", "make", "model", "year", "mileage", "price_usd", "title",
    "description", "attributes",
]  # fmt: skip
RECENT_LOT_MONTHS = 6


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _finite(metrics: dict) -> dict:
    return {
        k: float(v)
        for k, v in metrics.items()
        if isinstance(v, int | float | np.floating) and np.isfinite(v)
    }


def load_index(store) -> pd.DataFrame:
    columns = ["car", "month", "lots", "median_price", "index_value", "valuation"]
    frame = (
        store.read_table("series.price_index", columns=columns)
        if store.table_exists("series.price_index")
        else None
    )
    return frame if frame is not None else pd.DataFrame(columns=columns)


def load_monthly_attention(store) -> pd.DataFrame | None:
    """Monthly mentions, sentiment and theme features of every car (None before any series)."""
    if not store.table_exists("series.car_daily"):
        return None
    daily = store.read_table(
        "series.car_daily", columns=["car", "date", "mentions", "scored", "sentiment"]
    )
    shares = (
        store.read_table("nlp.topic_shares", columns=["car", "month", "topic_id", "share"])
        if store.table_exists("nlp.topic_shares")
        else None
    )
    return per_car.monthly_attention(daily, shares)


def load_sold_lots(store) -> pd.DataFrame:
    if not store.table_exists("clean.auction_lots"):
        return pd.DataFrame(columns=[*LOT_COLUMNS[:7], "price", *LOT_COLUMNS[8:]])
    lots = store.read_table(
        "clean.auction_lots", "sold AND price_usd IS NOT NULL", columns=LOT_COLUMNS
    )
    return lots.rename(columns={"price_usd": "price"})


@warehouse_asset(
    ["models", "value_direction"],
    partitions="car",
    schema=schemas.VALUE_DIRECTION,
    partition_expr="car",
    kinds=("scikitlearn", "mlflow"),
    user_facing=True,
    deps=[
        dg.AssetKey(["series", "price_index"]),
        all_days(["series", "car_daily"]),
        dg.AssetKey(["nlp", "topic_shares"]),
    ],
)
def value_direction(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, mlflow_store: MLflowResource
) -> dg.Output:
    """Per car: the probability that its price index is higher in 6 months, from a pooled
    logistic model over every car's price momentum, sales, mention volume, sentiment and
    theme shifts (leading theme's share, largest rise of a theme's share),
    with its rolling-origin back-test (accuracy, Brier) against "same as the last 6
    months", "always up" and the base rate. Too little labelled history: the base rate
    and the status ``insufficient_history``."""
    # MLflow (~0.8 s to import) only where a model is logged or loaded, not when Dagster
    # loads the definitions.
    from vintage_ai_assets.valuation.pyfunc import DirectionPyfunc, direction_signature

    store = warehouse.get()
    index = load_index(store)
    attention = load_monthly_attention(store)
    result = per_car.value_direction(index, attention)
    model = result.model
    tracking = (mlflow_store.tracking_uri, mlflow_store.artifacts_dir())
    features = model.features or list(direction_lib.PRICE_FEATURES)
    params = {
        "method": model.method,
        "features": features,
        "horizon_months": model.horizon,
        "smooth_months": model.smooth,
        "min_history_months": direction_lib.MIN_HISTORY_MONTHS,
        "min_train_rows": direction_lib.MIN_TRAIN_ROWS,
        "logistic_c": direction_lib.LOGISTIC_C,
    }
    pooled_metrics = {**result.metrics}
    _, pooled_uri = log_training_run(
        *tracking,
        DIRECTION_EXPERIMENT,
        run_name="pooled",
        params={**params, "cars": index["car"].nunique() if len(index) else 0},
        metrics=_finite(pooled_metrics),
        tags={"family": "value-direction", "kind": "pooled", "dagster_run_id": context.run.run_id},
        python_model=DirectionPyfunc(model),
        signature=direction_signature(features),
        texts={"note.txt": result.note},
    )
    latest = result.latest.set_index("car")
    per_car_bt = result.per_car.set_index("car") if len(result.per_car) else pd.DataFrame()
    rows = []
    logged = Progress("logged to MLflow", len(context.partition_keys), "cars", context.log.info)
    for car in context.partition_keys:
        if car in latest.index:
            row = latest.loc[car]
            probability, status = float(row["probability"]), str(row["status"])
            method, history = str(row["method"]), int(row["history_months"])
            month = row["month"]
        else:
            probability, status, method, history, month = (
                model.base_rate, direction_lib.INSUFFICIENT, "base_rate", 0, pd.NaT,
            )  # fmt: skip
        metrics = {
            **result.metrics,
            "probability_up_6m": probability,
            "history_months": history,
        }
        if car in per_car_bt.index:
            metrics.update({f"car_{k}": v for k, v in per_car_bt.loc[car].items()})
        run_id, model_uri = log_training_run(
            *tracking,
            DIRECTION_EXPERIMENT,
            run_name=car,
            params={**params, "status": status, "as_of_month": str(month)[:10]},
            metrics=_finite(metrics),
            tags={
                "car": car,
                "family": "value-direction",
                "status": status,
                "dagster_run_id": context.run.run_id,
            },
            linked_model_uri=pooled_uri,
        )
        logged.advance()
        rows.append(
            {
                "car": car,
                "month": month,
                "probability": probability,
                "status": status,
                "method": method,
                "history_months": history,
                "train_car_months": int(model.train_rows),
                "metrics": json.dumps(
                    {**_finite(metrics), "note": result.note}, default=float, sort_keys=True
                ),
                "run_id": run_id,
                "model_uri": model_uri,
                "trained_at": _now(),
            }
        )
    out = pd.DataFrame(rows, columns=list(schemas.VALUE_DIRECTION.columns))
    out["month"] = pd.to_datetime(out["month"]).astype("datetime64[ns]")
    backtest = pd.DataFrame(
        [
            {
                "predictor": name,
                "accuracy": round(result.metrics.get(f"backtest_{name}_accuracy", np.nan), 3),
                "brier": round(result.metrics.get(f"backtest_{name}_brier", np.nan), 3),
            }
            for name in ("model", *direction_lib.BASELINES)
            if f"backtest_{name}_brier" in result.metrics
        ]
    )
    for row in out.itertuples(index=False):
        context.add_asset_metadata(
            {
                "probability_up_6m": dg.MetadataValue.float(float(row.probability)),
                "status": row.status,
            },
            partition_key=row.car,
        )
    return dg.Output(
        out,
        metadata={
            "cars": dg.MetadataValue.int(len(out)),
            "insufficient_history": dg.MetadataValue.int(int((out["status"] != "ok").sum())),
            "train_car_months": dg.MetadataValue.int(int(model.train_rows)),
            "base_rate": dg.MetadataValue.float(float(model.base_rate)),
            "backtest": dg.MetadataValue.md(backtest.to_markdown(index=False))
            if len(backtest)
            else f"no back-test: {result.note}",
            "probabilities": dg.MetadataValue.md(
                out[["car", "probability", "status", "method"]].round(3).to_markdown(index=False)
            ),
            "mlflow_experiment": DIRECTION_EXPERIMENT,
            "pooled_model_uri": pooled_uri or "",
        },
    )


@warehouse_asset(
    ["models", "price_models"],
    partitions="car",
    schema=schemas.PRICE_MODELS,
    partition_expr="car",
    kinds=("lightgbm", "mlflow"),
    user_facing=True,
    deps=[all_days(["clean", "auction_lots"])],
)
def price_models(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, mlflow_store: MLflowResource
) -> dg.Output:
    """The sold-price model (one global LightGBM model over every sold lot: make/model
    encodings, year, mileage, title words; p10/p50/p90 on log price), evaluated on time —
    fitted before the last 6 months of sales and scored on them — against the global and
    per-model median (RMSLE, p10–p90 coverage), overall and per car; then refitted on all
    lots. One MLflow run per car with its figures, linked to the global model."""
    from vintage_ai_assets.valuation.pyfunc import PRICE_SIGNATURE, PricePyfunc

    store = warehouse.get()
    lots = load_sold_lots(store)
    result = per_car.price_models(lots, say=lambda line: context.log.info(PREFIX + line))
    tracking = (mlflow_store.tracking_uri, mlflow_store.artifacts_dir())
    params = {
        **prices_lib.LGB_PARAMS,
        "quantiles": prices_lib.QUANTILES,
        "max_test_months": per_car.PRICE_TEST_MONTHS,
        "cutoff": f"{result.cutoff:%Y-%m-%d}" if result.cutoff is not None else "",
        "lots": result.lots,
    }
    global_uri = None
    if result.model is not None:
        _, global_uri = log_training_run(
            *tracking,
            PRICE_EXPERIMENT,
            run_name="global",
            params={**params, "calibration": json.dumps(result.model.calibration, default=float)},
            metrics=_finite(result.metrics),
            tags={"family": "price", "kind": "global", "dagster_run_id": context.run.run_id},
            python_model=PricePyfunc(result.model),
            signature=PRICE_SIGNATURE,
            texts={"note.txt": result.note},
        )
    scores = result.per_car.set_index("car") if len(result.per_car) else pd.DataFrame()
    car_lots = lots["car"].value_counts() if len(lots) else pd.Series(dtype=int)
    rows = []
    logged = Progress("logged to MLflow", len(context.partition_keys), "cars", context.log.info)
    for car in context.partition_keys:
        car_scores = scores.loc[car].to_dict() if car in scores.index else {}
        status = result.status if int(car_lots.get(car, 0)) else per_car.NO_LOTS
        metrics = {
            **{f"all_{k}": v for k, v in result.metrics.items()},
            **car_scores,
            "car_lots": float(car_lots.get(car, 0)),
        }
        run_id, model_uri = log_training_run(
            *tracking,
            PRICE_EXPERIMENT,
            run_name=car,
            params={**params, "status": status},
            metrics=_finite(metrics),
            tags={
                "car": car,
                "family": "price",
                "status": status,
                "dagster_run_id": context.run.run_id,
            },
            linked_model_uri=global_uri,
        )
        logged.advance()
        rows.append(
            {
                "car": car,
                "status": status,
                "train_lots": int(result.metrics.get("train_lots", 0)),
                "test_lots": int(car_scores.get("test_lots", 0)),
                "rmsle_model": car_scores.get("rmsle_model"),
                "rmsle_global_median": car_scores.get("rmsle_global_median"),
                "rmsle_model_median": car_scores.get("rmsle_model_median"),
                "coverage_p10_p90": car_scores.get("coverage_p10_p90"),
                "metrics": json.dumps(
                    {**_finite(metrics), "note": result.note}, default=float, sort_keys=True
                ),
                "run_id": run_id,
                "model_uri": model_uri,
                "trained_at": _now(),
            }
        )
    out = pd.DataFrame(rows, columns=list(schemas.PRICE_MODELS.columns))
    for column in ("rmsle_model", "rmsle_global_median", "rmsle_model_median", "coverage_p10_p90"):
        out[column] = out[column].astype(float)
    overall = pd.DataFrame(
        [
            {
                "test lots": int(result.metrics.get("test_lots", 0)),
                "RMSLE model": result.metrics.get("rmsle_model"),
                "RMSLE per-model median": result.metrics.get("rmsle_model_median"),
                "RMSLE global median": result.metrics.get("rmsle_global_median"),
                "coverage p10-p90": result.metrics.get("coverage_p10_p90"),
            }
        ]
    ).round(3)
    for row in out.itertuples(index=False):
        if pd.notna(row.rmsle_model):
            context.add_asset_metadata(
                {
                    "test_lots": dg.MetadataValue.int(int(row.test_lots)),
                    "rmsle_model": dg.MetadataValue.float(float(row.rmsle_model)),
                    "rmsle_model_median": dg.MetadataValue.float(float(row.rmsle_model_median)),
                },
                partition_key=row.car,
            )
    return dg.Output(
        out,
        metadata={
            "lots": dg.MetadataValue.int(result.lots),
            "status": result.status,
            "evaluation": dg.MetadataValue.md(overall.to_markdown(index=False))
            if "rmsle_model" in result.metrics
            else result.note,
            "per_car": dg.MetadataValue.md(
                out[["car", "test_lots", "rmsle_model", "rmsle_model_median", "coverage_p10_p90"]]
                .round(3)
                .to_markdown(index=False)
            ),
            "note": result.note,
            "mlflow_experiment": PRICE_EXPERIMENT,
            "global_model_uri": global_uri or "",
        },
    )


@warehouse_asset(
    ["forecasts", "price_estimates"],
    partitions="car",
    schema=schemas.PRICE_ESTIMATES,
    partition_expr="car",
    kinds=("mlflow", "duckdb"),
    user_facing=True,
    daily_per_car=True,
    ins={"models": dg.AssetIn(key=["models", "price_models"])},
    deps=[all_days(["clean", "auction_lots"])],
)
def price_estimates(
    context: dg.AssetExecutionContext,
    models: pd.DataFrame,
    warehouse: WarehouseResource,
    mlflow_store: MLflowResource,
) -> dg.Output:
    """Per car, from the global price model in MLflow: p10/p50/p90 of its typical example
    (its recent lot nearest its median year and mileage, as if sold in the latest month;
    ``lot_id`` names the lot), and of each lot it sold in the last 6 months (in-sample: the
    model was fitted on them) beside the price paid."""

    configure(mlflow_store.tracking_uri, mlflow_store.artifacts_dir())
    store = warehouse.get()
    lots = load_sold_lots(store)
    columns = list(schemas.PRICE_ESTIMATES.columns)
    uris = models.dropna(subset=["model_uri"])
    uris = uris[uris["status"] == "ok"]
    frames = []
    if len(uris) and len(lots):
        model_uri = uris["model_uri"].iloc[0]
        model = load_pyfunc(model_uri, mlflow_store.artifacts_dir())
        cars = list(uris["car"])
        mine = lots[lots["car"].isin(cars)]
        as_of = pd.to_datetime(lots["sold_at"]).max().to_period("M").to_timestamp()
        typical = per_car.typical_examples(mine, as_of)
        if len(typical):
            predicted = model.predict(typical)
            frames.append(
                typical.assign(
                    kind="typical",
                    as_of=typical["sold_at"],
                    p10=predicted["p10"].to_numpy(),
                    p50=predicted["p50"].to_numpy(),
                    p90=predicted["p90"].to_numpy(),
                    price=np.nan,  # the template lot's price was paid at another date
                    model_uri=model_uri,
                )
            )
        sold_at = pd.to_datetime(mine["sold_at"])
        recent = mine[sold_at >= as_of - pd.DateOffset(months=RECENT_LOT_MONTHS - 1)]
        if len(recent):
            predicted = model.predict(recent.reset_index(drop=True))
            frames.append(
                recent.reset_index(drop=True).assign(
                    kind="recent_lot",
                    as_of=pd.to_datetime(recent["sold_at"]).to_numpy(),
                    p10=predicted["p10"].to_numpy(),
                    p50=predicted["p50"].to_numpy(),
                    p90=predicted["p90"].to_numpy(),
                    model_uri=model_uri,
                )
            )
    out = (
        pd.concat([f[columns] for f in frames], ignore_index=True)
        if frames
        else pd.DataFrame({c: pd.Series(dtype=schemas_dtype(c)) for c in columns})
    )
    out["year"] = pd.to_numeric(out["year"], errors="coerce").astype("Int64")
    out["mileage"] = pd.to_numeric(out["mileage"], errors="coerce").astype(float)
    out["as_of"] = pd.to_datetime(out["as_of"]).astype("datetime64[ns]")
    typical = out[out["kind"] == "typical"]
    for row in typical.itertuples(index=False):
        context.add_asset_metadata(
            {
                "typical_example": row.title,
                "p10": dg.MetadataValue.float(float(row.p10)),
                "p50": dg.MetadataValue.float(float(row.p50)),
                "p90": dg.MetadataValue.float(float(row.p90)),
            },
            partition_key=row.car,
        )
    recent_lots = out[out["kind"] == "recent_lot"]
    inside = (
        float(
            (
                (recent_lots["price"] >= recent_lots["p10"])
                & (recent_lots["price"] <= recent_lots["p90"])
            ).mean()
        )
        if len(recent_lots)
        else 0.0
    )
    return dg.Output(
        out,
        metadata={
            "cars": dg.MetadataValue.int(int(typical["car"].nunique())),
            "recent_lots": dg.MetadataValue.int(len(recent_lots)),
            "recent_lots_inside_p10_p90_in_sample": dg.MetadataValue.float(inside),
            "typical_examples": dg.MetadataValue.md(
                typical[["car", "title", "mileage", "p10", "p50", "p90"]]
                .round(0)
                .to_markdown(index=False)
            )
            if len(typical)
            else "no sold lots yet",
        },
    )


def schemas_dtype(column: str) -> str:
    """The dtype an empty ``forecasts.price_estimates`` column gets (typed before it is written)."""
    kinds = {
        "as_of": "datetime64[ns]",
        "year": "Int64",
        "mileage": "float64",
        "p10": "float64",
        "p50": "float64",
        "p90": "float64",
        "price": "float64",
    }
    return kinds.get(column, "object")
