"""Partitions: days (UTC, by when the text was written) and cars (one key per catalog entry)."""

import os
from datetime import UTC, datetime

import dagster as dg

from vintage_ai_assets.paths import DataPaths

DEFAULT_START_DATE = "2025-05-01"
CAR_PARTITIONS_NAME = "car"


def start_date() -> str:
    """First day partition: ``VINTAGE_AI_START_DATE`` (YYYY-MM-DD), else the one recorded in
    the data directory (``settings.json``, written by ``vintage-ai demo``), else 2025-05-01."""
    recorded = DataPaths.from_env().recorded_settings().get("start_date")
    value = os.environ.get("VINTAGE_AI_START_DATE") or recorded or DEFAULT_START_DATE
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise ValueError(f"VINTAGE_AI_START_DATE must be YYYY-MM-DD, got {value!r}") from None
    return value


daily_partitions = dg.DailyPartitionsDefinition(start_date=start_date(), timezone="UTC")
car_partitions = dg.DynamicPartitionsDefinition(name=CAR_PARTITIONS_NAME)
SINGLE_RUN = dg.BackfillPolicy.single_run()


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
