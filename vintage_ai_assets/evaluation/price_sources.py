"""Price ranges per auction source: how often p10–p90 holds sales the model never saw, for
each auction house, and for a house the model never saw at all.

Data: the sold lots of a warehouse (``clean.auction_lots``; the demo's has nine houses),
read-only. Protocol: split by time, never at random — the model is fitted on the lots
sold before the last ``--test-months`` (6) and scored on those months. For each source:
its test lots, the share inside p10–p90 with a 95% Wilson interval, and whether it is
within the target 80% ± 5 points. "Unseen source": the model is refitted without one
house (leave-one-source-out, same time split) and scored on that house's test lots.
Baseline beside it, from the same run: the range of the training prices of the lot's
(make, model) (its 10th–90th percentile), which is what a dealer's comparables give.

Run ``python -m vintage_ai_assets.evaluation.price_sources`` (``--data-dir``, ``--out``,
``--cutoff`` for an earlier split). A source's coverage is a proportion of few lots: with 64
test lots, a range that holds exactly 80% of a source's sales falls outside ± 5 points
about a quarter of the time (28%), so the table gives each its 95% interval.
Skipped, and says so, when the warehouse has no sold lots.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from vintage_ai_assets.valuation.prices import fit_price_model

DEFAULT_OUT = Path("benchmarks/results/eval_price_sources.json")
TEST_MONTHS = 6
TARGET, TOLERANCE = 0.80, 0.05
MIN_SOURCE_LOTS = 20  # a source with fewer test lots is listed, not judged


def wilson(inside: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson interval of a proportion ``inside``/``n``."""
    if n == 0:
        return (math.nan, math.nan)
    p = inside / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (round(centre - half, 3), round(centre + half, 3))


def load_lots(warehouse: Path) -> tuple[pd.DataFrame | None, str]:
    """The warehouse's sold lots in USD as the price model takes them, or (None, why not)."""
    from vintage_ai_assets.warehouse import Warehouse

    if not warehouse.exists():
        return None, f"skipped: no warehouse at {warehouse} (run `make demo` first)"
    store = Warehouse(warehouse)
    if not store.table_exists("clean.auction_lots"):
        return None, f"skipped: {warehouse} has no clean.auction_lots"
    lots = store.query(
        "SELECT lot_id, car, sold_at, make, model, year, mileage, price_usd AS price, title, "
        "description, attributes, auction_house FROM clean.auction_lots "
        "WHERE sold AND price_usd IS NOT NULL"
    )
    if lots.empty:
        return None, f"skipped: {warehouse} has no sold lots"
    return lots, f"read {len(lots):,} sold lots from {warehouse}"


