"""Snapshots of the public tables, published atomically, so readers never wait on writers.

DuckDB lets one process write the warehouse file and no other process open it meanwhile,
not even read-only: a reader of ``warehouse.duckdb`` waits while a backfill writes. The
API and the app read a snapshot instead: after the platform's runs the tables people read
are copied into a new DuckDB file under ``<data>/serving/`` and ``current.json`` is
replaced to name it (a rename: readers see the old snapshot or the new one, whole). A
snapshot is never written again, so any number of processes read it at once.

Published by the CLI after its runs and by the ``serving_snapshot_after_runs`` sensor after runs
launched elsewhere; the two snapshots before the current one are kept (a reader that
opened one keeps reading it), older ones are deleted.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

#: table → its date column (for the manifest's "latest"; None: no date column)
TABLES: dict[str, str | None] = {
    "catalog.cars": None,
    "series.car_daily": "date",
    "nlp.car_topics": None,
    "nlp.topic_shares": "month",
    "series.price_index": "month",
    "models.value_direction": "month",
    "models.attention_models": "trained_at",
    "models.price_models": "trained_at",
    "forecasts.car_forecasts": "origin",
    "forecasts.price_estimates": "as_of",
    "reports.car_reports": "data_through",
    "reports.car_alerts": "until",
    "clean.auction_lots": "sold_at",
}
POINTER = "current.json"
KEEP = 3  # the current snapshot and the two before it


@dataclass(frozen=True)
class Snapshot:
    """One published snapshot: its file and manifest (published_at, per table rows/latest)."""

    path: Path
    manifest: dict

    @property
    def published_at(self) -> datetime:
        return datetime.fromisoformat(self.manifest["published_at"])


def current(serving: Path) -> Snapshot | None:
    """The snapshot ``current.json`` names, or None before the first is published."""
    try:
        manifest = json.loads((serving / POINTER).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    path = serving / manifest["file"]
    return Snapshot(path, manifest) if path.exists() else None


def publish(warehouse: Path, serving: Path, wait_seconds: float = 60.0) -> Snapshot:
    """Copy the public tables of ``warehouse`` into a new snapshot and make it current.

    Opens the warehouse read-only (waiting up to ``wait_seconds`` for a writer); tables not
    built yet are absent from the snapshot (the manifest lists what it holds)."""
    from vintage_ai_assets.warehouse import Warehouse

    serving.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC)
    name = f"snapshot-{stamp:%Y%m%dT%H%M%S%f}-{os.getpid()}.duckdb"
    partial = serving / f"{name}.partial"
    tables: dict[str, dict] = {}
    started = time.perf_counter()
    with (
        Warehouse(warehouse, wait_seconds=wait_seconds).connection(read_only=True) as source,
        duckdb.connect(str(partial)) as target,
    ):
        present = {
            f"{schema}.{table}"
            for schema, table in source.execute(
                "SELECT table_schema, table_name FROM information_schema.tables"
            ).fetchall()
        }
        for table, date_column in TABLES.items():
            if table not in present:
                continue
            rows = source.sql(f"SELECT * FROM {table}").to_arrow_table()  # noqa: F841
            target.execute(f'CREATE SCHEMA IF NOT EXISTS "{table.split(".")[0]}"')
            target.execute(f"CREATE TABLE {table} AS SELECT * FROM rows")
            latest = (
                target.execute(f"SELECT max({date_column}) FROM {table}").fetchone()[0]
                if date_column
                else None
            )
            tables[table] = {
                "rows": rows.num_rows,
                "latest": latest.isoformat() if latest is not None else None,
            }
    partial.rename(serving / name)
    manifest = {
        "file": name,
        "published_at": stamp.isoformat(),
        "seconds": round(time.perf_counter() - started, 3),
        "tables": tables,
    }
    pointer = serving / f"{POINTER}.{os.getpid()}.partial"
    pointer.write_text(json.dumps(manifest, indent=1))
    pointer.replace(serving / POINTER)
    _prune(serving, keep=name)
    return Snapshot(serving / name, manifest)


def _prune(serving: Path, keep: str) -> None:
    """Delete all but the newest :data:`KEEP` snapshots (and stale partial files)."""
    snapshots = sorted(serving.glob("snapshot-*.duckdb"), key=lambda p: p.name, reverse=True)
    for old in snapshots[KEEP:]:
        if old.name != keep:
            old.unlink(missing_ok=True)
    for partial in serving.glob("*.partial"):
        if time.time() - partial.stat().st_mtime > 3600:
            partial.unlink(missing_ok=True)


def connect(snapshot: Snapshot) -> duckdb.DuckDBPyConnection:
    """A read-only connection to ``snapshot`` (never waits: nobody writes it)."""
    return duckdb.connect(str(snapshot.path), read_only=True)
