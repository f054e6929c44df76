"""Attention forecasts: the rolling-origin back-test of every car's forecaster, reproducibly.

Reads the daily series (``series.car_daily``) and theme assignments of the warehouse in
``VINTAGE_AI_DATA_DIR`` (after ``make demo``: the **synthetic** demo, 32 cars × 18
months), read-only, and runs exactly the back-test the ``models/attention_models`` asset
runs (:func:`vintage_ai_assets.forecasting.attention.forecast_car`): for each car, origins
every 30 days over the last 180 days, the LightGBM quantile forecaster refitted on the
data up to each origin and scored on the next 30 and 90 days, against the weekly
seasonal-naive forecast and the recent 28-day range. Metrics: MASE (lower is better;
below 1 beats the in-sample weekly naive) and the share of days inside p10–p90 (0.80 is
calibrated), averaged over cars, and the share of cars where a method beats seasonal-naive.
Skipped, and says so, when the warehouse has no daily series.

Run ``python -m vintage_ai_assets.evaluation.attention`` (``--data-dir``, ``--out``,
``--cars``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from vintage_ai_assets.forecasting import attention
from vintage_ai_assets.forecasting import backtest as bt
from vintage_ai_assets.paths import DataPaths
from vintage_ai_assets.series.daily import load_car_daily, load_car_themes
from vintage_ai_assets.warehouse import Warehouse

DEFAULT_OUT = Path("benchmarks/results/eval_attention.json")


def evaluate(store: Warehouse, cars: list[str] | None = None) -> dict:
    """Back-test every car (or ``cars``); per-car metrics and the summary across cars."""
    if cars is None:
        cars = store.query("SELECT DISTINCT car FROM series.car_daily ORDER BY car")["car"].tolist()
    per_car, statuses = {}, {}
    started = time.process_time()
    for car in cars:
        daily = load_car_daily(store, car)
        result = attention.forecast_car(car, daily, load_car_themes(store, car))
        per_car[car] = result.metrics
        statuses[car] = result.status
    metrics = pd.DataFrame.from_dict(per_car, orient="index")
    summary = bt.across_cars(
        metrics, attention.TARGETS, attention.BACKTEST_HORIZONS, attention.METHODS
    )
    first = next(iter(per_car.values()), {})
    return {
        "cars": len(cars),
        "insufficient_history": sum(s != "ok" for s in statuses.values()),
        "history_days": int(first.get("history_days", 0)),
        "protocol": f"{attention.BACKTEST_ORIGINS} origins every {attention.BACKTEST_STEP_DAYS} "
        f"days back from the last day, horizons {list(attention.BACKTEST_HORIZONS)} days",
        "cpu_seconds_per_car": round((time.process_time() - started) / max(1, len(cars)), 2),
        "summary": summary.to_dict(orient="records"),
        "per_car": {
            car: {k: round(float(v), 4) for k, v in m.items() if pd.notna(v)}
            for car, m in per_car.items()
        },
    }


def format_table(result: dict) -> str:
    summary = pd.DataFrame(result["summary"])
    lines = [summary.to_string(index=False)] if len(summary) else ["no car could be back-tested"]
    lines.append(
        f"{result['cars']} cars ({result['insufficient_history']} with insufficient history), "
        f"{result['history_days']} days each; {result['protocol']}; "
        f"{result['cpu_seconds_per_car']} CPU s per car."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="VINTAGE_AI_DATA_DIR")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report path")
    parser.add_argument("--cars", nargs="*", default=None, help="only these cars")
    args = parser.parse_args(argv)
    paths = DataPaths(args.data_dir.resolve()) if args.data_dir else DataPaths.from_env()
    store = Warehouse(paths.warehouse)
    if not paths.warehouse.exists() or not store.table_exists("series.car_daily"):
        print(f"attention back-test: skipped: no daily series in {paths.warehouse} (run make demo)")
        return 0
    result = {"warehouse": str(paths.warehouse), **evaluate(store, args.cars)}
    print(f"attention back-test on {paths.warehouse}:")
    print(format_table(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
