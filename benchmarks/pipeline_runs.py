"""Helpers shared by the pipeline benchmarks: data directories, timed CLI runs, step times.

Every run goes through the ``vintage-ai`` command in a child process (as a user runs it),
wrapped in ``/usr/bin/time -v`` when available for the peak resident memory; per-step
times come from the data directory's Dagster instance afterwards.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TIME = Path("/usr/bin/time")


@dataclass
class Timed:
    """One timed command: wall seconds, peak RSS (MiB, None without /usr/bin/time), output."""

    command: list[str]
    seconds: float
    peak_mib: float | None
    output: str = ""
    runs: list[dict] = field(default_factory=list)
    tree_peak_mib: float | None = None


def environment(data_dir: Path, start: date, extra: dict[str, str] | None = None) -> dict:
    """The environment of a run over ``data_dir`` whose day partitions begin at ``start``."""
    env = dict(os.environ)
    env.update(
        {
            "VINTAGE_AI_DATA_DIR": str(data_dir),
            "DAGSTER_HOME": str(data_dir / "dagster_home"),
            "VINTAGE_AI_START_DATE": start.isoformat(),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "PYTHONWARNINGS": "ignore",
        }
    )
    # The ONNX export is built once and shared by every benchmark data directory.
    env.setdefault("VINTAGE_AI_MODEL_CACHE", str(ROOT / "data" / "models"))
    env.update(extra or {})
    return env


def fresh_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def write_demo(
    data_dir: Path,
    start: date,
    end: date,
    texts_per_car_month: float = 95.0,
    price_history_months: int = 0,
) -> dict:
    """The synthetic demo inbox for ``start..end`` (inclusive), every catalog car, with
    ``price_history_months`` of auction results and valuation points before ``start``."""
    sys.path.insert(0, str(ROOT))
    from vintage_ai_assets.catalog import load_catalog
    from vintage_ai_assets.demo.generator import DemoSpec, write_demo_inbox
    from vintage_ai_assets.paths import DataPaths

    paths = DataPaths(data_dir).ensure()
    summary = write_demo_inbox(
        paths.inbox,
        load_catalog(),
        DemoSpec(
            start=start,
            end=end,
            texts_per_car_month=texts_per_car_month,
            price_history_months=price_history_months,
        ),
    )
    return {
        "texts": summary.texts,
        "auction_lots": summary.auction_lots,
        "files": len(summary.files),
    }


def run_cli(args: list[str], env: dict, python_args: list[str] | None = None) -> Timed:
    """``python -m vintage_ai_assets.cli ARGS`` in a child process, timed; raises on failure.

    ``peak_mib`` is the largest single process's peak (``/usr/bin/time -v``);
    ``tree_peak_mib`` the peak of the summed memory of the whole process tree (worker
    processes included), sampled every half second from /proc.
    """
    command = [sys.executable, *(python_args or []), "-m", "vintage_ai_assets.cli", *args]
    wrapped = [str(TIME), "-v", *command] if TIME.exists() else command
    started = time.perf_counter()
    child = subprocess.Popen(
        wrapped, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    sampler = TreeMemory(child.pid)
    sampler.start()
    stdout, stderr = child.communicate()
    sampler.stop()
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({child.returncode}):\n{stderr[-3000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    return Timed(
        command=args,
        seconds=seconds,
        peak_mib=int(peak.group(1)) / 1024 if peak else None,
        output=stdout,
        tree_peak_mib=sampler.peak_mib,
    )


class TreeMemory(threading.Thread):
    """Samples the summed resident memory of a process and all its descendants (Linux)."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_mib: float | None = None
        self._done = threading.Event()

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=5)

    def run(self) -> None:
        if not Path("/proc/self/stat").exists():
            return
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._done.wait(self.interval):
            rss = sum(_rss_pages(pid) for pid in _descendants(self.pid) | {self.pid}) * page
            self.peak_mib = max(self.peak_mib or 0.0, rss / 2**20)


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children[parent].append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _rss_pages(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def timed_backfill(data_dir: Path, env: dict, start: date, end: date) -> tuple[Timed, dict]:
    """``vintage-ai backfill --start START --end END`` timed in a new process; the timing
    with its Dagster runs (``Timed.runs``) and the seconds per layer summed over the runs."""
    started = time.time()
    timed = run_cli(["backfill", "--start", f"{start}", "--end", f"{end}"], env)
    timed.runs = run_steps(data_dir, since=started)
    layers: dict[str, float] = {}
    for run in timed.runs:
        for layer, seconds in run["layers"].items():
            layers[layer] = round(layers.get(layer, 0.0) + seconds, 2)
    return timed, layers


def layer_of(step_key: str) -> str:
    """The layer a Dagster step belongs to (checks are their own layer)."""
    if step_key == "car_themes":
        return "nlp"
    prefix, _, rest = step_key.partition("__")
    if not rest:
        return step_key.split("_")[0]
    return prefix


def run_steps(data_dir: Path, since: float = 0.0) -> list[dict]:
    """Per run started after ``since`` (epoch seconds): job, wall seconds and step times."""
    os.environ["DAGSTER_HOME"] = str(data_dir / "dagster_home")
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(data_dir / "dagster_home"))
    out = []
    for record in reversed(instance.get_run_records()):
        stats = instance.get_run_stats(record.dagster_run.run_id)
        if not stats.start_time or stats.start_time < since:
            continue
        steps = {}
        for step in instance.get_run_step_stats(record.dagster_run.run_id):
            if step.start_time and step.end_time:
                steps[step.step_key] = round(step.end_time - step.start_time, 2)
        checks = {k: v for k, v in steps.items() if _is_check(k)}
        layers: dict[str, float] = defaultdict(float)
        for key, seconds in steps.items():
            layers["checks" if key in checks else layer_of(key)] += seconds
        wall = (stats.end_time or stats.start_time) - stats.start_time
        out.append(
            {
                "job": record.dagster_run.job_name,
                "seconds": round(wall, 2),
                "steps_seconds": round(sum(steps.values()), 2),
                "layers": {k: round(v, 2) for k, v in sorted(layers.items())},
                "steps": steps,
            }
        )
    instance.dispose()
    return out


@cache
def _asset_steps() -> frozenset[str]:
    """Step keys of the graph's assets (``raw__reddit_archive``, ...)."""
    import warnings

    sys.path.insert(0, str(ROOT))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Dagster's beta/preview notices
        from vintage_ai_assets.definitions import build_definitions

        defs = build_definitions()

    return frozenset("__".join(k.path) for k in defs.resolve_asset_graph().get_all_asset_keys())


def _is_check(step_key: str) -> bool:
    """Check steps are named ``<asset step>_<check name>``; asset steps match the asset keys."""
    return step_key != "car_themes" and step_key not in _asset_steps()


def top_steps(runs: list[dict], n: int = 8) -> list[tuple[str, float]]:
    merged: dict[str, float] = defaultdict(float)
    for run in runs:
        for key, seconds in run["steps"].items():
            merged[key] += seconds
    return sorted(merged.items(), key=lambda kv: -kv[1])[:n]


def write_results(path: Path, payload: dict) -> None:
    """``payload`` with the time and machine, as JSON at ``path``."""
    from datetime import UTC, datetime

    payload = {"when": datetime.now(UTC).isoformat(timespec="seconds"), **payload}
    payload["machine"] = machine()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")


def machine() -> dict:
    import platform

    return {
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
    }
