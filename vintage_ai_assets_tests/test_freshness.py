"""Freshness policies on the layers users read, evaluated as Dagster's freshness daemon does
(what the UI shows), and the per-car staleness check."""

import asyncio
import time
from datetime import timedelta
from unittest import mock

import dagster as dg
from dagster._core.definitions.freshness import FreshnessState
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
from dagster._daemon.freshness import FreshnessDaemon
from dagster._time import get_current_datetime

from vintage_ai_assets.defs.freshness import (
    DAILY_LAYERS,
    PER_CAR_LAYERS,
    POLICIES,
    stale_cars,
)
from vintage_ai_assets.defs.partitions import CAR_PARTITIONS_NAME

MENTIONS = dg.AssetKey(["clean", "mentions"])
FORECASTS = dg.AssetKey(["forecasts", "car_forecasts"])
RAW = dg.AssetKey(["raw", "reddit_archive"])


def test_every_user_facing_layer_has_a_freshness_policy():
    from vintage_ai_assets.definitions import defs

    graph = defs.resolve_asset_graph()
    with_policy = {
        key for key in graph.get_all_asset_keys() if graph.get(key).freshness_policy is not None
    }
    expected = {dg.AssetKey(k) for k in DAILY_LAYERS + PER_CAR_LAYERS}
    assert with_policy == expected == set(POLICIES)
    for key in expected:
        assert isinstance(graph.get(key).freshness_policy, dg.FreshnessPolicy)
    checks = {(k.asset_key, k.name) for k in graph.asset_check_keys}
    assert (FORECASTS, "every_car_fresh") in checks


def _evaluate(instance, now=None) -> dict[dg.AssetKey, FreshnessState]:
    """One iteration of the freshness daemon over the platform's definitions (optionally at
    another time), then the states it recorded (what the UI reads)."""
    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(module_name="vintage_ai_assets.definitions", attribute="defs"),
        location_name="vintage_ai_assets",
    )
    target = "dagster._core.definitions.freshness_evaluator.get_current_datetime"
    clock = (lambda tz=None: now) if now else get_current_datetime
    with (
        WorkspaceProcessContext(instance, InProcessWorkspaceLoadTarget(origin)) as context,
        mock.patch(target, side_effect=clock),
    ):
        asyncio.run(FreshnessDaemon()._evaluate_assets(workspace_process_context=context))
    records = instance.get_freshness_state_records([MENTIONS, FORECASTS, RAW])
    return {key: record.freshness_state for key, record in records.items()}


def test_a_stale_layer_evaluates_as_failing_its_policy():
    with dg.instance_for_test() as instance:
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key=MENTIONS, partition="2025-11-20")
        )
        states = _evaluate(instance)
        assert states[MENTIONS] == FreshnessState.PASS
        assert states[FORECASTS] == FreshnessState.UNKNOWN  # never materialised
        assert states[RAW] == FreshnessState.NOT_APPLICABLE  # no policy on raw
        # Two days later without a refresh, the mentions are stale.
        later = get_current_datetime() + timedelta(days=2)
        assert _evaluate(instance, now=later)[MENTIONS] == FreshnessState.FAIL


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
