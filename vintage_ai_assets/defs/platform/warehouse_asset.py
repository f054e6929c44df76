"""One factory for what every warehouse asset repeats.

Every table of the warehouse is an asset with its key in its layer's schema
(``["clean", "mentions"]`` is ``clean.mentions``), the layer as its group, day or car
partitions with single-run backfills, the partition-replacing warehouse I/O manager, the
one-slot ``warehouse`` pool, kinds, its pandera schema and, on the layers users read, a
freshness policy. The jobs select assets by the tags set here, never by lists.

The schema is validated once, by the I/O manager, which stores the validated frame (with
pandera's coercions); the Dagster type on the output carries the schema's columns for the
UI and checks only that a frame came out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Literal

import dagster as dg
import pandas as pd
from dagster_pandera import pandera_schema_to_dagster_type

from vintage_ai_assets import schemas
from vintage_ai_assets.defs.platform.partitions import (
    DAYS_PER_RUN,
    SINGLE_RUN,
    car_partitions,
    daily_partitions,
)

Partitions = Literal["day", "car"] | None
PARTITIONS_DEFS = {"day": daily_partitions, "car": car_partitions}
#: Tag naming an asset's partitions ("day" or "car"): the daily and per-car jobs select by it.
PARTITIONS_TAG = "vintage_ai/partitions"
#: Tag of the per-car assets a new day changes without retraining (the daily per-car run).
DAILY_PER_CAR_TAG = "vintage_ai/daily_per_car"
#: Freshness of what users read: the daily layers by 06:00 UTC (the daily refresh runs at
#: 02:15), the per-car layers by 08:00 UTC (they are rebuilt after it).
FRESHNESS = {
    "day": dg.FreshnessPolicy.cron(
        deadline_cron="0 6 * * *", lower_bound_delta=timedelta(hours=24), timezone="UTC"
    ),
    "car": dg.FreshnessPolicy.cron(
        deadline_cron="0 8 * * *", lower_bound_delta=timedelta(hours=24), timezone="UTC"
    ),
}
WAREHOUSE_POOL = "warehouse"
WAREHOUSE_IO = "warehouse_io"


def asset_tags(partitions: Partitions, daily_per_car: bool = False) -> dict[str, str]:
    """The tags the jobs select by."""
    tags = {PARTITIONS_TAG: partitions} if partitions else {}
    if daily_per_car:
        tags[DAILY_PER_CAR_TAG] = "true"
    return tags


def freshness(partitions: Partitions, user_facing: bool) -> dg.FreshnessPolicy | None:
    """The freshness policy of a layer users read (None for the others)."""
    return FRESHNESS[partitions] if user_facing and partitions else None


def partitioned(partitions: Partitions) -> dict[str, object]:
    """``partitions_def`` and ``backfill_policy`` (nothing when unpartitioned): days in runs of
    at most ``VINTAGE_AI_BACKFILL_DAYS``, cars all in one run."""
    if partitions is None:
        return {}
    policy = DAYS_PER_RUN if partitions == "day" else SINGLE_RUN
    return {"partitions_def": PARTITIONS_DEFS[partitions], "backfill_policy": policy}


#: Definition metadata naming the output's schema (a name in ``vintage_ai_assets.schemas``).
SCHEMA_KEY = "pandera_schema"
_DAGSTER_TYPES: dict[int, dg.DagsterType] = {}


def _is_frame(_context, value: object) -> dg.TypeCheck:
    return dg.TypeCheck(
        success=isinstance(value, pd.DataFrame),
        description=None if isinstance(value, pd.DataFrame) else f"not a DataFrame: {type(value)}",
    )


def dagster_type(schema) -> dg.DagsterType | None:
    """The Dagster type of a pandera schema, one per schema (type names are unique): the
    schema's name, description and columns, checking only that the value is a frame (the
    I/O manager validates it against the schema and stores the validated frame)."""
    if schema is None:
        return None
    if id(schema) not in _DAGSTER_TYPES:
        described = pandera_schema_to_dagster_type(schema)
        _DAGSTER_TYPES[id(schema)] = dg.DagsterType(
            type_check_fn=_is_frame,
            name=described.unique_name,
            description=described.description,
            metadata=described.metadata,
            typing_type=pd.DataFrame,
        )
    return _DAGSTER_TYPES[id(schema)]


def schema_name(schema) -> str:
    """The name under which ``vintage_ai_assets.schemas`` holds ``schema``."""
    for name, value in vars(schemas).items():
        if value is schema:
            return name
    raise ValueError(f"{schema!r} is not a schema of vintage_ai_assets.schemas")


def _metadata(
    partition_expr: str | None, metadata: Mapping[str, object] | None, schema=None
) -> dict:
    return {
        **({"partition_expr": partition_expr} if partition_expr else {}),
        **({SCHEMA_KEY: schema_name(schema)} if schema is not None else {}),
        **(metadata or {}),
    }


def warehouse_asset(
    key: list[str],
    *,
    partitions: Partitions,
    schema=None,
    partition_expr: str | None = None,
    kinds: Iterable[str] = ("python", "duckdb"),
    user_facing: bool = False,
    daily_per_car: bool = False,
    metadata: Mapping[str, object] | None = None,
    **kwargs,
):
    """``@dg.asset`` for one warehouse table (see the module docstring); ``kwargs`` go to
    ``dg.asset`` (``ins``, ``deps``, ``description``, ...)."""
    return dg.asset(
        key=key,
        group_name=key[0],
        **partitioned(partitions),
        dagster_type=dagster_type(schema),
        metadata=_metadata(partition_expr, metadata, schema),
        io_manager_key=WAREHOUSE_IO,
        kinds=set(kinds),
        pool=WAREHOUSE_POOL,
        tags=asset_tags(partitions, daily_per_car),
        freshness_policy=freshness(partitions, user_facing),
        **kwargs,
    )


def warehouse_out(
    key: list[str],
    *,
    partitions: Partitions,
    schema=None,
    partition_expr: str | None = None,
    kinds: Iterable[str] = ("python", "duckdb"),
    user_facing: bool = False,
    daily_per_car: bool = False,
    **kwargs,
) -> dg.AssetOut:
    """One output of a ``warehouse_multi_asset``: a warehouse table, as :func:`warehouse_asset`."""
    return dg.AssetOut(
        key=key,
        group_name=key[0],
        dagster_type=dagster_type(schema),
        metadata=_metadata(partition_expr, None, schema),
        io_manager_key=WAREHOUSE_IO,
        kinds=set(kinds),
        tags=asset_tags(partitions, daily_per_car),
        freshness_policy=freshness(partitions, user_facing),
        **kwargs,
    )


def warehouse_multi_asset(outs: dict[str, dg.AssetOut], *, partitions: Partitions, **kwargs):
    """``@dg.multi_asset`` writing several warehouse tables in one step."""
    return dg.multi_asset(outs=outs, **partitioned(partitions), pool=WAREHOUSE_POOL, **kwargs)
