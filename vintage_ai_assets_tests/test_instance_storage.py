"""A single-run backfill's per-day events stored as one batch (defs/instance_storage.py):
Dagster reads them back exactly as if stored one by one."""

from pathlib import Path

import dagster as dg
import pytest

REPO = Path(__file__).resolve().parents[1]
DAYS = dg.DailyPartitionsDefinition(start_date="2026-01-01", end_date="2026-02-10")


@dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run())
def upstream(context: dg.AssetExecutionContext) -> None:
    context.add_asset_metadata({"rows": 7}, partition_key="2026-01-05")


@dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run(), deps=[upstream])
def downstream(context: dg.AssetExecutionContext) -> None:
    return None


def _materialise(instance: dg.DagsterInstance, first: str, last: str) -> dg.ExecuteInProcessResult:
    job = dg.Definitions(
        assets=[upstream, downstream], executor=dg.in_process_executor
    ).resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": first,
            "dagster/asset_partition_range_end": last,
        },
    )


@pytest.mark.parametrize("batch_size", ["1000", "0"])
def test_batched_events_read_back_like_single_ones(tmp_path, monkeypatch, batch_size):
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    from vintage_ai_assets.cli import install_instance_settings
    from vintage_ai_assets.defs import instance_storage

    assert instance_storage.install() and instance_storage.install()  # idempotent

    home = tmp_path / "dagster_home"
    home.mkdir()
    install_instance_settings(home)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", batch_size)
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, SqliteEventLogStorage)
        assert SqliteEventLogStorage.store_event_batch is instance_storage.store_event_batch
        keys = DAYS.get_partition_keys()
        assert _materialise(instance, keys[0], keys[-1]).success
        assert _materialise(instance, keys[3], keys[5]).success  # a rerun of three days

        for asset in (upstream, downstream):
            records = instance.fetch_materializations(asset.key, limit=1000).records
            assert len(records) == len(keys) + 3
            assert {r.partition_key for r in records} == set(keys)
            assert instance.get_materialized_partitions(asset.key) == set(keys)
            assert len({r.storage_id for r in records}) == len(records)
        latest = instance.get_latest_materialization_event(upstream.key)
        assert latest.dagster_event.partition == keys[5]
        tagged = [
            r
            for r in instance.fetch_materializations(upstream.key, limit=1000).records
            if r.partition_key == "2026-01-05"
        ]
        assert any(
            r.asset_materialization.metadata.get("rows") == dg.IntMetadataValue(7) for r in tagged
        )
        # Partition status, as the UI computes it, sees every day materialised.
        status = instance.get_status_by_partition(upstream.key, keys, DAYS)
        assert set(status.values()) == {dg.AssetPartitionStatus.MATERIALIZED}
