"""Partitions: days (UTC, by when the text was written) and cars (one key per catalog entry)."""

from datetime import UTC, datetime

import dagster as dg

from vintage_ai_assets import settings

CAR_PARTITIONS_NAME = "car"


def start_date() -> str:
    """First day partition (YYYY-MM-DD): ``Settings.first_day`` — ``VINTAGE_AI_START_DATE``,
    else the one recorded in the data directory (``settings.json``, written by
    ``vintage-ai demo``), else 2025-05-01."""
    return settings.current().first_day.isoformat()


daily_partitions = dg.DailyPartitionsDefinition(start_date=start_date(), timezone="UTC")
car_partitions = dg.DynamicPartitionsDefinition(name=CAR_PARTITIONS_NAME)
SINGLE_RUN = dg.BackfillPolicy.single_run()
#: A backfill of days launched from the UI (or the daemon) runs at most this many days per
#: run, so its memory is bounded as the CLI's and the inbox sensor's runs are (they cut
#: ranges by inbox size, ``run_plan``); the CLI's own runs cover any range as one run.
DAYS_PER_RUN = dg.BackfillPolicy.multi_run(max_partitions_per_run=settings.current().backfill_days)


#: Metadata flag of daily assets whose first day partition also holds every record dated
#: before it: market history (auction results, valuation points) older than the first day,
#: which the value-direction model learns from.
HISTORY_BEFORE_START = "history_before_start"
HISTORY_FLOOR = datetime(1900, 1, 1)


def with_history(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """A window that begins on the first day partition reaches back to ``HISTORY_FLOOR``."""
    first = datetime.strptime(start_date(), "%Y-%m-%d")
    return (HISTORY_FLOOR if start <= first else start), end


def window_of(
    context: dg.AssetExecutionContext, history: bool = False
) -> tuple[datetime, datetime]:
    """The run's partition window as naive UTC datetimes [start, end); with ``history``, a
    window that begins on the first day reaches back to ``HISTORY_FLOOR``."""
    window = context.partition_time_window
    start = window.start.astimezone(UTC).replace(tzinfo=None)
    end = window.end.astimezone(UTC).replace(tzinfo=None)
    return with_history(start, end) if history else (start, end)


def all_days(key) -> dg.AssetDep:
    """A per-car asset's dependency on every day of a daily asset."""
    return dg.AssetDep(
        dg.AssetKey(key) if isinstance(key, list) else key,
        partition_mapping=dg.AllPartitionMapping(),
    )
