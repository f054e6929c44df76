"""6-month value direction on real Cars & Bids results: rolling-origin back-test vs baselines.

Data: the shared Cars & Bids export (``../shared/data``, never copied here), read through
the platform's auction reader and matched to the catalog as the clean layer does. Only a
few catalog cars sell often enough on Cars & Bids to make a monthly series (996 911,
R129 SL, R107 SL), so the lots no catalog car claims are also grouped by the export's
(make, model) — "cb:porsche-997-911", "cb:bmw-e46-m3" … — and every group with at least
100 lots sold in at least 48 different months becomes a series too. Each series' monthly
index is ``series.price_index.monthly_price_index`` (hedonic, adjusted for model year;
the export has no mileage). There are no mentions for these cars, so the model runs on
price features only. When the file is absent the evaluation is skipped and says so.

Protocol (``valuation.direction.backtest_direction``): expanding window; at each origin
T the index is rebuilt from the lots sold up to T (so the hedonic year effect never sees
later sales), the model learns only from car-months whose 6-month outcome month is at or
before T, and it scores every series at T. Outcomes are judged on the index built from
all lots. Origins are quarterly by default (rebuilding the index costs a few seconds);
``--step 1`` gives monthly origins (``--no-vintage`` skips the rebuilds). Baselines
scored on the same car-months: "same as the last 6 months" (1 if the level rose over
the last 6 months, else 0); the same softened to the rate at which the direction
persisted in the training rows (below 0.5 on these thin series, so it becomes a bet on
reversal); "always up"; and the training base rate. Metrics: accuracy and Brier score,
with 95% intervals of the Brier differences (model − base rate, model − soft
persistence) from resampling whole origins, since the series at one origin share the
market's move. Logistic regression and LightGBM are both run; the platform uses
logistic regression (the better Brier in this back-test, which also chose it).

Run ``python -m vintage_ai_assets.evaluation.value_direction`` (``--shared-dir``,
``--out``, ``--step``).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from vintage_ai_assets.catalog import DEFAULT_CATALOG_PATH, Catalog, load_catalog
from vintage_ai_assets.cleaning.auction_lots import match_lots
from vintage_ai_assets.evaluation.prices import AUCTION_FILE, load_auction_lots
from vintage_ai_assets.metrics import brier
from vintage_ai_assets.series.price_index import monthly_price_index
from vintage_ai_assets.valuation.direction import (
    BASELINES,
    METHODS,
    Backtest,
    backtest_direction,
)

DEFAULT_OUT = Path("benchmarks/results/eval_value_direction.json")
MIN_SERIES_LOTS = 100
MIN_SERIES_MONTHS = 48
DEFAULT_STEP = 3
BOOTSTRAP_DRAWS = 2000
FIRST_ORIGIN = "2022-06-01"  # two years of history: enough labelled car-months to learn from


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "-", text.lower()).strip("-")


def build_series(
    lots: pd.DataFrame,
    catalog: Catalog,
    min_lots: int = MIN_SERIES_LOTS,
    min_months: int = MIN_SERIES_MONTHS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(lots of the chosen series with a ``car`` key, one row per series with its counts).

    Catalog cars come from the clean layer's matching; lots it sets aside are grouped by
    (make, model) as ``cb:<make>-<model>``. A series needs ``min_lots`` lots in
    ``min_months`` distinct months.
    """
    matched, rejected = match_lots(lots, catalog)
    matched = matched.assign(kind="catalog")
    grouped = rejected.assign(
        car="cb:" + (rejected["make"] + " " + rejected["model"]).map(_slug), kind="make_model"
    )
    both = pd.concat([matched, grouped], ignore_index=True)
    both["month"] = pd.to_datetime(both["sold_at"]).dt.to_period("M")
    stats = both.groupby(["car", "kind"], as_index=False).agg(
        lots=("price", "size"), months=("month", "nunique")
    )
    chosen = stats[(stats["lots"] >= min_lots) & (stats["months"] >= min_months)]
    columns = ["car", "sold_at", "price", "year", "mileage"]
    series_lots = both[both["car"].isin(chosen["car"])][columns].reset_index(drop=True)
    return series_lots, chosen.sort_values(["kind", "car"]).reset_index(drop=True)


def _index_asof(series_lots: pd.DataFrame):
    """The index as it stood at an origin: rebuilt from the lots sold up to its month."""
    sold_at = pd.to_datetime(series_lots["sold_at"])
    built: dict[pd.Timestamp, pd.DataFrame] = {}  # both classifiers share the rebuilds

    def index_asof(origin: pd.Timestamp) -> pd.DataFrame:
        if origin not in built:
            seen = series_lots[sold_at < origin + pd.DateOffset(months=1)]
            built[origin] = monthly_price_index(seen)
        return built[origin]

    return index_asof


