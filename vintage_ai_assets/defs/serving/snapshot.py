"""serving/snapshot: the public tables copied into a snapshot the API and the app read
(:mod:`vintage_ai_assets.serving.snapshot`), published after each successful run.

The CLI publishes after its runs itself (and records the materialisation); runs launched
from the UI or by schedules are followed by the ``serving_snapshot_after_runs`` sensor,
which requests a run of ``publish_snapshot``. The asset is in the warehouse pool, so it
reads the warehouse between writers' steps.
"""

from pathlib import Path

import dagster as dg

from vintage_ai_assets.defs.platform.jobs import per_car_forecasts, per_car_refresh
from vintage_ai_assets.defs.platform.resources import WarehouseResource
from vintage_ai_assets.defs.platform.warehouse_asset import WAREHOUSE_POOL
from vintage_ai_assets.paths import DataPaths
from vintage_ai_assets.serving.snapshot import TABLES

SNAPSHOT_KEY = dg.AssetKey(["serving", "snapshot"])
PUBLISH_JOB = "publish_snapshot"


def snapshot_metadata(manifest: dict) -> dict[str, dg.MetadataValue]:
    """What a published snapshot's materialisation shows."""
    rows = "\n".join(
        f"| {table} | {entry['rows']:,} | {entry['latest'] or ''} |"
        for table, entry in manifest["tables"].items()
    )
    return {
        "file": dg.MetadataValue.path(manifest["file"]),
        "tables": dg.MetadataValue.int(len(manifest["tables"])),
        "seconds": dg.MetadataValue.float(manifest["seconds"]),
        "contents": dg.MetadataValue.md(f"| table | rows | latest |\n| --- | ---: | --- |\n{rows}"),
    }


@dg.asset(
    key=SNAPSHOT_KEY,
    group_name="serving",
    deps=[dg.AssetKey(table.split(".")) for table in TABLES],
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    description="The tables the API and the app read, copied into a new DuckDB file under "
    "<data>/serving/ and made current atomically: readers never wait on the platform's writes.",
)
def serving_snapshot(warehouse: WarehouseResource) -> dg.MaterializeResult:
    from vintage_ai_assets.serving.snapshot import publish

    database = Path(warehouse.database)
    published = publish(database, DataPaths(database.parent).serving)
    return dg.MaterializeResult(metadata=snapshot_metadata(published.manifest))


publish_snapshot = dg.define_asset_job(
    PUBLISH_JOB,
    selection=dg.AssetSelection.assets(SNAPSHOT_KEY),
    description="Publish a new snapshot of the public tables for the API and the app.",
)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[per_car_forecasts, per_car_refresh],
    request_job=publish_snapshot,
    name="serving_snapshot_after_runs",
    description="After each successful per-car run (the last of a refresh), publish a new "
    "snapshot for the API and the app.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def serving_snapshot_after_runs(context: dg.RunStatusSensorContext):
    return dg.RunRequest(run_key=f"publish-after-{context.dagster_run.run_id}")
