"""A normal (non-editable) install works like the source tree: the wheel carries every
data file the package reads, and the installed package gives the same results.

The wheel is built from a clean copy of the source tree and installed without dependencies into a fresh
virtualenv outside it, which borrows this environment's installed libraries through a
path entry (not its ``.pth`` files, so the editable install stays invisible).
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Run in both interpreters: where the package comes from and what it computes.
PROBE = """
import json, os
import numpy as np
import vintage_ai_assets
from vintage_ai_assets.catalog import load_catalog
from vintage_ai_assets.cleaning import aboutness
from vintage_ai_assets.cli import instance_settings
from vintage_ai_assets.nlp import sentiment_classifier
from vintage_ai_assets.nlp.scoring import score_texts
from vintage_ai_assets.sources.mailing_list import load_mappings

texts = ["What a beast, best car I ever owned", "Total money pit, the gearbox failed again",
         "The meet is on Sunday at ten"]
vectors = np.random.default_rng(0).normal(size=(3, 384))
vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
from vintage_ai_assets.definitions import build_definitions
defs = build_definitions()
print(json.dumps({
    "package": vintage_ai_assets.__file__,
    "sentiment": [round(x, 6) for x in score_texts(texts, vectors).tolist()],
    "head_model": sentiment_classifier.load_head().embedding_model,
    "aboutness_threshold": aboutness.load_model().threshold,
    "cars": len(load_catalog().slugs),
    "settings": len(instance_settings()),
    "mappings": sorted(m.name for m in load_mappings()),
    "assets": len(list(defs.resolve_asset_graph().get_all_asset_keys())),
}))
"""


def _probe(python: Path, cwd: Path, data: Path) -> dict:
    env = {**os.environ, "VINTAGE_AI_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [str(python), "-c", PROBE], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _clean_copy(target: Path) -> Path:
    """The source tree's tracked files (as a fresh clone has them, with their working
    contents): no build/ or egg-info left over from earlier builds."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="module")
def wheel_python(tmp_path_factory) -> Path:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs the git checkout to know which files are the source")
    out = tmp_path_factory.mktemp("wheel")
    source = _clean_copy(out / "source")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out / "dist"),
            str(source),
        ],  # fmt: skip
        check=True,
        timeout=300,
    )
    [wheel] = (out / "dist").glob("vintage_ai_assets-*.whl")
    venv = out / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    # This environment's libraries, as a plain path entry after the venv's own.
    ours = sysconfig.get_paths()["purelib"]
    (Path(purelib) / "borrowed.pth").write_text(ours + "\n" + "\n".join(site.getsitepackages()))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            purelib,
            str(wheel),
        ],  # fmt: skip
        check=True,
        timeout=300,
    )
    return python


def test_the_installed_wheel_matches_the_source_tree(wheel_python, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    installed = _probe(wheel_python, outside, tmp_path / "data-wheel")
    source = _probe(Path(sys.executable), REPO, tmp_path / "data-source")
    assert not installed["package"].startswith(str(REPO))  # really the wheel's copy
    assert source["package"].startswith(str(REPO))
    assert installed["head_model"] and installed["settings"] > 0 and installed["mappings"]
    assert {k: v for k, v in installed.items() if k != "package"} == {
        k: v for k, v in source.items() if k != "package"
    }


SLICE = ["2026-01-10", "2026-01-16"]
SLICE_CARS = ("porsche-993", "ferrari-355-gtb", "lancia-delta-integrale")
#: What the slice is compared on: every row of the layers a week of days builds.
SLICE_TABLES = {
    "clean.mentions": "SELECT mention_id, car, text_hash FROM clean.mentions",
    "nlp.mention_sentiment": "SELECT mention_id, round(sentiment, 5) FROM nlp.mention_sentiment",
    "series.car_daily": "SELECT car, date, mentions, round(sentiment, 5) FROM series.car_daily",
}


def _materialise_slice(python: Path, cwd: Path, data: Path, models: Path) -> dict[str, list]:
    """A week of the demo (three cars) through ``vintage-ai backfill --days-only`` run by
    ``python``; the rows of the slice's tables."""
    import duckdb

    from vintage_ai_assets.catalog import load_catalog
    from vintage_ai_assets.demo.generator import DemoSpec, write_demo_inbox
    from vintage_ai_assets.paths import DataPaths

    paths = DataPaths(data).ensure()
    spec = DemoSpec.ending(date.fromisoformat(SLICE[1]), months=1, cars=SLICE_CARS)
    write_demo_inbox(paths.inbox, load_catalog(), replace(spec, texts_per_car_month=60))
    env = {
        **os.environ,
        "VINTAGE_AI_DATA_DIR": str(data),
        "DAGSTER_HOME": str(data / "dagster_home"),
        "VINTAGE_AI_START_DATE": SLICE[0],
        "VINTAGE_AI_MODEL_CACHE": str(models),
        "VINTAGE_AI_AUTHOR_KEY": "wheel-test",
        "HF_HUB_OFFLINE": "1",
    }
    env.pop("PYTHONPATH", None)
    command = ["-m", "vintage_ai_assets.cli", "backfill", "--days-only"]
    done = subprocess.run(
        [str(python), *command, "--start", SLICE[0], "--end", SLICE[1]],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return {table: sorted(con.execute(sql).fetchall()) for table, sql in SLICE_TABLES.items()}


def test_the_installed_wheel_materialises_a_slice_as_the_source_tree(wheel_python, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    models = tmp_path / "models"  # one ONNX export for both
    source = _materialise_slice(Path(sys.executable), REPO, tmp_path / "data-source", models)
    installed = _materialise_slice(wheel_python, outside, tmp_path / "data-wheel", models)
    assert len(source["clean.mentions"]) > 50
    assert len(source["series.car_daily"]) == 7 * 40  # every catalog car, every day
    assert installed == source
