"""Sold-price estimates on real Cars & Bids results: RMSLE and p10–p90 coverage over time.

Data: the shared Cars & Bids export (``../shared/data``, never copied here), read through
the platform's own auction reader and its ``carsandbids`` mapping, so the lots look as
they do in ``raw.auction_lots`` (the export's flags, seller type and body style arrive in
``attributes``; it has no mileage or description, and its titles are "{Year} {Make} {Model}").
When the file is absent the evaluation is skipped and says so.

Protocol: split by time, never at random. The model is fitted on lots sold before a
cut-off and scored on the 12 months from it. Metrics on the test lots: RMSLE of p50
against two baselines fitted on the same training lots — the global median price, and the
median price of the lot's (make, model), falling back to the global median for a model not
seen in training — and the share of test prices inside p10–p90 (target 0.80). The headline
cut-off is 2025-03-01; the rolling variant repeats it at 2023-03-01 and 2024-03-01.

Run ``python -m vintage_ai_assets.evaluation.prices`` (``--shared-dir``, ``--out``,
``--cutoff``, ``--no-rolling``).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from vintage_ai_assets.metrics import rmsle
from vintage_ai_assets.sources.auctions import load_mappings, read_auction_files
from vintage_ai_assets.sources.records import TimeWindow
from vintage_ai_assets.valuation.prices import baseline_predictions, fit_price_model

AUCTION_FILE = "carsandbids_results_2020-06_2026-02.csv"
DEFAULT_SHARED_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"
DEFAULT_OUT = Path("benchmarks/results/eval_prices.json")
HEADLINE_CUTOFF = "2025-03-01"
ROLLING_CUTOFFS = ("2023-03-01", "2024-03-01", HEADLINE_CUTOFF)
TEST_MONTHS = 12
CLASSIC_BEFORE_YEAR = 2000  # a breakdown for the cars the platform is about


def load_auction_lots(shared_dir: Path | None = None) -> tuple[pd.DataFrame | None, str]:
    """The Cars & Bids lots in the canonical auction schema, or (None, why they are skipped)."""
    path = (shared_dir or DEFAULT_SHARED_DIR) / AUCTION_FILE
    if not path.is_file():
        return None, f"skipped: {path} not found (this evaluation needs ../shared/data)"
    window = TimeWindow(datetime(1900, 1, 1), datetime(2100, 1, 1))
    result = read_auction_files([path], window, load_mappings())
    lots = result.accepted
    lots = lots[lots["sold"]].reset_index(drop=True)
    return lots, f"read {len(lots)} sold lots from {path} ({len(result.quarantine)} quarantined)"


def time_split(
    lots: pd.DataFrame, cutoff: str, test_months: int = TEST_MONTHS
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(lots sold before ``cutoff``, lots sold in the ``test_months`` from it)."""
    start = pd.Timestamp(cutoff)
    end = start + pd.DateOffset(months=test_months)
    sold_at = pd.to_datetime(lots["sold_at"])
    return lots[sold_at < start], lots[(sold_at >= start) & (sold_at < end)]


def _scores(test: pd.DataFrame, predicted: pd.DataFrame, baselines: dict) -> dict:
    actual = test["price"].to_numpy(float)
    inside = (actual >= predicted["p10"].to_numpy()) & (actual <= predicted["p90"].to_numpy())
    return {
        "lots": int(len(test)),
        "rmsle_model": round(rmsle(actual, predicted["p50"].to_numpy()), 4),
        "rmsle_global_median": round(rmsle(actual, baselines["global_median"]), 4),
        "rmsle_model_median": round(rmsle(actual, baselines["model_median"]), 4),
        "coverage_p10_p90": round(float(inside.mean()), 4),
        "below_p10": round(float((actual < predicted["p10"].to_numpy()).mean()), 4),
        "above_p90": round(float((actual > predicted["p90"].to_numpy()).mean()), 4),
        "median_width_p90_over_p10": round(
            float(np.median(predicted["p90"].to_numpy() / predicted["p10"].to_numpy())), 3
        ),
    }


