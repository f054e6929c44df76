"""The whole graph built once per test session on a small slice of demo data (three cars,
130 days, three years of auction results), shared by the modules that read its results:
the pipeline's own tests, pricing one car, the HTTP API and the notebook.

:func:`build` runs the CLI's backfill in process under the platform's own environment
(a catalog of :data:`CARS`, its own data directory and Dagster home); :func:`environment`
applies that environment again for the tests that use the platform.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import yaml

from vintage_ai_assets import settings
from vintage_ai_assets.catalog import DEFAULT_CATALOG_PATH
from vintage_ai_assets.demo.generator import FAULT_CAR, RISING_CAR, DemoSpec, write_demo_inbox
from vintage_ai_assets.paths import DataPaths
from vintage_ai_assets.run_plan import inbox_text_bytes

CARS = (FAULT_CAR, RISING_CAR, "porsche-993")
START, END = date(2025, 11, 20), date(2026, 3, 29)  # 130 days around the fault onset
HISTORY_MONTHS = 36  # auction lots and valuation points before the first day


@dataclass
class BuiltPlatform:
    """The built platform (``cli.Platform``), the environment it was built under, the
    runs' results and what the terminal showed."""

    platform: object
    env: dict[str, str]
    results: list = field(default_factory=list)
    terminal: str = ""

    @property
    def paths(self) -> DataPaths:
        return self.platform.paths


@contextlib.contextmanager
def environment(built: BuiltPlatform) -> Iterator[None]:
    """The platform's environment (and settings) for the duration of the block."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in built.env.items():
            patch.setenv(name, value)
        settings.use(None)
        try:
            yield
        finally:
            settings.use(None)
    settings.use(None)


def build(root: Path) -> BuiltPlatform:
    """Write the demo slice under ``root`` and backfill it (days in two runs, then cars)."""
    from vintage_ai_assets.catalog import load_catalog
    from vintage_ai_assets.cli import Platform

    full = yaml.safe_load(DEFAULT_CATALOG_PATH.read_text())
    subset = {"makes": full["makes"], "cars": [c for c in full["cars"] if c["slug"] in CARS]}
    catalog_file = root / "catalog.yaml"
    catalog_file.write_text(yaml.safe_dump(subset))
    env = {
        "VINTAGE_AI_CATALOG": str(catalog_file),
        "VINTAGE_AI_DATA_DIR": str(root / "data"),
        "DAGSTER_HOME": str(root / "data" / "dagster_home"),
    }
    built = BuiltPlatform(platform=None, env=env)
    with environment(built):
        paths = DataPaths(root / "data").ensure()
        write_demo_inbox(
            paths.inbox,
            load_catalog(),
            DemoSpec(
                start=START,
                end=END,
                cars=CARS,
                texts_per_car_month=60,
                price_history_months=HISTORY_MONTHS,
            ),
        )
    # An inbox "too large" for one run: the days are backfilled in two runs.
    env["VINTAGE_AI_RUN_INBOX_MB"] = f"{inbox_text_bytes(paths.inbox) / 2**20 * 0.6:.6f}"
    with environment(built):
        built.platform = Platform(paths, log_level="ERROR")
        terminal = io.StringIO()
        with contextlib.redirect_stdout(terminal):
            built.results = built.platform.build(START, END, say=print)
        built.terminal = terminal.getvalue()
    return built
