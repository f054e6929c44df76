"""Scale: the whole pipeline over about a million mentions, with its peak memory and the time
of every layer.

The synthetic demo (32 cars, 2025-05-01..2026-10-31, ~61,700 texts) is replicated
``k`` times into a fresh inbox: each copy of a post gets its own id, author and thread (so
it is a new mention, not a duplicate of the original) but keeps its text, day and car, as
the same news, questions and complaints recur across a large community. So the scale-up
has ``k`` times the mentions per car and day, and the same ~52,000 distinct texts, which
the platform embeds once each (the embedding layer is the demo's; every other layer sees
every mention). ``k`` is chosen so that the mentions reach ``--mentions``.

Then ``vintage-ai backfill`` over every day and car, as a user runs it (the days in as
few runs as ``VINTAGE_AI_RUN_INBOX_MB`` allows, then one run for every car), timed in a new
process: peak memory of the largest process (``/usr/bin/time -v``) and of the whole
process tree (worker processes included, sampled from /proc), seconds per layer from
Dagster's step records, and the rows of the main tables.

    python benchmarks/bench_scale.py [--mentions 1000000] [--reuse-inbox]

Prints tables and writes ``benchmarks/results/scale.json``. Takes about an hour on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pipeline_runs as pr  # noqa: E402
from bench_backfill import DEMO_END, DEMO_START, LAYERS  # noqa: E402

TARGET_PEAK_MIB = 4096.0
#: Share of demo texts that become mentions (the rest: duplicates, spam, bots, no car).
DEMO_KEPT_SHARE = 0.93
TEXT_FOLDERS = ("reddit", "social")


def _suffix(value: object, copy: int) -> object:
    return f"{value}x{copy}" if isinstance(value, str) and value else value


def replicate_record(record: dict, copy: int) -> dict:
    """Copy ``copy`` (1..k-1) of a Reddit or social-export record: own ids, author, thread."""
    if copy == 0:
        return record
    out = dict(record)
    for key in ("id", "thread_id", "url", "permalink"):
        if key in out:
            out[key] = _suffix(out[key], copy)
    for key in ("name", "link_id", "parent_id"):  # Reddit fullnames: t3_<id>, t1_<id>
        if isinstance(out.get(key), str) and "_" in out[key]:
            out[key] = _suffix(out[key], copy)
    author = out.get("author")
    if isinstance(author, str) and author and not _is_bot(author):
        out["author"] = f"{author}_{copy}"
    return out


def _is_bot(author: str) -> bool:
    from vintage_ai_assets.sources.authors import is_bot

    return is_bot(author)


def replicate_inbox(source: Path, target: Path, copies: int) -> int:
    """Write ``copies`` of every text record of ``source``'s inbox into ``target``'s; copy
    the auction and valuation files once. Returns the records written."""
    written = 0
    for folder in ("auctions", "valuations"):
        shutil.copytree(source / folder, target / folder, dirs_exist_ok=True)
    for folder in TEXT_FOLDERS:
        (target / folder).mkdir(parents=True, exist_ok=True)
        for path in sorted((source / folder).iterdir()):
            with (
                path.open(encoding="utf-8") as lines,
                (target / folder / path.name).open("w", encoding="utf-8") as out,
            ):
                for line in lines:
                    if not line.strip():
                        continue
                    record = json.loads(line)
                    for copy in range(copies):
                        out.write(json.dumps(replicate_record(record, copy), ensure_ascii=False))
                        out.write("\n")
                        written += 1
    return written


def table_rows(data_dir: Path) -> dict[str, int]:
    sys.path.insert(0, str(pr.ROOT))
    from vintage_ai_assets.warehouse import Warehouse

    store = Warehouse(data_dir / "warehouse.duckdb")
    counts = {}
    for table in (
        "raw.reddit_archive",
        "raw.social_posts",
        "clean.mentions",
        "clean.quarantine",
        "nlp.text_embeddings",
        "nlp.mention_sentiment",
        "nlp.car_topics",
        "nlp.mention_topics",
        "series.car_daily",
        "models.attention_models",
        "forecasts.car_forecasts",
    ):
        if store.table_exists(table):
            counts[table] = int(store.query(f"SELECT count(*) AS n FROM {table}")["n"][0])
    if store.table_exists("clean.mentions"):
        per_car = store.query("SELECT count(*) AS n FROM clean.mentions GROUP BY car")["n"]
        counts["largest car's mentions"] = int(per_car.max())
        counts["distinct texts"] = int(
            store.query("SELECT count(DISTINCT text_hash) AS n FROM clean.mentions")["n"][0]
        )
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1_000_000, help="mentions to reach")
    parser.add_argument("--work", type=Path, default=pr.ROOT / "data" / "bench" / "scale")
    parser.add_argument(
        "--reuse-inbox", action="store_true", help="keep a replicated inbox from a past run"
    )
    parser.add_argument("--output", type=Path, default=pr.RESULTS / "scale.json")
    args = parser.parse_args(argv)

    args.work = args.work.resolve()
    data_dir = args.work / "data"
    inbox = data_dir / "inbox"
    if args.reuse_inbox and (args.work / "inbox.json").exists():
        made = json.loads((args.work / "inbox.json").read_text())
        for leftover in ("warehouse.duckdb", "warehouse.duckdb.wal", "dagster_home", "mlflow"):
            path = data_dir / leftover
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
        shutil.rmtree(data_dir / "state", ignore_errors=True)
        shutil.rmtree(data_dir / "reports", ignore_errors=True)
    else:
        source = pr.fresh_dir(args.work / "demo")
        demo = pr.write_demo(source, DEMO_START, DEMO_END)
        copies = max(1, math.ceil(args.mentions / (demo["texts"] * DEMO_KEPT_SHARE)))
        pr.fresh_dir(data_dir)
        started = time.perf_counter()
        records = replicate_inbox(source / "inbox", inbox, copies)
        made = {
            "demo_texts": demo["texts"],
            "copies": copies,
            "records": records,
            "inbox_mib": round(sum(p.stat().st_size for p in inbox.rglob("*")) / 2**20, 1),
            "replicate_seconds": round(time.perf_counter() - started, 1),
        }
        (args.work / "inbox.json").write_text(json.dumps(made, indent=2))
    print(
        f"inbox: {made['records']:,} text records ({made['copies']} copies of "
        f"{made['demo_texts']:,} demo texts), {made['inbox_mib']} MiB"
    )

    env = pr.environment(data_dir, DEMO_START)
    timed, layers = pr.timed_backfill(data_dir, env, DEMO_START, DEMO_END)
    runs = timed.runs
    rows = table_rows(data_dir)
    result = {
        "inbox": made,
        "seconds": round(timed.seconds, 1),
        "peak_process_mib": round(timed.peak_mib, 1) if timed.peak_mib else None,
        "peak_tree_mib": round(timed.tree_peak_mib, 1) if timed.tree_peak_mib else None,
        "runs": [{k: r[k] for k in ("job", "seconds", "layers")} for r in runs],
        "layers": layers,
        "outside_runs_seconds": round(timed.seconds - sum(r["seconds"] for r in runs), 1),
        "top_steps": pr.top_steps(runs, 12),
        "rows": rows,
        "cli_output": timed.output.splitlines()[-12:],
    }
    peak = max(result["peak_process_mib"] or 0, result["peak_tree_mib"] or 0)
    result["target_met"] = bool(peak) and peak < TARGET_PEAK_MIB

    print(f"\n{rows.get('clean.mentions', 0):,} mentions: {result['seconds']:.0f} s wall")
    print(
        f"peak memory: {result['peak_process_mib']} MiB largest process, "
        f"{result['peak_tree_mib']} MiB process tree (target < {TARGET_PEAK_MIB:.0f})"
    )
    print("runs: " + ", ".join(f"{r['job']} {r['seconds']:.0f}s" for r in runs))
    print(f"{'layer':>10} {'seconds':>9}")
    for layer in LAYERS:
        if layer in layers:
            print(f"{layer:>10} {layers[layer]:>9.1f}")
    print(f"{'other':>10} {result['outside_runs_seconds']:>9.1f}  (process start, imports)")
    print("rows:")
    for table, count in rows.items():
        print(f"  {table:32s} {count:>12,}")
    pr.write_results(args.output, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
