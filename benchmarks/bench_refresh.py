"""Daily refresh cost against history length: one new day and everything downstream of it.

For each history length N (60, 180, 540 days by default) a fresh data directory gets the
synthetic demo for the N days before the new day D plus D itself (every catalog car); the
N days are backfilled and every car trained (set-up, timed separately), then
``vintage-ai refresh --day D`` runs in a new process and is timed as a user sees it:
Python start-up, loading the definitions, the daily run of D (raw → clean → nlp →
series) and the per-car run (price index, forecasts from the trained models, price
estimates, reports), Dagster's overhead included. ``--profile`` also runs the refresh of
the longest history under pyinstrument (``benchmarks/results/refresh_profile.txt``).

    python benchmarks/bench_refresh.py [--history 60,180,540] [--day 2026-10-31] [--profile]

Prints a table and writes ``benchmarks/results/refresh.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pipeline_runs as pr  # noqa: E402

TARGET_SECONDS = 15.0  # issue 16: a refresh in at most 15 s


def measure(history: int, day: date, work: Path, profile: bool, reuse: bool) -> dict:
    data_dir = work / f"history-{history}"
    start = day - timedelta(days=history)
    env = pr.environment(data_dir, start)
    setup_file = data_dir / "setup.json"
    if reuse and setup_file.exists():
        setup_record = json.loads(setup_file.read_text())
        print(f"history {history} days: reusing {data_dir}")
    else:
        pr.fresh_dir(data_dir)
        demo = pr.write_demo(data_dir, start, day)
        print(
            f"history {history} days ({start}..{day - timedelta(days=1)}): {demo['texts']:,} texts"
        )
        setup_started = time.time()
        setup = pr.run_cli(
            ["backfill", "--start", start.isoformat(), "--end", f"{day - timedelta(days=1)}"], env
        )
        print(f"  set-up (backfill + training): {setup.seconds:.0f} s")
        setup_record = {
            "texts": demo["texts"],
            "setup_seconds": round(setup.seconds, 1),
            "setup_peak_mib": round(setup.peak_mib, 1) if setup.peak_mib else None,
            "setup_runs": [
                {k: r[k] for k in ("job", "seconds", "layers")}
                for r in pr.run_steps(data_dir, since=setup_started)
            ],
        }
        setup_file.write_text(json.dumps(setup_record, indent=2), encoding="utf-8")
    refresh_started = time.time()
    refresh = pr.run_cli(["refresh", "--day", day.isoformat()], env)
    runs = pr.run_steps(data_dir, since=refresh_started)
    print(f"  refresh of {day}: {refresh.seconds:.1f} s wall")
    result = {
        "history_days": history,
        **setup_record,
        "refresh_seconds": round(refresh.seconds, 2),
        "refresh_peak_mib": round(refresh.peak_mib, 1) if refresh.peak_mib else None,
        "refresh_runs": [{k: r[k] for k in ("job", "seconds", "layers")} for r in runs],
        "refresh_outside_runs_seconds": round(refresh.seconds - sum(r["seconds"] for r in runs), 2),
        "refresh_top_steps": pr.top_steps(runs),
    }
    if profile:
        out = pr.RESULTS / "refresh_profile.txt"
        # Rerun the same day under the profiler (a rerun replaces exactly that day's rows).
        pr.run_cli(
            ["refresh", "--day", day.isoformat()],
            env,
            python_args=["-m", "pyinstrument", "-r", "text", "-o", str(out)],
        )
        result["profile"] = str(out.relative_to(pr.ROOT))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", default="60,180,540", help="history lengths in days")
    parser.add_argument("--day", default="2026-10-31", help="the new day (inside the demo)")
    parser.add_argument("--work", type=Path, default=pr.ROOT / "data" / "bench")
    parser.add_argument("--profile", action="store_true", help="profile the longest history")
    parser.add_argument(
        "--reuse", action="store_true", help="keep data directories already set up by a past run"
    )
    parser.add_argument("--output", type=Path, default=pr.RESULTS / "refresh.json")
    args = parser.parse_args(argv)
    day = date.fromisoformat(args.day)
    histories = sorted(int(h) for h in args.history.split(","))
    results = [
        measure(h, day, args.work, args.profile and h == histories[-1], args.reuse)
        for h in histories
    ]

    print()
    print(f"{'history':>8} {'texts':>8} {'refresh s':>10} {'daily run':>10} {'per-car run':>12} "
          f"{'start-up':>9} {'peak MiB':>9}")  # fmt: skip
    for r in results:
        by_job = {run["job"]: run["seconds"] for run in r["refresh_runs"]}
        per_car = sum(v for k, v in by_job.items() if k.startswith("per_car"))
        print(
            f"{r['history_days']:>8} {r['texts']:>8,} {r['refresh_seconds']:>10.1f} "
            f"{by_job.get('daily_refresh', 0):>10.1f} {per_car:>12.1f} "
            f"{r['refresh_outside_runs_seconds']:>9.1f} {r['refresh_peak_mib'] or 0:>9.0f}"
        )
    longest = results[-1]
    print(f"\ntop steps of the refresh at {longest['history_days']} days:")
    for key, seconds in longest["refresh_top_steps"]:
        print(f"  {key:50s} {seconds:6.2f} s")
    spread = max(r["refresh_seconds"] for r in results) / min(r["refresh_seconds"] for r in results)
    met = all(r["refresh_seconds"] < TARGET_SECONDS for r in results)
    print(
        f"\nlongest/shortest refresh: {spread:.2f}x; every refresh under {TARGET_SECONDS:.0f} s: "
        f"{'yes' if met else 'NO'}"
    )
    payload = {
        "day": args.day,
        "results": results,
        "longest_over_shortest": round(spread, 3),
        "target_met": met,
    }
    pr.write_results(args.output, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