def _bootstrap(predictions: pd.DataFrame, baseline: str, seed: int = 0) -> tuple[float, float]:
    """95% interval of Brier(model) − Brier(baseline), resampling whole origins."""
    gaps = (predictions["model"] - predictions["outcome"]) ** 2 - (
        predictions[baseline] - predictions["outcome"]
    ) ** 2
    per_origin = gaps.groupby(predictions["origin"]).agg(["sum", "size"])
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(per_origin), size=(BOOTSTRAP_DRAWS, len(per_origin)))
    sums, sizes = per_origin["sum"].to_numpy(), per_origin["size"].to_numpy()
    means = sums[draws].sum(axis=1) / sizes[draws].sum(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    return float(low), float(high)


def _summary(backtest: Backtest, kinds: dict[str, str]) -> dict:
    predictions = backtest.predictions
    result: dict = {
        "origins": len(backtest.origins),
        "first_origin": f"{min(backtest.origins):%Y-%m}" if backtest.origins else None,
        "last_origin": f"{max(backtest.origins):%Y-%m}" if backtest.origins else None,
        "series": backtest.series,
        "car_months": int(len(predictions)),
        "up_share": round(float(predictions["outcome"].mean()), 4) if len(predictions) else None,
        "metrics": {
            name: {k: round(v, 4) for k, v in scores.items()}
            for name, scores in backtest.metrics.items()
        },
    }
    if len(predictions):
        for baseline in ("base_rate", "persistence_soft"):
            low, high = _bootstrap(predictions, baseline)
            result[f"brier_model_minus_{baseline}_95"] = [round(low, 4), round(high, 4)]
        subsets = {}
        kind = predictions["car"].map(kinds)
        for name in sorted(set(kinds.values())):
            part = predictions[kind == name]
            if len(part):
                subsets[name] = {
                    "car_months": int(len(part)),
                    **{
                        f"brier_{col}": round(brier(part[col], part["outcome"]), 4)
                        for col in ("model", *BASELINES)
                    },
                }
        result["by_kind"] = subsets
    return result


def evaluate(
    lots: pd.DataFrame,
    catalog: Catalog | None = None,
    step: int = DEFAULT_STEP,
    vintage: bool = True,
) -> dict:
    """Back-tests of both classifiers on the Cars & Bids series."""
    catalog = catalog or load_catalog(DEFAULT_CATALOG_PATH)
    series_lots, series = build_series(lots, catalog)
    index = monthly_price_index(series_lots)
    kinds = dict(zip(series["car"], series["kind"], strict=True))
    result: dict = {
        "series": {
            "catalog": sorted(series.loc[series["kind"] == "catalog", "car"]),
            "make_model": int((series["kind"] == "make_model").sum()),
            "lots": int(series["lots"].sum()),
            "months": f"{index['month'].min():%Y-%m} .. {index['month'].max():%Y-%m}",
        },
        "index": "rebuilt from the lots up to each origin" if vintage else "built from all lots",
        "step_months": step,
        "methods": {},
    }
    index_asof = _index_asof(series_lots) if vintage else None
    for method in METHODS:
        backtest = backtest_direction(
            index,
            method=method,
            first_origin=pd.Timestamp(FIRST_ORIGIN),
            step=step,
            index_asof=index_asof,
        )
        result["methods"][method] = _summary(backtest, kinds)
    return result


def format_table(result: dict) -> str:
    lines = [f"{'classifier':<10} {'predictor':<17} {'accuracy':>8} {'brier':>7}"]
    for method, summary in result["methods"].items():
        for name, m in summary["metrics"].items():
            label = method if name == "model" else "baseline"
            lines.append(f"{label:<10} {name:<17} {m['accuracy']:>8.3f} {m['brier']:>7.3f}")
    first = next(iter(result["methods"].values()))
    series = result["series"]
    lines.append(
        f"{first['series']} series ({len(series['catalog'])} catalog cars "
        f"{series['catalog']} + {series['make_model']} Cars & Bids (make, model) groups, "
        f"{series['lots']} lots, {series['months']}); {first['origins']} origins every "
        f"{result['step_months']} months {first['first_origin']} .. {first['last_origin']}, "
        f"{first['car_months']} car-months scored, {first['up_share']:.3f} went up; "
        f"index {result['index']}."
    )
    for method, summary in result["methods"].items():
        low, high = summary.get("brier_model_minus_base_rate_95", [float("nan")] * 2)
        soft_low, soft_high = summary.get(
            "brier_model_minus_persistence_soft_95", [float("nan")] * 2
        )
        by_kind = ", ".join(
            f"{kind}: n={m['car_months']} model {m['brier_model']:.3f} "
            f"base rate {m['brier_base_rate']:.3f} soft persistence {m['brier_persistence_soft']:.3f}"
            for kind, m in summary.get("by_kind", {}).items()
        )
        lines.append(
            f"{method}: Brier difference, 95% over origins: model - base rate "
            f"[{low:+.3f}, {high:+.3f}], model - soft persistence "
            f"[{soft_low:+.3f}, {soft_high:+.3f}]; by kind: {by_kind}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-dir", type=Path, default=None, help=f"folder with {AUCTION_FILE}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report path")
    parser.add_argument("--step", type=int, default=DEFAULT_STEP, help="months between origins")
    parser.add_argument(
        "--no-vintage",
        action="store_true",
        help="use the index built from all lots at every origin (faster; the hedonic "
        "year effect then sees later sales)",
    )
    args = parser.parse_args(argv)
    lots, status = load_auction_lots(args.shared_dir)
    print(f"Cars & Bids value direction: {status}")
    if lots is None:
        return 0
    result = {"data": status, **evaluate(lots, step=args.step, vintage=not args.no_vintage)}
    print(format_table(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
