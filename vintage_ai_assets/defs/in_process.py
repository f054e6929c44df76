"""Runs of a job in this process that do not keep every step's output in memory.

``JobDefinition.execute_in_process`` captures the value of every step output for the
caller (``result.output_for_node``) until the result is dropped. Our assets write their
frames to the warehouse and nothing reads them back from the result, but the capture held
all of a run's frames at once: a backfill of a million mentions peaked at 3 GB in one
process with it. :func:`execute_in_process` is the same execution (same in-process
executor, run record, tags, events and result) with the capture turned off, built from the
steps Dagster's own method takes (pinned Dagster version; ``test_pipeline.py`` runs it).
"""

from collections.abc import Mapping

import dagster as dg
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.definitions.partitions.context import partition_loading_context
from dagster._core.execution.execute_in_process import (
    core_execute_in_process,
    merge_run_tags,
    type_check_and_normalize_args,
)


def execute_in_process(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    run_config: Mapping[str, object] | None = None,
    tags: Mapping[str, str] | None = None,
    partition_key: str | None = None,
    raise_on_error: bool = False,
) -> dg.ExecuteInProcessResult:
    """``job.execute_in_process(...)`` without capturing step outputs (events only)."""
    run_config, op_selection, asset_selection, resource_defs, partition_key, input_values = (
        type_check_and_normalize_args(
            run_config=run_config, partition_key=partition_key, op_selection=None,
            asset_selection=None, input_values=None, resources=None,
        )
    )  # fmt: skip
    ephemeral = job.as_ephemeral_job(
        resource_defs=resource_defs,
        input_values=input_values,
        op_selection=op_selection,
        asset_selection=asset_selection,
    )
    if partition_key and ephemeral.partitions_def:
        with partition_loading_context(dynamic_partitions_store=instance) as ctx:
            ephemeral.validate_partition_key(
                partition_key=partition_key, selected_asset_keys=set(asset_selection), context=ctx
            )
    if not run_config and ephemeral.partitioned_config and partition_key:
        run_config = ephemeral.partitioned_config.get_run_config_for_partition_key(partition_key)
    return core_execute_in_process(
        job=InMemoryJob(job_def=ephemeral),
        run_config=run_config,
        instance=instance,
        output_capturing_enabled=False,
        raise_on_error=raise_on_error,
        run_tags=merge_run_tags(
            job_def=job,
            partition_key=partition_key,
            tags=tags,
            asset_selection=asset_selection,
            instance=instance,
            run_config=run_config,
        ),
        asset_selection=frozenset(asset_selection),
    )
