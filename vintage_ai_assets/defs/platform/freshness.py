"""Freshness: when the layers users read must have been refreshed, so that stale data shows.

- **Freshness policies** (Dagster's ``FreshnessPolicy``, set by ``warehouse_asset`` on
  every asset a user reads): the daily layers (clean mentions, sentiment, the daily series)
  must have been materialised in the 24 hours before 06:00 UTC each day (the daily refresh
  runs at 02:15 UTC), the per-car layers (themes, price index, models, forecasts, reports)
  in the 24 hours before 08:00 UTC (they are rebuilt after the daily refresh). An asset that misses its deadline is shown
  as failing its freshness policy in the UI (asset health, catalog, lineage) until it is
  materialised again; the daemon evaluates the policies (``freshness`` is on by default).
- **Stale cars**: a policy looks at the asset as a whole, and a car is a partition, so the
  check ``every_car_fresh`` on ``forecasts/car_forecasts`` and ``nlp/car_topics`` names
  each catalog car whose partition was not materialised within ``CAR_STALE_AFTER`` (or
  never). It runs with every per-car run and can be run from the UI at any time.
"""

import time
from datetime import timedelta

import dagster as dg
import pandas as pd

from vintage_ai_assets.defs.platform.check_factories import CheckView, Rule
from vintage_ai_assets.defs.platform.partitions import CAR_PARTITIONS_NAME

CAR_STALE_AFTER = timedelta(hours=36)


def stale_cars(
    instance: dg.DagsterInstance, key: dg.AssetKey, now: float, stale_after: timedelta
) -> pd.DataFrame:
    """Each car partition of ``key`` whose latest materialisation is older than ``stale_after``
    (or missing): car, last_materialized (UTC, None = never), age_hours."""
    rows = []
    for car in instance.get_dynamic_partitions(CAR_PARTITIONS_NAME):
        found = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, asset_partitions=[car]), limit=1
        ).records
        last = found[0].timestamp if found else None
        if last is None or now - last > stale_after.total_seconds():
            rows.append(
                {
                    "car": car,
                    "last_materialized": pd.Timestamp(last, unit="s", tz="UTC") if last else None,
                    "age_hours": round((now - last) / 3600, 1) if last else None,
                }
            )
    return pd.DataFrame(rows, columns=["car", "last_materialized", "age_hours"])


def every_car_fresh_rule(asset: list[str]) -> Rule:
    """The check ``every_car_fresh`` on ``asset`` (a warning naming each stale car)."""
    key = dg.AssetKey(asset)

    def evaluate(view: CheckView) -> dg.AssetCheckResult:
        stale = stale_cars(view.instance, key, time.time(), CAR_STALE_AFTER)
        return dg.AssetCheckResult(
            passed=stale.empty,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "stale_cars": dg.MetadataValue.int(len(stale)),
                "stale": dg.MetadataValue.md(
                    stale.to_markdown(index=False) if len(stale) else "none"
                ),
            },
        )

    return Rule(
        tuple(asset),
        "every_car_fresh",
        f"Every catalog car's partition was materialised in the last "
        f"{CAR_STALE_AFTER.total_seconds() / 3600:.0f} hours (stale cars are listed).",
        evaluate,
        blocking=False,
    )