def evaluate_cutoff(lots: pd.DataFrame, cutoff: str, test_months: int = TEST_MONTHS) -> dict:
    """Fit before ``cutoff``, score the following months, against both baselines."""
    train, test = time_split(lots, cutoff, test_months)
    started, cpu_started = time.perf_counter(), time.process_time()
    model = fit_price_model(train)
    fit_seconds = time.perf_counter() - started
    fit_cpu_seconds = time.process_time() - cpu_started
    predicted = model.predict(test)
    baselines = baseline_predictions(train, test)
    seen = pd.MultiIndex.from_frame(test[["make", "model"]]).isin(
        pd.MultiIndex.from_frame(train[["make", "model"]])
    )
    classic = pd.to_numeric(test["year"], errors="coerce").lt(CLASSIC_BEFORE_YEAR).to_numpy()
    parts = {
        "all": np.ones(len(test), bool),
        "model_year_before_2000": classic,
        "unseen_model": ~seen,
    }
    result = {
        "cutoff": cutoff,
        "train_lots": int(len(train)),
        "train_months": f"{train['sold_at'].min():%Y-%m} .. {train['sold_at'].max():%Y-%m}",
        "test_months": f"{test['sold_at'].min():%Y-%m} .. {test['sold_at'].max():%Y-%m}",
        "fit_seconds": round(fit_seconds, 1),
        "fit_cpu_seconds": round(fit_cpu_seconds, 1),
        "calibration": {
            k: (round(v, 4) if isinstance(v, float) else v) for k, v in model.calibration.items()
        },
        "test": {},
    }
    for name, mask in parts.items():
        if mask.sum():
            result["test"][name] = _scores(
                test[mask], predicted[mask], {k: v[mask] for k, v in baselines.items()}
            )
    return result


def evaluate(lots: pd.DataFrame, cutoff: str = HEADLINE_CUTOFF, rolling: bool = True) -> dict:
    """The headline split and, with ``rolling``, the earlier cut-offs."""
    cutoffs = sorted(set(ROLLING_CUTOFFS) | {cutoff}) if rolling else [cutoff]
    runs = [evaluate_cutoff(lots, c) for c in cutoffs]
    return {
        "headline": next(r for r in runs if r["cutoff"] == cutoff),
        "rolling": runs if rolling else [],
    }


def format_table(result: dict) -> str:
    lines = [
        f"{'cutoff':<10} {'subset':<22} {'train':>6} {'test':>5} {'model':>7} "
        f"{'global':>7} {'per-model':>9} {'cover':>6} {'<p10':>5} {'>p90':>5} {'p90/p10':>7}"
    ]
    runs = result["rolling"] or [result["headline"]]
    for run in runs:
        for subset, m in run["test"].items():
            lines.append(
                f"{run['cutoff']:<10} {subset:<22} {run['train_lots']:>6} {m['lots']:>5} "
                f"{m['rmsle_model']:>7.3f} {m['rmsle_global_median']:>7.3f} "
                f"{m['rmsle_model_median']:>9.3f} {m['coverage_p10_p90']:>6.3f} "
                f"{m['below_p10']:>5.3f} {m['above_p90']:>5.3f} "
                f"{m['median_width_p90_over_p10']:>7.2f}"
            )
    head = result["headline"]
    lines.append(
        "RMSLE of p50 (model) against the global median and the per-(make, model) median of "
        f"the training prices; coverage = test prices inside p10-p90 (target 0.80). "
        f"Headline cut-off {head['cutoff']}: fit {head['fit_seconds']} s "
        f"({head['fit_cpu_seconds']} s CPU) on "
        f"{head['train_lots']} lots ({head['train_months']}), tested on {head['test_months']}."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-dir", type=Path, default=None, help=f"folder with {AUCTION_FILE}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report path")
    parser.add_argument("--cutoff", default=HEADLINE_CUTOFF, help="headline cut-off date")
    parser.add_argument("--no-rolling", action="store_true", help="only the headline cut-off")
    args = parser.parse_args(argv)
    lots, status = load_auction_lots(args.shared_dir)
    print(f"Cars & Bids sold prices: {status}")
    if lots is None:
        return 0
    result = {"data": status, **evaluate(lots, args.cutoff, rolling=not args.no_rolling)}
    print(format_table(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
