"""A run of the platform's raw layer in its own process, for the concurrency and crash tests.

    python -m vintage_ai_assets_tests.warehouse_worker FIRST LAST ASSET [ASSET ...]
        [--pause-on SQL_PREFIX [--then SQL_PREFIX]] [--pause-seconds N]

It runs the raw ``ASSET``s (``raw/reddit_archive`` ...) for days FIRST..LAST as one
run, in process, through the instance in ``$DAGSTER_HOME`` and the warehouse in
``$VINTAGE_AI_DATA_DIR``, as the ``vintage-ai`` command does (dead runs released first,
worker tags on the run). With ``--pause-on``, the first warehouse write whose SQL starts
with SQL_PREFIX stops right after that statement, inside its open transaction, prints
``PAUSED`` and sleeps N seconds (then goes on) so that a test can read, or SIGKILL the
process, at that exact point; with ``--then``, it pauses after the next statement starting
with that prefix instead (``--then COMMIT``: just after the partition was committed). The
last line printed is ``RESULT {json}``.
"""

import argparse
import json
import sys
import time

WRITE_OPEN = "WRITE-OPEN"
PAUSED = "PAUSED"


class _PausingConnection:
    """A DuckDB connection that pauses once after a statement starting with ``prefix``
    (or, with ``then``, after the next statement starting with ``then``)."""

    armed = False
    paused = False

    def __init__(self, con, prefix: str, then: str | None, seconds: float) -> None:
        self._con, self._prefix, self._then, self._seconds = con, prefix, then, seconds

    def execute(self, sql, *args, **kwargs):
        result = self._con.execute(sql, *args, **kwargs)
        statement = str(sql).lstrip()
        cls = _PausingConnection
        if cls.paused:
            return result
        if cls.armed and statement.startswith(self._then or ""):
            cls.paused = True
        elif statement.startswith(self._prefix):
            cls.armed = self._then is not None
            cls.paused = self._then is None
        if cls.paused:
            print(f"{PAUSED} {statement[:80]}", flush=True)
            time.sleep(self._seconds)
        return result

    def __getattr__(self, name):
        return getattr(self._con, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._con.close()


def install_hooks(prefix: str | None, then: str | None, seconds: float) -> None:
    """Announce each write open (``WRITE-OPEN``) and pause inside the chosen statement."""
    import vintage_ai_assets.warehouse as warehouse

    original = warehouse._open

    def _open(path, read_only, wait_seconds):
        if not read_only:
            print(WRITE_OPEN, flush=True)
        con = original(path, read_only, wait_seconds)
        if read_only or not prefix:
            return con
        return _PausingConnection(con, prefix, then, seconds)

    warehouse._open = _open


def raw_layer_definitions(paths=None):
    """The platform's raw layer with its daily job: the raw assets (pool ``warehouse``, the
    warehouse I/O manager, day partitions, single-run backfills), their checks and the
    platform's resources. Only the raw layer, so that a process loads it in seconds (the
    full definitions import the model libraries)."""
    import dagster as dg

    from vintage_ai_assets import settings
    from vintage_ai_assets.defs.ingest import assets as raw
    from vintage_ai_assets.defs.ingest import checks
    from vintage_ai_assets.defs.platform.jobs import DAILY_JOB
    from vintage_ai_assets.defs.platform.partitions import daily_partitions
    from vintage_ai_assets.defs.platform.resources import (
        CatalogResource,
        ForumResource,
        InboxResource,
        RedditResource,
        WarehouseIOManager,
        WarehouseResource,
    )

    paths = paths or settings.current().paths
    raw_assets = dg.load_assets_from_modules([raw])
    keys = {key for asset in raw_assets for key in asset.keys}
    job = dg.define_asset_job(DAILY_JOB, selection=list(keys), partitions_def=daily_partitions)
    return dg.Definitions(
        executor=dg.in_process_executor,  # as the platform's definitions
        assets=raw_assets,
        asset_checks=[c for c in checks.checks if {k.asset_key for k in c.check_keys} <= keys],
        jobs=[job],
        resources={
            "warehouse": WarehouseResource(database=str(paths.warehouse)),
            "warehouse_io": WarehouseIOManager(
                warehouse=WarehouseResource(database=str(paths.warehouse))
            ),
            "inbox": InboxResource(root=str(paths.inbox)),
            "catalog": CatalogResource(),
            "reddit": RedditResource(),
            "forums": ForumResource(),
        },
    )


def run_days(instance, first: str, last: str, assets: list[str], paths=None):
    """One run of the raw ``assets`` for days first..last, as ``vintage-ai`` runs a job: dead
    runs of this host released first, worker tags on the run."""
    import dagster as dg

    from vintage_ai_assets.defs.platform.jobs import range_tags
    from vintage_ai_assets.defs.platform.recovery import release_dead_runs, worker_tags

    released = release_dead_runs(instance)
    from vintage_ai_assets.defs.platform.jobs import DAILY_JOB

    job = raw_layer_definitions(paths).resolve_job_def(DAILY_JOB)
    print("RUNNING", flush=True)
    result = job.execute_in_process(
        instance=instance,
        asset_selection=[dg.AssetKey.from_user_string(a) for a in assets],
        tags={**worker_tags(), **range_tags(first, last)},
        run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
        raise_on_error=False,
    )
    return result, released


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("first")
    parser.add_argument("last")
    parser.add_argument("assets", nargs="+")
    parser.add_argument("--pause-on", default=None)
    parser.add_argument("--then", default=None)
    parser.add_argument("--pause-seconds", type=float, default=0.0)
    args = parser.parse_args(argv)
    install_hooks(args.pause_on, args.then, args.pause_seconds)

    import dagster as dg

    result, released = run_days(dg.DagsterInstance.get(), args.first, args.last, args.assets)
    print(
        "RESULT "
        + json.dumps({"run_id": result.run_id, "success": result.success, "released": released}),
        flush=True,
    )
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
