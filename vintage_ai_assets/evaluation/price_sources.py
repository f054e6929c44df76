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
``--cutoff`` for an earlier split; ``--seed N`` for a fresh market: ``make demo``'s auction
lots drawn again with seed ``N`` and cleaned by the pipeline's own rules, no warehouse
needed — how a new TEST is drawn once a split has been looked at). A source's coverage is a proportion of few lots: with 64
test lots, a range that holds exactly 80% of a source's sales falls outside ± 5 points
about a quarter of the time (28%), so the table gives each its 95% interval and says,
for a source outside the band, whether that interval still reaches it.
Skipped, and says so, when the warehouse has no sold lots.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from vintage_ai_assets.valuation.prices import fit_price_model

DEFAULT_OUT = Path("benchmarks/results/eval_price_sources.json")
TEST_MONTHS = 6
TARGET, TOLERANCE = 0.80, 0.05
MIN_SOURCE_LOTS = 20  # a source with fewer test lots is listed, not judged
#: The sold lots' columns the evaluation reads (``clean.auction_lots``, prices in USD).
LOT_COLUMNS = (
    "lot_id", "car", "sold_at", "make", "model", "year", "mileage", "price_usd AS price",
    "title", "description", "attributes", "auction_house",
)  # fmt: skip


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
        f"SELECT {', '.join(LOT_COLUMNS)} FROM clean.auction_lots "
        "WHERE sold AND price_usd IS NOT NULL"
    )
    if lots.empty:
        return None, f"skipped: {warehouse} has no sold lots"
    return lots, f"read {len(lots):,} sold lots from {warehouse}"


def demo_market_lots(seed: int, end: date = date(2026, 10, 31)) -> tuple[pd.DataFrame, str]:
    """The sold lots of ``make demo``'s market (every catalog car, its 5 years of history and
    18 months ending ``end``) drawn with ``seed``, matched and converted to USD by the
    pipeline's own rules, as :func:`load_lots` gives them."""
    from vintage_ai_assets.catalog import load_catalog
    from vintage_ai_assets.cleaning.auction_lots import match_lots
    from vintage_ai_assets.cli import DEMO_PRICE_HISTORY_MONTHS
    from vintage_ai_assets.demo.generator import DemoSpec
    from vintage_ai_assets.demo.market import AUCTION_COLUMNS, Market
    from vintage_ai_assets.demo.window import Window
    from vintage_ai_assets.demo.wording import Numbers
    from vintage_ai_assets.sources.auctions import load_mappings, read_auction_files
    from vintage_ai_assets.sources.records import TimeWindow

    catalog = load_catalog()
    spec = DemoSpec.ending(end, price_history_months=DEMO_PRICE_HISTORY_MONTHS, seed=seed)
    cars = [catalog[slug] for slug in sorted(catalog.slugs)]
    rows = Market(Window(spec), cars, Numbers(catalog)).auctions()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo-auctions.csv"
        pd.DataFrame(rows, columns=AUCTION_COLUMNS).to_csv(path, index=False)
        read = read_auction_files(
            [path], TimeWindow(datetime(1900, 1, 1), datetime(2100, 1, 1)), load_mappings()
        )
    kept, _ = match_lots(read.accepted, catalog)
    sold = kept[kept["sold"] & kept["price_usd"].notna()]
    lots = sold.rename(columns={"price": "price_local"}).rename(columns={"price_usd": "price"})
    lots = lots[[c.split(" AS ")[-1] for c in LOT_COLUMNS]]
    return lots.reset_index(drop=True), (
        f"drew {len(lots):,} sold lots of the demo market with seed {seed} (to {end})"
    )


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


def _row(scored: pd.DataFrame, source: str) -> dict:
    price, low, high = (scored[c].to_numpy(float) for c in ("price", "low", "high"))
    inside = (price >= low) & (price <= high)
    base_inside = (price >= scored["base_low"].to_numpy()) & (
        price <= scored["base_high"].to_numpy()
    )
    n = len(price)
    coverage = float(inside.mean()) if n else math.nan
    ci95 = wilson(int(inside.sum()), n)
    return {
        "source": source,
        "test_lots": int(n),
        "coverage": round(coverage, 3),
        "ci95": ci95,
        "below_p10": round(float((price < low).mean()), 3) if n else math.nan,
        "above_p90": round(float((price > high).mean()), 3) if n else math.nan,
        "baseline_coverage": round(float(base_inside.mean()), 3) if n else math.nan,
        "within_target": bool(n >= MIN_SOURCE_LOTS and abs(coverage - TARGET) <= TOLERANCE + 1e-9),
        # the 95% interval reaches into the target band: too few lots to tell it apart
        "consistent": bool(
            n >= MIN_SOURCE_LOTS
            and ci95[0] <= TARGET + TOLERANCE + 1e-9
            and ci95[1] >= TARGET - TOLERANCE - 1e-9
        ),
        "judged": bool(n >= MIN_SOURCE_LOTS),
    }


