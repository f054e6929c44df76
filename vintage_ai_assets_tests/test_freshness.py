"""Freshness policies on the layers users read, and the per-car staleness check (the
daemon's evaluation of the policies is tested in ``test_webserver.py``, over GraphQL)."""

import time
from datetime import timedelta

import dagster as dg

from vintage_ai_assets.defs.platform.freshness import stale_cars
from vintage_ai_assets.defs.platform.partitions import CAR_PARTITIONS_NAME
from vintage_ai_assets.defs.platform.warehouse_asset import FRESHNESS

MENTIONS = dg.AssetKey(["clean", "mentions"])
FORECASTS = dg.AssetKey(["forecasts", "car_forecasts"])


def test_every_user_facing_layer_has_a_freshness_policy():
    from vintage_ai_assets.definitions import build_definitions

    defs = build_definitions()

    graph = defs.resolve_asset_graph()
    policies = {spec.key: spec.freshness_policy for spec in defs.resolve_all_asset_specs()}
    per_car = {k for k, p in policies.items() if p == FRESHNESS["car"]}
    daily = {k for k, p in policies.items() if p == FRESHNESS["day"]}
    # Every per-car layer (themes, price index, models, forecasts, reports, alerts) and the daily
    # layers users read; not the raw records, embeddings or the catalog.
    car_assets = {
        spec.key
        for spec in defs.resolve_all_asset_specs()
        if isinstance(spec.partitions_def, dg.DynamicPartitionsDefinition)
    }
    assert per_car == car_assets and len(per_car) == 11
    assert daily == {
        dg.AssetKey(k)
        for k in (["clean", "mentions"], ["nlp", "mention_sentiment"], ["series", "car_daily"])
    }
    assert {k for k, p in policies.items() if p is not None} == per_car | daily
    checks = {(k.asset_key, k.name) for k in graph.asset_check_keys}
    assert (FORECASTS, "every_car_fresh") in checks


def test_stale_cars_names_each_car_not_refreshed():
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CAR_PARTITIONS_NAME, ["ferrari-f40", "porsche-993"])
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key=FORECASTS, partition="ferrari-f40")
        )
        now = time.time()
        stale = stale_cars(instance, FORECASTS, now, timedelta(hours=36))
        assert stale["car"].tolist() == ["porsche-993"]
        assert stale["last_materialized"].isna().all()
        later = stale_cars(instance, FORECASTS, now + 37 * 3600, timedelta(hours=36))
        assert later["car"].tolist() == ["ferrari-f40", "porsche-993"]
        assert later["age_hours"].iloc[0] >= 37
