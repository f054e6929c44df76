"""How long loading the Dagster definitions takes, against ``import dagster`` alone.

Each sample is a fresh Python process (as a code server, a run worker or ``vintage-ai``
starts): (a) ``import dagster``; (b) ``import vintage_ai_assets.definitions``, then the
definitions built as Dagster loads the code location (:func:`definitions.defs`) with the
asset graph and every job resolved; (b') the same with this package's sources compiled in
the process (``PYTHONDONTWRITEBYTECODE=1`` on a checkout: no ``__pycache__``). (a) and (b)
use compiled modules, cached in a temporary ``PYTHONPYCACHEPREFIX`` by a warm-up run, as
an installed package (the Docker image) has them. The data directory is an empty temporary
one. The three alternate, ``--rounds`` of each (5 by default).

Two wall times from the parent, both with the interpreter's start-up: until the process has
ended, as ``time python -c ...`` measures it (the target, ratio of the medians (b)/(a)
≤ 2.5, is judged on this), and until the child was ready (it prints ``time.monotonic()``
when done), i.e. without the exit: Python's teardown of the loaded modules takes ~0.25 s
after ``import dagster`` and ~0.5 s after the definitions. Medians and minima.

Then one more process under ``python -X importtime`` lists the third-party imports of 50 ms
or more (cumulative) that the platform's modules make after ``import dagster``, with the
importer of each, and times what ``dg.load_from_defs_folder`` spends on Dagster's
component library (JSON of the installed component types, on every load) and what the
garbage collector takes after ``import dagster``.

    python benchmarks/bench_defs_load.py [--rounds 5] [--tree DIR]

``--tree`` measures the package in another source tree (e.g. ``git archive`` of an older
commit) with this virtualenv. Prints a table and writes
``benchmarks/results/defs_load.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline_runs import write_results  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "defs_load.json"
TARGET_RATIO = 2.5
MIN_IMPORT_MS = 50.0
# Dagster's own packages: their imports are the baseline, not the platform's.
DAGSTER_PACKAGES = re.compile(r"^dagster(_[a-z0-9_]+)?$")
OWN_PACKAGE = "vintage_ai_assets"

# Each child prints the moment it is ready (time.monotonic is one clock for every process).
IMPORT_DAGSTER = """
import dagster
import time
print("READY", time.monotonic())
"""
LOAD_DEFINITIONS = """
import json, time
start = time.perf_counter()
import vintage_ai_assets.definitions as definitions
imported = time.perf_counter()
defs = definitions.defs()
defs.resolve_asset_graph()
jobs = defs.resolve_all_job_defs()
done = time.perf_counter()
print(json.dumps({"import_s": imported - start, "build_s": done - imported, "jobs": len(jobs)}))
print("READY", time.monotonic())
"""
# The same under -X importtime, with a marker after ``import dagster`` and each defs module
# imported by an import statement (``dg.load_from_defs_folder`` uses importlib, whose
# imports importtime shows without their importer).
IMPORTTIME = """
import gc, json, pkgutil, sys, time
import dagster
sys.stderr.write("@@ dagster imported\\n")
sys.stderr.flush()
# Garbage collection after ``import dagster``: how many full (generation 2) collections, and
# the seconds of all collections.
collections = {"full": 0, "seconds": 0.0}
def count(phase, info):
    if phase == "start":
        collections["since"] = time.perf_counter()
        return
    collections["seconds"] += time.perf_counter() - collections.pop("since")
    collections["full"] += info["generation"] == 2
gc.callbacks.append(count)
import vintage_ai_assets.definitions as definitions
import vintage_ai_assets.defs as defs_package
for module in pkgutil.walk_packages(defs_package.__path__, defs_package.__name__ + "."):
    __import__(module.name)
