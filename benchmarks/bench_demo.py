"""The first hour: `make demo` on a fresh clone, install included, and where its time goes.

Clones a commit of this repository (HEAD by default) into a temporary folder and runs
`make demo` there as a new user would (a new .venv from constraints.txt, the synthetic
demo, the ONNX export of the embedding model, the whole graph), timing it with
``/usr/bin/time -v``. Each line of output is time-stamped as it arrives; the phases are
read from them: install (until the demo data line), demo data, the days run, the per-car
run and the summary. Also counts lines on stderr that are not the platform's (framework
warnings, which should stay in the log file).

    python benchmarks/bench_demo.py [--commit HEAD] [--keep]

Prints a table and writes ``benchmarks/results/demo.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TARGET_SECONDS = 600.0
#: (phase, the output line that ends it)
MARKS = (
    ("install", re.compile(r"^demo data \(synthetic")),
    ("days", re.compile(r"^days done in")),
    ("cars", re.compile(r"^cars done in")),
    ("summary", re.compile(r"^demo finished in")),
)


def _read(stream, lines: list[tuple[float, str]], started: float) -> None:
    for raw in iter(stream.readline, ""):
        lines.append((time.monotonic() - started, raw.rstrip("\n")))


def run_demo(clone: Path) -> tuple[float, list[tuple[float, str]], list[str], str]:
    """(wall seconds, stamped stdout lines, stderr lines, /usr/bin/time report)."""
    report = clone / "time.txt"
    command = ["/usr/bin/time", "-v", "-o", str(report), "make", "demo"]
    # As a new user: no data directory, Dagster home or model cache from this environment.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VINTAGE_AI_", "DAGSTER_")) and k != "VIRTUAL_ENV"
    }
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=clone, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    out: list[tuple[float, str]] = []
    err: list[tuple[float, str]] = []
    readers = [
        threading.Thread(target=_read, args=(process.stdout, out, started)),
        threading.Thread(target=_read, args=(process.stderr, err, started)),
    ]
    for reader in readers:
        reader.start()
    code = process.wait(timeout=3600)
    for reader in readers:
        reader.join(timeout=60)
    seconds = time.monotonic() - started
    if code != 0:
        tail = "\n".join(line for _, line in (out + err)[-30:])
        raise SystemExit(f"make demo failed ({code}):\n{tail}")
    return seconds, out, [line for _, line in err], report.read_text()


def phases(lines: list[tuple[float, str]], total: float) -> dict[str, float]:
    """Seconds per phase, from the time-stamped output lines."""
    found, last = {}, 0.0
    for name, mark in MARKS:
        when = next((t for t, line in lines if mark.search(line)), None)
        if when is not None:
            found[name] = round(when - last, 1)
            last = when
    found["end"] = round(total - last, 1)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--keep", action="store_true", help="keep the clone")
    parser.add_argument("--output", type=Path, default=RESULTS / "demo.json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vintage-demo-"))
    clone = work / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "checkout", "-q", args.commit], cwd=clone, check=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True, text=True
    ).stdout.strip()
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"make demo on a fresh clone of {commit} in {clone} (load average {load})")
    try:
        seconds, out, err, report = run_demo(clone)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    peak_mib = int(peak.group(1)) / 1024 if peak else None
    split = phases(out, seconds)
    progress_lines = sum(1 for _, line in out if line.startswith(("[", "        ")))
    result = {
        "commit": commit,
        "seconds": round(seconds, 1),
        "target_seconds": TARGET_SECONDS,
        "phases": split,
        "peak_mib": round(peak_mib, 1) if peak_mib else None,
        "progress_lines": progress_lines,
        "stderr_lines": len(err),
        "stderr_sample": err[:10],
        "load_average": float(load),
    }
    print(f"{'phase':<10}{'seconds':>10}")
    for name, value in split.items():
        print(f"{name:<10}{value:>10.1f}")
    verdict = "met" if seconds <= TARGET_SECONDS else "NOT met"
    print(f"{'total':<10}{seconds:>10.1f}  (target ≤ {TARGET_SECONDS:.0f} s: {verdict})")
    print(f"peak RSS of the largest process: {peak_mib:.0f} MiB" if peak_mib else "")
    print(f"progress lines: {progress_lines}; lines on stderr: {len(err)}")
    for line in err[:10]:
        print(f"  stderr: {line[:160]}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
