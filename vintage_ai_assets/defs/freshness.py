"""Freshness: when the layers users read must have been refreshed, so that stale data shows.

- **Freshness policies** (Dagster's ``FreshnessPolicy``) on every asset a user reads: the
  daily layers (clean mentions, sentiment, the daily series) must have been materialised
  in the 24 hours before 06:00 UTC each day (the daily refresh runs at 02:15 UTC), the
  per-car layers (themes, price index, models, forecasts) in the 24 hours before 08:00 UTC
  (they are rebuilt after the daily refresh). An asset that misses its deadline is shown
  as failing its freshness policy in the UI (asset health, catalog, lineage) until it is
  materialised again; the daemon evaluates the policies (``freshness`` is on by default).
- **Stale cars**: a policy looks at the asset as a whole, and a car is a partition, so the
  check ``every_car_fresh`` on ``forecasts/car_forecasts`` and ``nlp/car_topics`` names
  each catalog car whose partition was not materialised within ``CAR_STALE_AFTER`` (or
  never). It runs with every per-car run and can be run from the UI at any time.
"""

from collections.abc import Iterable
from datetime import timedelta

import dagster as dg
import pandas as pd

from vintage_ai_assets.defs.partitions import CAR_PARTITIONS_NAME

DAILY_POLICY = dg.FreshnessPolicy.cron(
    deadline_cron="0 6 * * *", lower_bound_delta=timedelta(hours=24), timezone="UTC"
)
PER_CAR_POLICY = dg.FreshnessPolicy.cron(
    deadline_cron="0 8 * * *", lower_bound_delta=timedelta(hours=24), timezone="UTC"
)
DAILY_LAYERS = [
    ["clean", "mentions"],
    ["nlp", "mention_sentiment"],
    ["series", "car_daily"],
]
PER_CAR_LAYERS = [
    ["nlp", "car_topics"],
    ["nlp", "mention_topics"],
    ["nlp", "topic_shares"],
    ["series", "price_index"],
    ["models", "attention_models"],
    ["models", "value_direction"],
    ["models", "price_models"],
    ["forecasts", "car_forecasts"],
    ["forecasts", "price_estimates"],
    ["reports", "car_reports"],
]
POLICIES: dict[dg.AssetKey, dg.FreshnessPolicy] = {
    **{dg.AssetKey(key): DAILY_POLICY for key in DAILY_LAYERS},
    **{dg.AssetKey(key): PER_CAR_POLICY for key in PER_CAR_LAYERS},
}
CAR_STALE_AFTER = timedelta(hours=36)


def _with_policy(spec: dg.AssetSpec) -> dg.AssetSpec:
    policy = POLICIES.get(spec.key)
    return dg.apply_freshness_policy(spec, policy) if policy else spec


def with_freshness(assets: Iterable) -> list:
    """``assets`` with the freshness policy of each user-facing asset attached."""
    return dg.map_asset_specs(_with_policy, list(assets))


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


def _every_car_fresh_check(asset: list[str]) -> dg.AssetChecksDefinition:
    key = dg.AssetKey(asset)

    @dg.asset_check(
        asset=key,
        name="every_car_fresh",
        description=f"Every catalog car's partition was materialised in the last "
        f"{CAR_STALE_AFTER.total_seconds() / 3600:.0f} hours (stale cars are listed).",
    )
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        import time

        stale = stale_cars(context.instance, key, time.time(), CAR_STALE_AFTER)
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

    return _check


checks = [
    _every_car_fresh_check(["forecasts", "car_forecasts"]),
    _every_car_fresh_check(["nlp", "car_topics"]),
]
