"""The loaded definitions against a snapshot: asset keys, groups, kinds, partitions,
dependencies, freshness, checks, jobs, schedules and sensors.

A change to the graph shows here as a diff of ``snapshots/definitions.json``; when the
change is meant, rewrite the snapshot with
``VINTAGE_AI_UPDATE_SNAPSHOT=1 .venv/bin/pytest vintage_ai_assets_tests/test_definitions_snapshot.py``
and commit it with the change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"


def _keys(keys) -> list[str]:
    return sorted(key.to_user_string() for key in keys)


def _partitions(partitions_def: dg.PartitionsDefinition | None) -> str | None:
    if partitions_def is None:
        return None
    if isinstance(partitions_def, dg.DynamicPartitionsDefinition):
        return f"dynamic:{partitions_def.name}"
    return type(partitions_def).__name__


def describe(defs: dg.Definitions) -> dict[str, object]:
    """The shape of the definitions, as plain data (no dates, paths or resource settings)."""
    graph = defs.resolve_asset_graph()
    checks: dict[str, list[str]] = {}
    for check in graph.asset_check_keys:
        checks.setdefault(check.asset_key.to_user_string(), []).append(check.name)
    assets = {}
    for spec in defs.resolve_all_asset_specs():
        key = spec.key.to_user_string()
        assets[key] = {
            "group": spec.group_name,
            "kinds": sorted(spec.kinds),
            "tags": {
                k: v for k, v in sorted(spec.tags.items()) if not k.startswith("dagster/kind/")
            },
            "partitions": _partitions(spec.partitions_def),
            "deps": _keys(dep.asset_key for dep in spec.deps),
            "freshness": repr(spec.freshness_policy) if spec.freshness_policy else None,
            "checks": sorted(checks.get(key, [])),
        }
    jobs = {}
    for job in defs.jobs or []:
        if isinstance(job, dg.JobDefinition):
            continue
        jobs[job.name] = {
            "assets": _keys(job.selection.resolve(graph)),
            "checks": sorted(str(c.to_user_string()) for c in job.selection.resolve_checks(graph)),
        }
    schedules = {
        s.name: {"cron": s.cron_schedule, "job": s.job_name, "status": s.default_status.value}
        for s in (defs.resolve_schedule_def(u.name) for u in defs.schedules or [])
    }
    sensors = {
        s.name: {
            "jobs": sorted(target.job_name for target in s.targets),
            "status": s.default_status.value,
        }
        for s in (defs.resolve_sensor_def(u.name) for u in defs.sensors or [])
    }
    return {
        "assets": dict(sorted(assets.items())),
        "jobs": dict(sorted(jobs.items())),
        "schedules": dict(sorted(schedules.items())),
        "sensors": dict(sorted(sensors.items())),
    }


def test_definitions_match_the_snapshot():
    from vintage_ai_assets.definitions import build_definitions

    defs = build_definitions()

    current = describe(defs)
    text = json.dumps(current, indent=1, sort_keys=True) + "\n"
    if os.environ.get("VINTAGE_AI_UPDATE_SNAPSHOT") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.write_text(text)
    assert json.loads(SNAPSHOT.read_text()) == current, (
        "the definitions changed; if meant, rewrite the snapshot (see this module's docstring)"
    )
    # The snapshot is not empty by accident: the layers, jobs and automation are all there.
    assert len(current["assets"]) >= 20
    assert {"daily_refresh", "per_car_refresh"} <= set(current["jobs"])
    assert all(s["status"] == "RUNNING" for s in current["schedules"].values())
