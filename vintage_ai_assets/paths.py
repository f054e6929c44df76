"""Where the platform keeps its state: everything lives under one data directory.

The data directory (``VINTAGE_AI_DATA_DIR``, default ``./data``; see
:mod:`vintage_ai_assets.settings`) holds the inbox, the DuckDB warehouse, the
MLflow store and the Dagster home, so two data directories never interfere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

INBOX_KINDS = ("reddit", "social", "mail", "auctions", "valuations")


@dataclass(frozen=True)
class DataPaths:
    """The layout of one data directory."""

    root: Path

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    def inbox_kind(self, kind: str) -> Path:
        if kind not in INBOX_KINDS:
            raise ValueError(f"unknown inbox kind {kind!r}; expected one of {INBOX_KINDS}")
        return self.inbox / kind

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def mlflow_dir(self) -> Path:
        return self.root / "mlflow"

    @property
    def mlflow_tracking_uri(self) -> str:
        return f"sqlite:///{self.mlflow_dir / 'mlflow.db'}"

    @property
    def mlflow_artifacts(self) -> Path:
        return self.mlflow_dir / "artifacts"

    @property
    def settings_file(self) -> Path:
        """Settings recorded for this data directory (its first day partition), as JSON."""
        return self.root / "settings.json"

    def recorded_settings(self) -> dict[str, str]:
        """What :attr:`settings_file` holds ({} when there is none)."""
        import json

        try:
            return json.loads(self.settings_file.read_text())
        except FileNotFoundError:
            return {}

    def record_settings(self, **values: str) -> None:
        """Add ``values`` to :attr:`settings_file` (written whole, atomically)."""
        import json

        settings = {**self.recorded_settings(), **values}
        partial = self.settings_file.with_suffix(".json.partial")
        partial.write_text(json.dumps(settings, indent=1, sort_keys=True) + "\n")
        partial.replace(self.settings_file)

    @property
    def serving(self) -> Path:
        """Snapshots of the public tables that the API and the app read
        (:mod:`vintage_ai_assets.serving.snapshot`)."""
        return self.root / "serving"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"

    def ensure(self) -> DataPaths:
        """Create the directory layout (idempotent) and return self."""
        for kind in INBOX_KINDS:
            self.inbox_kind(kind).mkdir(parents=True, exist_ok=True)
        self.mlflow_artifacts.mkdir(parents=True, exist_ok=True)
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        return self