def _ranges(train: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    """``test``'s source and price with the model's p10–p90 (fitted on ``train``) and the
    baseline's range."""
    predicted = fit_price_model(train).predict(test)
    base_low, base_high = _comparables_range(train, test)
    return pd.DataFrame(
        {
            "source": test["auction_house"].fillna("(none)").to_numpy(),
            "price": test["price"].to_numpy(float),
            "low": predicted["p10"].to_numpy(),
            "high": predicted["p90"].to_numpy(),
            "base_low": base_low,
            "base_high": base_high,
        }
    )


def _split(
    lots: pd.DataFrame, test_months: int, cutoff: str | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """(lots sold before the test months, lots sold in them, their first day)."""
    sold = pd.to_datetime(lots["sold_at"])
    start = (
        pd.Timestamp(cutoff)
        if cutoff
        else sold.max().normalize() - pd.DateOffset(months=test_months)
    )
    later = sold >= start
    if cutoff:
        later &= sold < start + pd.DateOffset(months=test_months)
    return lots[sold < start], lots[later], start


def evaluate(
    lots: pd.DataFrame | list[pd.DataFrame],
    test_months: int = TEST_MONTHS,
    unseen: bool = True,
    cutoff: str | None = None,
) -> dict:
    """Coverage per source on the time split (the last ``test_months``, or the ``test_months``
    from ``cutoff``), and for each source left out of training. A list of markets is split
    and fitted one by one and scored together (more test lots per source)."""
    markets = lots if isinstance(lots, list) else [lots]
    seen, left_out, starts = [], [], []
    train_lots = test_lots = 0
    for market in markets:
        train, test, start = _split(market, test_months, cutoff)
        starts.append(start)
        train_lots, test_lots = train_lots + len(train), test_lots + len(test)
        seen.append(_ranges(train, test))
        if not unseen:
            continue
        source = test["auction_house"].fillna("(none)").to_numpy()
        train_source = train["auction_house"].fillna("(none)").to_numpy()
        for name in sorted(set(source)):
            if (source == name).sum() >= MIN_SOURCE_LOTS:
                left_out.append(_ranges(train[train_source != name], test[source == name]))
    scored = pd.concat(seen, ignore_index=True)
    rows = [_row(scored, "all sources")]
    rows += [_row(group, name) for name, group in scored.groupby("source", sort=True)]
    unseen_rows = []
    if left_out:
        missed = pd.concat(left_out, ignore_index=True)
        unseen_rows = [_row(group, name) for name, group in missed.groupby("source", sort=True)]
    first = min(starts)
    where = f" in each of {len(markets)} markets" if len(markets) > 1 else ""
    return {
        "protocol": f"fitted on lots sold before {first:%Y-%m-%d}, scored on the {test_months} "
        f"months from it{where}; target {TARGET:.0%} ± {TOLERANCE * 100:.0f} points per source "
        f"with at least {MIN_SOURCE_LOTS} test lots",
        "train_lots": int(train_lots),
        "test_lots": int(test_lots),
        "sources": rows,
        "unseen_source": unseen_rows,
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
            verdict = "too few"
            if r["judged"]:
                verdict = "met" if r["within_target"] else "NOT met"
                if not r["within_target"]:
                    verdict += " (CI reaches it)" if r["consistent"] else " (CI outside)"
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
    parser.add_argument(
        "--seed",
        type=int,
        nargs="+",
        help="draw the demo market's lots with this seed (several: scored together) instead",
    )
    args = parser.parse_args(argv)
    if args.seed:
        drawn = [demo_market_lots(seed) for seed in args.seed]
        lots, status = [m for m, _ in drawn], "; ".join(why for _, why in drawn)
    else:
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
