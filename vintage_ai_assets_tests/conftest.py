"""Test-wide settings: an isolated data directory, offline models, and shared fixtures.

The environment is set before any platform module is imported, because the day
partitions and resources are read from it when the definitions are built.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="vintage-ai-tests-"))
os.environ["VINTAGE_AI_DATA_DIR"] = str(_SESSION_DIR / "data")
os.environ["DAGSTER_HOME"] = str(_SESSION_DIR / "dagster_home")
os.environ["VINTAGE_AI_AUTHOR_KEY"] = "test-author-key"
os.environ["VINTAGE_AI_START_DATE"] = "2025-11-20"
os.environ.pop("VINTAGE_AI_CATALOG", None)
os.environ.pop("REDDIT_CLIENT_ID", None)
os.environ.pop("REDDIT_CLIENT_SECRET", None)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _process_settings():
    """Each test starts from the environment's settings (read when first asked for); what a
    test sets with ``settings.use`` is undone after it."""
    from vintage_ai_assets import settings

    settings.use(None)
    yield
    settings.use(None)


@pytest.fixture(scope="session")
def catalog():
    from vintage_ai_assets.catalog import load_catalog

    return load_catalog()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real data beside the repository (``../shared/data``); skips when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present (only on the team's machines and CI)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_platform(tmp_path_factory):
    """The graph built once per session on a slice of the demo (``demo_platform.py``); use
    it under ``demo_platform.environment(built)``."""
    from vintage_ai_assets_tests.demo_platform import build

    return build(tmp_path_factory.mktemp("platform"))
