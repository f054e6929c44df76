"""Jobs and their automation: the daily refresh (every day-partitioned asset), the per-car
rebuilds (every car-partitioned asset, or the ones a new day changes) and the catalog run,
selected by the tags ``warehouse_asset`` sets; their schedules and the per-car run after
each daily one. The sensors that watch the inbox and the catalog are in ``defs/ingest``."""

from datetime import date, datetime

import dagster as dg

from vintage_ai_assets.defs.platform.partitions import (
    CAR_PARTITIONS_NAME,
    car_partitions,
    daily_partitions,
)
from vintage_ai_assets.defs.platform.warehouse_asset import DAILY_PER_CAR_TAG, PARTITIONS_TAG

DAILY_JOB = "daily_refresh"
PER_CAR_JOB = "per_car_refresh"
PER_CAR_DAILY_JOB = "per_car_forecasts"
CATALOG_JOB = "catalog_refresh"
#: A daily run covering more days than this retrains every car's models (a late archive
#: brought history); shorter runs only re-forecast from the models of the weekly retrain.
RETRAIN_AFTER_DAYS = 7

daily_refresh = dg.define_asset_job(
    DAILY_JOB,
    selection=dg.AssetSelection.tag(PARTITIONS_TAG, "day"),
    partitions_def=daily_partitions,
    description="One day (or a range, as one run) of every date-partitioned asset: raw → clean → nlp → series.",
)
per_car_refresh = dg.define_asset_job(
    PER_CAR_JOB,
    selection=dg.AssetSelection.tag(PARTITIONS_TAG, "car"),
    partitions_def=car_partitions,
    description="Themes, price index, models, forecasts and reports for the given cars (a range runs as one run).",
)
per_car_forecasts = dg.define_asset_job(
    PER_CAR_DAILY_JOB,
    selection=dg.AssetSelection.tag(DAILY_PER_CAR_TAG, "true"),
    partitions_def=car_partitions,
    description="The daily per-car step: price index, forecasts from the last trained models at "
    "today's data, price estimates and reports (themes and models are retrained weekly by "
    "per_car_refresh).",
)
catalog_refresh = dg.define_asset_job(CATALOG_JOB, selection=dg.AssetSelection.groups("catalog"))


def range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags that make one run cover the partitions first..last (single-run backfill)."""
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}


daily_schedule = dg.build_schedule_from_partitioned_job(
    daily_refresh,
    hour_of_day=2,
    minute_of_hour=15,
    name="daily_refresh_schedule",
    description="Every day at 02:15 UTC: yesterday's partitions of every daily asset (then the per-car refresh).",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


def days_covered(tags: dict[str, str]) -> int:
    """How many day partitions a daily run covered (1 for a single partition)."""
    first = tags.get("dagster/asset_partition_range_start")
    last = tags.get("dagster/asset_partition_range_end")
    if not first or not last:
        return 1
    return (date.fromisoformat(last[:10]) - date.fromisoformat(first[:10])).days + 1


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[daily_refresh],
    request_jobs=[per_car_forecasts, per_car_refresh],
    name="per_car_after_daily",
    description="After a successful daily refresh, every car in one run: forecasts, price "
    f"estimates and reports from the current models; a run of more than {RETRAIN_AFTER_DAYS} "
    "days (history arrived) retrains themes and models too.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def per_car_after_daily(context: dg.RunStatusSensorContext):
    cars = context.instance.get_dynamic_partitions(CAR_PARTITIONS_NAME)
    if not cars:
        return dg.SkipReason("no car partitions yet")
    retrain = days_covered(context.dagster_run.tags) > RETRAIN_AFTER_DAYS
    return dg.RunRequest(
        run_key=f"after-{context.dagster_run.run_id}",
        job_name=PER_CAR_JOB if retrain else PER_CAR_DAILY_JOB,
        tags=range_tags(cars[0], cars[-1]),
    )


@dg.schedule(
    job=per_car_refresh,
    cron_schedule="30 3 * * 0",
    execution_timezone="UTC",
    name="weekly_retrain_schedule",
    description="Sundays at 03:30 UTC: every car's themes, forecasters, value-direction and price "
    "models retrained on all history, then forecasts and reports (one run).",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def weekly_retrain_schedule(context: dg.ScheduleEvaluationContext):
    cars = context.instance.get_dynamic_partitions(CAR_PARTITIONS_NAME)
    return retrain_request(cars, context.scheduled_execution_time)


def retrain_request(cars: list[str], when: datetime) -> dg.RunRequest | dg.SkipReason:
    """The weekly retrain: every car in one run (one run per week, whatever the retries)."""
    if not cars:
        return dg.SkipReason("no car partitions yet")
    return dg.RunRequest(run_key=f"retrain-{when:%Y-%m-%d}", tags=range_tags(cars[0], cars[-1]))
