"""Sensors of the sources: new or changed inbox files launch their days; the catalog keeps
the ``car`` partitions in step (a new car gets its history built)."""

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg

from vintage_ai_assets.defs.platform.jobs import DAILY_JOB, PER_CAR_JOB, range_tags
from vintage_ai_assets.defs.platform.partitions import (
    CAR_PARTITIONS_NAME,
    car_partitions,
    start_date,
)
from vintage_ai_assets.defs.platform.resources import CatalogResource, InboxResource
from vintage_ai_assets.run_plan import TEXT_KINDS, day_ranges, run_inbox_bytes, text_bytes
from vintage_ai_assets.sources.inbox import (
    InboxFileError,
    contiguous_ranges,
    days_touched,
    inbox_files,
)


@dg.sensor(
    name="catalog_sensor",
    job_name=PER_CAR_JOB,
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
    job_name=DAILY_JOB,
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