# What dg.load_from_defs_folder spends on Dagster's component library on every load: the
# installed component types (entry points) as JSON for the repository's metadata.
from dagster.components.core import load_defs
library = load_defs.get_library_json_enriched_defs
spent = []
def timed(tree):
    start = time.perf_counter()
    try:
        return library(tree)
    finally:
        spent.append(time.perf_counter() - start)
load_defs.get_library_json_enriched_defs = timed
defs = definitions.defs()
defs.resolve_asset_graph()
defs.resolve_all_job_defs()
gc.callbacks.remove(count)
print(json.dumps({"component_library_json_s": sum(spent), "gc": collections}))
"""
LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")


def child_env(data_dir: Path, tree: Path | None, bytecode: bool) -> dict[str, str]:
    """The children's environment: an empty data directory; with ``bytecode``, compiled
    modules cached under ``data_dir`` (as an installed package has them), else this
    package's sources compiled in every process (``PYTHONDONTWRITEBYTECODE=1`` on a
    checkout without ``__pycache__``)."""
    env = dict(os.environ)
    env.update(
        {
            "VINTAGE_AI_DATA_DIR": str(data_dir),
            "DAGSTER_HOME": str(data_dir / "dagster_home"),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }
    )
    for name in ("PYTHONPROFILEIMPORTTIME", "PYTHONPYCACHEPREFIX", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    if bytecode:
        env["PYTHONPYCACHEPREFIX"] = str(data_dir / "pycache")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
    return env


def run(code: str, env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """``python -c code`` in a new process: seconds until it was ready (start-up included),
    seconds until it ended (its exit included), and its stdout."""
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True
    )
    ended = time.monotonic()
    if done.returncode:
        raise SystemExit(f"child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    ready = float(done.stdout.rsplit("READY", 1)[1])
    return ready - start, ended - start, done.stdout


def heavy_imports(stderr: str, min_ms: float = MIN_IMPORT_MS) -> list[dict]:
    """Third-party modules that the platform's modules import after ``import dagster`` with a
    cumulative import time of at least ``min_ms`` (what they import included), each with its
    importer, slowest first; a package imported by another package counts in that one's time.

    ``-X importtime`` prints a module after its own imports (children first), indented by
    depth; the importer of a line is the next line printed with less indentation.
    """
    lines = stderr.split("@@ dagster imported", 1)[-1].splitlines()
    entries = []
    for text in lines:
        match = LINE.match(text)
        if match:
            entries.append((int(match[2]) / 1000, len(match[3]), match[4]))
    found = []
    for i, (ms, depth, module) in enumerate(entries):
        top = module.split(".")[0]
        if ms < min_ms or top == OWN_PACKAGE or DAGSTER_PACKAGES.match(top):
            continue
        importer = next((m for _, d, m in entries[i + 1 :] if d < depth), None)
        if importer is not None and importer.split(".")[0] != OWN_PACKAGE:
            continue  # imported inside its own or another package: counted in that one's time
        found.append({"module": module, "ms": round(ms, 1), "imported_by": importer or "?"})
    return sorted(found, key=lambda f: -f["ms"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tree", type=Path, help="source tree holding vintage_ai_assets")
    args = parser.parse_args(argv)
    tree = args.tree.resolve() if args.tree else None
    cwd = tree or ROOT
    with tempfile.TemporaryDirectory(prefix="bench-defs-load-") as tmp:
        cached = child_env(Path(tmp), tree, bytecode=True)
        source = child_env(Path(tmp), tree, bytecode=False)
        # Warm-up, not counted: the file cache, and the compiled modules under the prefix.
        run(IMPORT_DAGSTER, cached, cwd)
        run(LOAD_DEFINITIONS, cached, cwd)
        run(LOAD_DEFINITIONS, source, cwd)
        samples: dict[str, list[tuple[float, float]]] = {"a": [], "b": [], "b'": []}
        parts = []
        for _ in range(args.rounds):
            samples["a"].append(run(IMPORT_DAGSTER, cached, cwd)[:2])
            ready, ended, out = run(LOAD_DEFINITIONS, cached, cwd)
            samples["b"].append((ready, ended))
            parts.append(json.loads(out.strip().splitlines()[-2]))
            samples["b'"].append(run(LOAD_DEFINITIONS, source, cwd)[:2])
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", IMPORTTIME],
            env=cached,
            cwd=cwd,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise SystemExit(f"importtime child failed:\n{done.stderr[-3000:]}")
    imports = heavy_imports(done.stderr)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    library_s, collections = found["component_library_json_s"], found["gc"]
    median = statistics.median
    ready = {k: [r for r, _ in v] for k, v in samples.items()}
    whole = {k: [e for _, e in v] for k, v in samples.items()}
    ratio = median(whole["b"]) / median(whole["a"])
    ready_ratio = median(ready["b"]) / median(ready["a"])
    source_ratio = median(whole["b'"]) / median(whole["a"])
    load = os.getloadavg()[0]
    where = str(tree) if tree else "this checkout"
    print(f"{args.rounds} fresh processes each, alternating; {where}; load average {load:.2f}")
    print(f"{'seconds, median / min':<44}{'whole process':>15}{'to ready':>13}")
    names = {
        "a": "(a) import dagster",
        "b": "(b) definitions: import, build, resolve",
        "b'": "(b') the same, sources compiled each time",
    }
    for key, name in names.items():
        print(
            f"{name:<44}{median(whole[key]):>9.2f} / {min(whole[key]):.2f}"
            f"{median(ready[key]):>7.2f} / {min(ready[key]):.2f}"
        )
    for name, key in (("import of definitions.py", "import_s"), ("defs(), graph, jobs", "build_s")):
        print(f"{'    (b) in the process: ' + name:<44}{median(p[key] for p in parts):>8.2f}")
    verdict = "met" if ratio <= TARGET_RATIO else "not met"
    print(f"ratio (b)/(a) of the medians: {ratio:.2f} (target ≤ {TARGET_RATIO}) — {verdict}")
    print(f"  to ready (exit left out): {ready_ratio:.2f}; (b')/(a): {source_ratio:.2f}")
    print(
        f"  Dagster's component-library JSON in dg.load_from_defs_folder: {library_s:.2f} s"
        f" (ratio without it: {(median(whole['b']) - library_s) / median(whole['a']):.2f})"
    )
    print(
        f"  garbage collection after `import dagster`: {collections['seconds']:.2f} s, of which"
        f" {collections['full']} full collections (-X importtime process)"
    )
    print(f"\nthird-party imports ≥ {MIN_IMPORT_MS:.0f} ms after `import dagster` (-X importtime):")
    print(f"{'module':<34}{'ms':>8}  imported by")
    for entry in imports:
        print(f"{entry['module']:<34}{entry['ms']:>8.0f}  {entry['imported_by']}")
    write_results(
        RESULTS,
        {
            "source": where,
            "rounds": args.rounds,
            "load_average": round(load, 2),
            "ready_s": {k: [round(x, 3) for x in v] for k, v in ready.items()},
            "whole_process_s": {k: [round(x, 3) for x in v] for k, v in whole.items()},
            "median_ready_s": {k: round(median(v), 3) for k, v in ready.items()},
            "min_ready_s": {k: round(min(v), 3) for k, v in ready.items()},
            "median_whole_process_s": {k: round(median(v), 3) for k, v in whole.items()},
            "min_whole_process_s": {k: round(min(v), 3) for k, v in whole.items()},
            "definitions_in_process_s": parts,
            "ratio": round(ratio, 2),
            "ratio_to_ready": round(ready_ratio, 2),
            "ratio_sources_compiled": round(source_ratio, 2),
            "target_ratio": TARGET_RATIO,
            "dagster_component_library_json_s": round(library_s, 3),
            "garbage_collection_after_dagster": collections,
            "imports_over_50ms": imports,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
