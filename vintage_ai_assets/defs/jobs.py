"""Jobs, schedules and sensors: the daily refresh, per-car rebuilds and the catalog sync."""

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg

from vintage_ai_assets.defs.partitions import (
    CAR_PARTITIONS_NAME,
    car_partitions,
    daily_partitions,
    start_date,
)
from vintage_ai_assets.defs.resources import CatalogResource, InboxResource
from vintage_ai_assets.run_plan import TEXT_KINDS, day_ranges, run_inbox_bytes, text_bytes
from vintage_ai_assets.sources.inbox import (
    InboxFileError,
    contiguous_ranges,
    days_touched,
    inbox_files,
)

DAILY_JOB = "daily_refresh"
PER_CAR_JOB = "per_car_refresh"
PER_CAR_DAILY_JOB = "per_car_forecasts"
CATALOG_JOB = "catalog_refresh"
#: A daily run covering more days than this retrains every car's models (a late archive
#: brought history); shorter runs only re-forecast from the models of the weekly retrain.
RETRAIN_AFTER_DAYS = 7

DAILY_ASSETS = [
    ["raw", "reddit_archive"],
    ["raw", "reddit_live"],
    ["raw", "forum_posts"],
    ["raw", "forum_state"],
    ["raw", "social_posts"],
    ["raw", "mail_messages"],
    ["raw", "auction_lots"],
    ["raw", "valuations"],
    ["clean", "mentions"],
    ["clean", "auction_lots"],
    ["nlp", "text_embeddings"],
    ["nlp", "mention_sentiment"],
    ["series", "car_daily"],
]
PER_CAR_ASSETS = [
    ["nlp", "car_topics"],
    ["nlp", "mention_topics"],
    ["nlp", "topic_shares"],
    ["series", "price_index"],
    ["models", "attention_models"],
    ["forecasts", "car_forecasts"],
    ["models", "value_direction"],
    ["models", "price_models"],
    ["forecasts", "price_estimates"],
    ["reports", "car_reports"],
]
#: What a new day changes per car without retraining: the price index (new lots), the
#: forecasts from the current series with the last trained models, price estimates, reports.
PER_CAR_DAILY_ASSETS = [
    ["series", "price_index"],
    ["forecasts", "car_forecasts"],
    ["forecasts", "price_estimates"],
    ["reports", "car_reports"],
]

daily_refresh = dg.define_asset_job(
    DAILY_JOB,
    selection=dg.AssetSelection.assets(*DAILY_ASSETS),
    partitions_def=daily_partitions,
    description="One day (or a range, as one run) of every date-partitioned asset: raw → clean → nlp → series.",
)
per_car_refresh = dg.define_asset_job(
    PER_CAR_JOB,
    selection=dg.AssetSelection.assets(*PER_CAR_ASSETS),
    partitions_def=car_partitions,
    description="Themes, price index, models, forecasts and reports for the given cars (a range runs as one run).",
)
per_car_forecasts = dg.define_asset_job(
    PER_CAR_DAILY_JOB,
    selection=dg.AssetSelection.assets(*PER_CAR_DAILY_ASSETS),
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


@dg.sensor(
    name="catalog_sensor",
    job=per_car_refresh,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Keeps the `car` partitions in step with the catalog; a new car gets its history built.",
)
def catalog_sensor(context: dg.SensorEvaluationContext, catalog: CatalogResource):
    slugs = catalog.load().slugs
    existing = set(context.instance.get_dynamic_partitions(CAR_PARTITIONS_NAME))
    added = [s for s in slugs if s not in existing]
    removed = sorted(existing - set(slugs))
    requests = [dg.RunRequest(run_key=f"new-car-{slug}", partition_key=slug) for slug in added]
    dynamic_requests = []
    if added:
        dynamic_requests.append(car_partitions.build_add_request(added))
    if removed:
        dynamic_requests.append(car_partitions.build_delete_request(removed))
    if not dynamic_requests:
        return dg.SkipReason(f"catalog and partitions agree ({len(slugs)} cars)")
    context.log.info(f"cars added: {added}; removed: {removed}")
    return dg.SensorResult(run_requests=requests, dynamic_partitions_requests=dynamic_requests)


#: Inbox kinds whose records dated before the first day partition load with the first day.
HISTORY_KINDS = ("auctions", "valuations")


@dg.sensor(
    name="inbox_sensor",
    job=daily_refresh,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Launches the day partitions that new or changed inbox files bring records for "
    "(one run per range of days); each file once, unreadable files reported, not retried.",
)
def inbox_sensor(context: dg.SensorEvaluationContext, inbox: InboxResource):
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    first_day, last_day = (
        date.fromisoformat(start_date()),
        datetime.now(UTC).date() - timedelta(days=1),
    )
    days: set[date] = set()
    new_files, failures, outside, new_text = [], {}, 0, 0
    for file in inbox_files(Path(inbox.root)):
        fingerprint = file.fingerprint()
        if seen.get(file.key, "").split("|")[0] == fingerprint:
            continue
        try:
            touched = days_touched(file)
        except InboxFileError as exc:
            failures[file.key] = str(exc)
            seen[file.key] = f"{fingerprint}|failed"
            context.log.error(f"inbox file not loaded: {exc}")
            continue
        if file.kind in HISTORY_KINDS:  # older market history belongs to the first day
            touched = {max(d, first_day) for d in touched}
        in_range = {d for d in touched if first_day <= d <= last_day}
        outside += len(touched) - len(in_range)
        days |= in_range
        new_files.append(file.key)
        new_text += text_bytes(file.path) if file.kind in TEXT_KINDS else 0
        seen[file.key] = fingerprint
    if not new_files and not failures:
        return dg.SkipReason("no new or changed inbox files")
    # Each range of days is one run, or a few for a large amount of new text (bounded memory).
    text_per_day = new_text / max(1, len(days))
    ranges = [
        piece
        for first, last in contiguous_ranges(days)
        for piece in day_ranges(
            first, last, int(text_per_day * ((last - first).days + 1)), run_inbox_bytes()
        )
    ]
    requests = [
        dg.RunRequest(
            run_key=f"inbox:{first}:{last}:{hash_files(new_files, seen)}",
            tags={
                **range_tags(first.isoformat(), last.isoformat()),
                "vintage_ai/inbox_files": ",".join(new_files)[:1000],
            },
        )
        for first, last in ranges
    ]
    context.log.info(
        f"{len(new_files)} new inbox files touch {len(days)} days ({outside} days outside the partitions)"
    )
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(seen, sort_keys=True))


def hash_files(keys: list[str], seen: dict[str, str]) -> str:
    digest = hashlib.sha1("".join(f"{k}={seen[k]};" for k in sorted(keys)).encode())
    return digest.hexdigest()[:12]


jobs = [daily_refresh, per_car_refresh, per_car_forecasts, catalog_refresh]
schedules = [daily_schedule, weekly_retrain_schedule]
sensors = [per_car_after_daily, catalog_sensor, inbox_sensor]
