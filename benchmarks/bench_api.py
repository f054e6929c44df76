"""API latency while the platform writes: `vintage-ai serve` against a backfill in progress.

On a data directory set up by ``bench_refresh.py`` (``data/bench/history-N``), a snapshot is
published, ``vintage-ai serve`` starts on a free port and ``vintage-ai backfill --days-only``
rewrites every day of the history in another process. Meanwhile a client loops over the
API's reads (``/api/cars``, ``/api/cars/{car}``, ``/api/cars/{car}/report``,
``/api/health``) and a price request; the same number of rounds reads the warehouse file
directly (``warehouse.connect()``, as a notebook does), which waits while the backfill
holds it. Prints p50 / p95 / max per path and writes ``benchmarks/results/api.json``.

    python benchmarks/bench_api.py [--history 60] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pipeline_runs as pr  # noqa: E402

from vintage_ai_assets_tests.processes import free_port, stop_group  # noqa: E402

TARGET_P95_MS = 200.0


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
        "max_ms": round(ordered[-1], 1),
    }


def timed_get(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=300) as response:
        response.read()
        assert response.status == 200, url
    return (time.perf_counter() - started) * 1000


def timed_post(url: str, body: dict) -> float:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=300) as response:
        response.read()
        assert response.status == 200, url
    return (time.perf_counter() - started) * 1000


def direct_read(warehouse: Path) -> float:
    """One read of the warehouse file as a notebook does it (waits out a writer)."""
    from vintage_ai_assets.warehouse import connect

    started = time.perf_counter()
    with connect(warehouse, wait_seconds=300) as con:
        con.execute("SELECT car, max(date), sum(mentions) FROM series.car_daily GROUP BY car").df()
    return (time.perf_counter() - started) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=60)
    parser.add_argument("--day", default="2026-10-31")
    parser.add_argument("--work", type=Path, default=pr.ROOT / "data" / "bench")
    parser.add_argument("--output", type=Path, default=pr.RESULTS / "api.json")
    args = parser.parse_args(argv)
    day = date.fromisoformat(args.day)
    data_dir = args.work / f"history-{args.history}"
    if not (data_dir / "setup.json").exists():
        raise SystemExit(f"{data_dir} is not set up: run benchmarks/bench_refresh.py first")
    start = day - timedelta(days=args.history)
    env = pr.environment(data_dir, start)
    pr.run_cli(["publish"], env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "vintage_ai_assets.cli", "serve", "--port", str(port)],
        env=env,
        cwd=pr.ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    results: dict[str, object] = {"history_days": args.history}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                timed_get(f"{base}/api/health")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("serve did not start") from None
                time.sleep(0.3)
        cars = json.loads(urllib.request.urlopen(f"{base}/api/cars").read())
        car = cars[0]["car"]
        lot = {"make": "Porsche", "model": "993", "year": 1996, "mileage": 60000}
        timed_post(f"{base}/api/price", lot)  # the price model loads once
        reads = {
            "/api/cars": lambda: timed_get(f"{base}/api/cars"),
            "/api/cars/{car}": lambda: timed_get(f"{base}/api/cars/{car}"),
            "/api/cars/{car}/report": lambda: timed_get(f"{base}/api/cars/{car}/report"),
            "/api/health": lambda: timed_get(f"{base}/api/health"),
            "POST /api/price": lambda: timed_post(f"{base}/api/price", lot),
        }
        backfill = subprocess.Popen(
            [sys.executable, "-m", "vintage_ai_assets.cli", "backfill", "--start",
             start.isoformat(), "--end", (day - timedelta(days=1)).isoformat(), "--days-only"],
            env=env, cwd=pr.ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        api: dict[str, list[float]] = {path: [] for path in reads}
        direct: list[float] = []
        stop = threading.Event()

        def read_directly() -> None:
            while not stop.is_set():
                direct.append(direct_read(data_dir / "warehouse.duckdb"))
                time.sleep(0.2)

        reader = threading.Thread(target=read_directly, daemon=True)
        time.sleep(5)  # the backfill has started writing
        reader.start()
        backfill_started = time.monotonic()
        while backfill.poll() is None:
            for path, call in reads.items():
                api[path].append(call())
            time.sleep(0.05)
        stop.set()
        reader.join(timeout=300)
        if backfill.returncode != 0:
            raise SystemExit(f"backfill failed: {backfill.stderr.read()[-2000:]}")
        results["backfill_seconds"] = round(time.monotonic() - backfill_started + 5, 1)
        results["api"] = {path: percentiles(samples) for path, samples in api.items()}
        every = [s for samples in api.values() for s in samples]
        results["api_all"] = percentiles(every)
        results["direct_warehouse_read"] = percentiles(direct) if direct else None
    finally:
        stop_group(server, grace=10)
    print(f"history {args.history} days, backfill of every day: {results['backfill_seconds']} s")
    print(f"{'path':28s} {'n':>5s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s}")
    rows = {**results["api"], "API, all requests": results["api_all"]}
    if results["direct_warehouse_read"]:
        rows["warehouse file, direct"] = results["direct_warehouse_read"]
    for path, p in rows.items():
        print(
            f"{path:28s} {p['n']:>5d} {p['p50_ms']:>8.1f} {p['p95_ms']:>8.1f} {p['max_ms']:>8.1f}"
        )
    met = results["api_all"]["p95_ms"] <= TARGET_P95_MS
    print(f"API p95 <= {TARGET_P95_MS:.0f} ms during the backfill: {'yes' if met else 'NO'}")
    results["target_met"] = met
    pr.write_results(args.output, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