def _comparables_range(train: pd.DataFrame, test: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Baseline: the 10th–90th percentile of the (make, model)'s training prices (the
    whole training set's when the model has fewer than 5 lots)."""
    key = train["make"].str.lower() + "|" + train["model"].str.lower()
    grouped = train.groupby(key)["price"]
    low, high, n = grouped.quantile(0.1), grouped.quantile(0.9), grouped.size()
    usable = n[n >= 5].index
    test_key = test["make"].str.lower() + "|" + test["model"].str.lower()
    fallback_low, fallback_high = train["price"].quantile(0.1), train["price"].quantile(0.9)
    lows = test_key.map(low[usable]).fillna(fallback_low).to_numpy(float)
    highs = test_key.map(high[usable]).fillna(fallback_high).to_numpy(float)
    return lows, highs


def _row(source: str, price: np.ndarray, low: np.ndarray, high: np.ndarray, base: tuple) -> dict:
    inside = (price >= low) & (price <= high)
    base_inside = (price >= base[0]) & (price <= base[1])
    n = len(price)
    coverage = float(inside.mean()) if n else math.nan
    return {
        "source": source,
        "test_lots": int(n),
        "coverage": round(coverage, 3),
        "ci95": wilson(int(inside.sum()), n),
        "below_p10": round(float((price < low).mean()), 3) if n else math.nan,
        "above_p90": round(float((price > high).mean()), 3) if n else math.nan,
        "baseline_coverage": round(float(base_inside.mean()), 3) if n else math.nan,
        "within_target": bool(n >= MIN_SOURCE_LOTS and abs(coverage - TARGET) <= TOLERANCE + 1e-9),
        "judged": bool(n >= MIN_SOURCE_LOTS),
    }


def evaluate(
    lots: pd.DataFrame,
    test_months: int = TEST_MONTHS,
    unseen: bool = True,
    cutoff: str | None = None,
) -> dict:
    """Coverage per source on the time split (the last ``test_months``, or the ``test_months``
    from ``cutoff``), and for each source left out of training."""
    sold = pd.to_datetime(lots["sold_at"])
    start = (
        pd.Timestamp(cutoff)
        if cutoff
        else sold.max().normalize() - pd.DateOffset(months=test_months)
    )
    later = sold >= start
    if cutoff:
        later &= sold < start + pd.DateOffset(months=test_months)
    train, test = lots[sold < start], lots[later]
    cutoff = start
    source = test["auction_house"].fillna("(none)").to_numpy()
    predicted = fit_price_model(train).predict(test)
    base = _comparables_range(train, test)
    price = test["price"].to_numpy(float)
    low, high = predicted["p10"].to_numpy(), predicted["p90"].to_numpy()
    rows = [_row("all sources", price, low, high, base)]
    for name in sorted(set(source)):
        mask = source == name
        rows.append(_row(name, price[mask], low[mask], high[mask], (base[0][mask], base[1][mask])))
    left_out = []
    if unseen:
        train_source = train["auction_house"].fillna("(none)").to_numpy()
        for name in sorted(set(source)):
            mask = source == name
            if mask.sum() < MIN_SOURCE_LOTS:
                continue
            others = train[train_source != name]
            guess = fit_price_model(others).predict(test[mask])
            left_out.append(
                _row(
                    name,
                    price[mask],
                    guess["p10"].to_numpy(),
                    guess["p90"].to_numpy(),
                    _comparables_range(others, test[mask]),
                )
            )
    return {
        "protocol": f"fitted on lots sold before {cutoff:%Y-%m-%d}, scored on the {test_months} "
        f"months from it; target {TARGET:.0%} ± {TOLERANCE * 100:.0f} points per source with at "
        f"least {MIN_SOURCE_LOTS} test lots",
        "train_lots": int(len(train)),
        "test_lots": int(len(test)),
        "sources": rows,
        "unseen_source": left_out,
    }


def format_table(result: dict) -> str:
    lines = [result["protocol"], ""]
    header = (
        f"{'source':<18} {'lots':>5} {'cover':>6} {'95% CI':>13} {'<p10':>5} {'>p90':>5} "
        f"{'baseline':>8}  target"
    )
    for title, rows in (("seen in training", result["sources"]), ("left out of training", result["unseen_source"])):  # fmt: skip
        if not rows:
            continue
        lines += [f"{title}:", header]
        for r in rows:
            verdict = ("met" if r["within_target"] else "NOT met") if r["judged"] else "too few"
            lines.append(
                f"{r['source']:<18} {r['test_lots']:>5} {r['coverage']:>6.3f} "
                f"{r['ci95'][0]:>6.3f}–{r['ci95'][1]:<6.3f} {r['below_p10']:>5.3f} "
                f"{r['above_p90']:>5.3f} {r['baseline_coverage']:>8.3f}  {verdict}"
            )
        lines.append("")
    return "\n".join(lines).rstrip()


def main(argv: list[str] | None = None) -> int:
    from vintage_ai_assets import settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="the demo's data directory")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report path")
    parser.add_argument(
        "--cutoff", help="first day of the test months (default: the last 6 months of sales)"
    )
    args = parser.parse_args(argv)
    root = args.data_dir or settings.current().paths.root
    lots, status = load_lots(root / "warehouse.duckdb")
    print(f"price ranges per auction source: {status}")
    if lots is None:
        return 0
    result = {"data": status, **evaluate(lots, cutoff=args.cutoff)}
    print(format_table(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
