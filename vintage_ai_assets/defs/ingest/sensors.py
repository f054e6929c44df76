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
    InboxFile,
    InboxFileError,
    contiguous_ranges,
    inbox_files,
    month_in_name,
    scan_file,
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
#: Text the inbox sensor scans for dates in one tick (bytes, decompressed): about 4 s at the
#: benchmark's 250 MB/s (500 MB in 2.0 s, benchmarks/bench_inbox_sensor.py), a tick stays short.
TICK_SCAN_BYTES = 2**30


@dg.sensor(
    name="inbox_sensor",
    job_name=DAILY_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Launches the day partitions that new or changed inbox files bring records for "
    "(one run per range of days); each file once, unreadable files reported, not retried.",
)
def inbox_sensor(context: dg.SensorEvaluationContext, inbox: InboxResource):
    """New or changed inbox files launch the days they hold records for.

    Only cheap work per tick. A file's days are found by scanning its bytes for the date
    field (:func:`~vintage_ai_assets.sources.inbox.scan_file`; no record is parsed, the
    days are those that parsing every record gives): a new 500 MB Reddit archive takes a
    tick of 2.0 s (``benchmarks/bench_inbox_sensor.py``). Beyond that, the choice for
    large arrivals: one tick scans at most :data:`TICK_SCAN_BYTES` of text; the files that
    do not fit in what is left wait for the next tick (they stay out of the cursor, and a
    scan cut short starts again there), the first file of a tick always goes ahead. A file
    that alone holds more text than a tick scans (a huge compressed dump) is taken, when
    its name gives its month as pushshift's monthly dumps do (``RS_2025-05.zst``,
    ``RC_…``), to touch every day of that month (and the other days seen before the scan
    stopped); without a month in its name it is scanned to its end in that tick.

    A file scanned to its end, unchanged meanwhile, for which runs are launched also has
    its span (first and last record time) written to the span store the raw assets read
    (``InboxResource.spans``): runs of other days skip it without opening it, while the
    runs launched for it read it in full (and quarantine its bad lines).
    """
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    first_day, last_day = (
        date.fromisoformat(start_date()),
        datetime.now(UTC).date() - timedelta(days=1),
    )
    days: set[date] = set()
    new_files, failures, outside, new_text = [], {}, 0, 0
    scanned, waiting, spans = 0, [], {}  # text read in this tick, files left for the next
    for file in inbox_files(Path(inbox.root)):
        fingerprint = file.fingerprint()
        if seen.get(file.key, "").split("|")[0] == fingerprint:
            continue
        size = int(fingerprint.split(":")[0])
        first_of_tick, budget = scanned == 0, TICK_SCAN_BYTES - scanned
        if not first_of_tick and size > budget:
            waiting.append(file.key)
            continue
        month = month_in_name(file)
        try:
            found = scan_file(file, None if first_of_tick and month is None else budget)
        except InboxFileError as exc:
            scanned += max(1, size)
            failures[file.key] = str(exc)
            seen[file.key] = f"{fingerprint}|failed"
            context.log.error(f"inbox file not loaded: {exc}")
            continue
        scanned += max(1, found.scanned)
        touched = found.days
        if not found.complete:
            if not first_of_tick or month is None:
                waiting.append(file.key)
                continue
            context.log.info(
                f"{file.key}: more than {TICK_SCAN_BYTES / 2**30:g} GiB of text, taken to "
                "touch every day of the month its name gives"
            )
            touched = touched | month
        if file.kind in HISTORY_KINDS:  # older market history belongs to the first day
            touched = {max(d, first_day) for d in touched}
        in_range = {d for d in touched if first_day <= d <= last_day}
        outside += len(touched) - len(in_range)
        days |= in_range
        new_files.append(file.key)
        new_text += text_bytes(file.path) if file.kind in TEXT_KINDS else 0
        seen[file.key] = fingerprint
        learn = found.complete and found.first is not None and in_range
        if learn and _unchanged(file, fingerprint):
            if file.kind not in spans:
                spans[file.kind] = inbox.spans(file.kind)
            spans[file.kind].learn(file.path, found.first, found.last)
    for store in spans.values():
        store.save()
    if waiting:
        context.log.info(f"{len(waiting)} inbox files wait for the next tick: {waiting[:10]}")
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


def _unchanged(file: InboxFile, fingerprint: str) -> bool:
    try:
        return file.fingerprint() == fingerprint
    except OSError:
        return False


def hash_files(keys: list[str], seen: dict[str, str]) -> str:
    digest = hashlib.sha1("".join(f"{k}={seen[k]};" for k in sorted(keys)).encode())
    return digest.hexdigest()[:12]
