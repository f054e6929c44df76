"""The package's shape: no import cycles between modules or between subpackages, domain
logic free of Dagster (only ``defs/``, ``definitions.py`` and the CLI import it), and no
heavy library imported when Dagster loads the definitions."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "vintage_ai_assets"
DAGSTER_LAYER = ("vintage_ai_assets.defs", "vintage_ai_assets.definitions", "vintage_ai_assets.cli")
# Imported where a model is fitted, loaded or logged, a plot drawn or a text embedded: every
# Dagster process (code server, daemon, run) loads the definitions, most never use them.
HEAVY_LIBRARIES = (
    "mlflow", "lightgbm", "sklearn", "scipy", "matplotlib", "PIL", "torch",
    "sentence_transformers", "transformers", "tokenizers", "huggingface_hub", "onnx",
    "onnxruntime", "hdbscan", "umap", "bertopic", "statsmodels", "lingua", "praw",
)  # fmt: skip


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in edges.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in list(edges):
        if node not in index:
            visit(node)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {
        name: {m for m in _imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }


def test_no_module_imports_itself_through_others():
    assert _cycles(_graph()) == []


def test_no_subpackage_imports_itself_through_others():
    def subpackage(name: str) -> str:
        return ".".join(name.split(".")[:2])

    edges: dict[str, set[str]] = defaultdict(set)
    for name, imported in _graph().items():
        for other in imported:
            if subpackage(other) not in (subpackage(name), "vintage_ai_assets"):
                edges[subpackage(name)].add(subpackage(other))
    assert _cycles(dict(edges)) == []
    assert len(edges) > 8  # the graph was read


def test_domain_logic_does_not_import_dagster():
    offenders = {
        name
        for name, path in _modules().items()
        if not name.startswith(DAGSTER_LAYER)
        and any(m == "dagster" or m.startswith(("dagster.", "dagster_")) for m in _imports(path))
    }
    assert offenders == set()


def test_no_module_is_over_800_lines():
    """Vocabulary and other literal data live in data files, not in code."""
    lengths = {name: len(path.read_text().splitlines()) for name, path in _modules().items()}
    assert {name: n for name, n in lengths.items() if n > 800} == {}
    assert max(lengths.values()) > 300  # the files were read


def test_loading_the_definitions_imports_no_heavy_library():
    """As a code server loads them, in a new process: import, build, resolve the asset graph
    and the jobs. (``benchmarks/bench_defs_load.py`` times it and names the importers.)"""
    code = (
        "import sys\n"
        "from vintage_ai_assets.definitions import defs\n"
        "loaded = defs()\n"
        "loaded.resolve_asset_graph()\n"
        "assert loaded.resolve_all_job_defs()\n"
        "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = set(done.stdout.split())
    assert {"dagster", "pandas", "vintage_ai_assets"} <= loaded  # the definitions were built
    assert sorted(loaded.intersection(HEAVY_LIBRARIES)) == []
