"""The first backfill: the whole demo history in one run, with the time of every layer; and
one run against a process and run per day on a slice, to show what single-run backfills save.

1. A fresh data directory gets the synthetic demo as ``make demo`` writes it (32 cars,
   2025-05-01..2026-10-31, with 5 years of auction results and valuation points before) and
   ``vintage-ai backfill`` over all of it: one run for every day (raw → clean → nlp →
   series) and one run for every car (themes, models, forecasts, reports), timed end to
   end in a new process, with peak memory and the seconds of each layer from Dagster.
2. The same inbox, a slice of ``--slice-days`` days, loaded two ways into fresh data
   directories: one ``backfill --days-only`` process for the whole slice, and one process
   per day (what a per-partition backfill costs: a run, and here a process, per day).

    python benchmarks/bench_backfill.py [--slice-days 7] [--skip-full]

Prints tables and writes ``benchmarks/results/backfill.json``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pipeline_runs as pr  # noqa: E402

from vintage_ai_assets.cli import DEMO_PRICE_HISTORY_MONTHS  # noqa: E402

DEMO_START, DEMO_END = date(2025, 5, 1), date(2026, 10, 31)
TARGET_SECONDS = 600.0
LAYERS = ("catalog", "raw", "clean", "nlp", "series", "models", "forecasts", "reports", "checks")


def full_backfill(work: Path) -> dict:
    data_dir = pr.fresh_dir(work / "full")
    demo = pr.write_demo(
        data_dir, DEMO_START, DEMO_END, price_history_months=DEMO_PRICE_HISTORY_MONTHS
    )
    env = pr.environment(data_dir, DEMO_START)
    print(f"demo: {demo['texts']:,} texts, {demo['auction_lots']:,} lots, {DEMO_START}..{DEMO_END}")
    timed, layers = pr.timed_backfill(data_dir, env, DEMO_START, DEMO_END)
    runs = timed.runs
    return {
        "texts": demo["texts"],
        "days": (DEMO_END - DEMO_START).days + 1,
        "seconds": round(timed.seconds, 1),
        "peak_mib": round(timed.peak_mib, 1) if timed.peak_mib else None,
        "runs": [{k: r[k] for k in ("job", "seconds", "steps_seconds", "layers")} for r in runs],
        "layers": layers,
        "outside_runs_seconds": round(timed.seconds - sum(r["seconds"] for r in runs), 1),
        "top_steps": pr.top_steps(runs, 12),
    }


def slice_comparison(work: Path, days: int) -> dict:
    first = DEMO_END - timedelta(days=days - 1)
    source = pr.fresh_dir(work / "slice-inbox")
    pr.write_demo(source, first, DEMO_END)
    timings = {}
    for mode in ("one_run", "run_per_day"):
        data_dir = pr.fresh_dir(work / f"slice-{mode}")
        shutil.copytree(source / "inbox", data_dir / "inbox")
        env = pr.environment(data_dir, first)
        # Both start from an instance with the catalog loaded and the days' code imported.
        pr.run_cli(["backfill", "--start", f"{first}", "--end", f"{first}", "--days-only"], env)
        started = time.perf_counter()
        if mode == "one_run":
            pr.run_cli(
                ["backfill", "--start", f"{first}", "--end", f"{DEMO_END}", "--days-only"], env
            )
        else:
            for offset in range(days):
                day = first + timedelta(days=offset)
                pr.run_cli(["backfill", "--start", f"{day}", "--end", f"{day}", "--days-only"], env)
        timings[mode] = round(time.perf_counter() - started, 1)
        print(f"  slice {first}..{DEMO_END}, {mode}: {timings[mode]:.1f} s")
    return {
        "first": f"{first}",
        "last": f"{DEMO_END}",
        "days": days,
        **{f"{k}_seconds": v for k, v in timings.items()},
        "speedup": round(timings["run_per_day"] / timings["one_run"], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slice-days", type=int, default=7)
    parser.add_argument("--skip-full", action="store_true", help="only the slice comparison")
    parser.add_argument("--work", type=Path, default=pr.ROOT / "data" / "bench")
    parser.add_argument("--output", type=Path, default=pr.RESULTS / "backfill.json")
    args = parser.parse_args(argv)

    full = None if args.skip_full else full_backfill(args.work / "backfill")
    if full:
        print(f"\nwhole demo in one run: {full['seconds']:.0f} s wall, peak {full['peak_mib']} MiB")
        print(f"{'layer':>10} {'seconds':>9}")
        for layer in LAYERS:
            if layer in full["layers"]:
                print(f"{layer:>10} {full['layers'][layer]:>9.1f}")
        print(f"{'other':>10} {full['outside_runs_seconds']:>9.1f}  (process start, imports)")
        print("top steps:")
        for key, seconds in full["top_steps"]:
            print(f"  {key:50s} {seconds:7.1f} s")
    print(f"\nslice of {args.slice_days} days:")
    piece = slice_comparison(args.work / "backfill", args.slice_days)
    print(
        f"one run {piece['one_run_seconds']:.1f} s vs a run per day {piece['run_per_day_seconds']:.1f} s:"
        f" {piece['speedup']:.1f}x"
    )
    payload = {
        "full": full,
        "slice": piece,
        "target_met": None if full is None else full["seconds"] < TARGET_SECONDS,
    }
    pr.write_results(args.output, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
