"""Sources as assets: Reddit live against the fake API, through Dagster, with secrets kept
out of logs, run metadata, the event log and the warehouse; failed fetches write nothing."""

from __future__ import annotations

import logging
from pathlib import Path

import dagster as dg

from vintage_ai_assets.defs.ingest.assets import raw_reddit_live
from vintage_ai_assets.defs.platform.resources import (
    CatalogResource,
    RedditResource,
    WarehouseIOManager,
    WarehouseResource,
)
from vintage_ai_assets.warehouse import Warehouse
from vintage_ai_assets_tests.fake_reddit import FakeReddit
from vintage_ai_assets_tests.test_forum import server  # noqa: F401 - the forum server fixture
from vintage_ai_assets_tests.test_reddit_live import (  # noqa: F401 - the fake Reddit fixture
    CLIENT_ID,
    CLIENT_SECRET,
    TOKEN,
    fake,
)

DAY = "2025-11-20"  # the fake's window
AUTHOR = "alice_classic"


def _resources(api: FakeReddit, warehouse: Path) -> dict:
    return {
        "reddit": RedditResource(
            oauth_url=api.url, reddit_url=api.url, timeout_seconds=2, backoff_seconds=0.01
        ),
        "catalog": CatalogResource(),
        "warehouse": WarehouseResource(database=str(warehouse)),
        "warehouse_io": WarehouseIOManager(warehouse=WarehouseResource(database=str(warehouse))),
    }


def _all_bytes(*roots: Path) -> bytes:
    return b"".join(
        p.read_bytes() for root in roots for p in sorted(root.rglob("*")) if p.is_file()
    )


def test_reddit_live_asset_collects_and_leaks_no_secret(fake, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("REDDIT_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", CLIENT_SECRET)
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        result = dg.materialize(
            [raw_reddit_live],
            partition_key=DAY,
            resources=_resources(fake, warehouse),
            instance=instance,
        )
        assert result.success
        [materialization] = result.asset_materializations_for_node("raw__reddit_live")
        assert materialization.metadata["accepted"].value > 0
        rows = Warehouse(warehouse).query("SELECT record_id, author_hash FROM raw.reddit_live")
        assert "reddit:w1" in set(rows["record_id"])
        stored = _all_bytes(home, warehouse.parent)
        logs = caplog.text.encode()
    for secret in (CLIENT_SECRET, TOKEN, CLIENT_ID):
        assert secret.encode() not in stored, f"{secret} stored"
        assert secret.encode() not in logs, f"{secret} logged"
    assert AUTHOR.encode() not in stored  # authors only as keyed hashes


def test_failed_fetch_keeps_the_days_previous_content(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("REDDIT_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", CLIENT_SECRET)
    warehouse = tmp_path / "warehouse.duckdb"
    with dg.instance_for_test() as instance:
        assert dg.materialize(
            [raw_reddit_live],
            partition_key=DAY,
            resources=_resources(fake, warehouse),
            instance=instance,
        ).success
        before = Warehouse(warehouse).query("SELECT * FROM raw.reddit_live ORDER BY record_id")
        fake.add_fault("/comments", "malformed", times=None)  # the fetch now fails midway
        failed = dg.materialize(
            [raw_reddit_live],
            partition_key=DAY,
            resources=_resources(fake, warehouse),
            instance=instance,
            raise_on_error=False,
        )
        assert not failed.success
        after = Warehouse(warehouse).query("SELECT * FROM raw.reddit_live ORDER BY record_id")
    assert after.equals(before) and len(before) > 0


def test_unconfigured_reddit_says_so_and_succeeds(tmp_path, monkeypatch):
    monkeypatch.delenv("REDDIT_CLIENT_ID", raising=False)
    monkeypatch.delenv("REDDIT_CLIENT_SECRET", raising=False)
    warehouse = tmp_path / "warehouse.duckdb"
    with FakeReddit(client_id="x", client_secret="y") as unused, dg.instance_for_test() as instance:
        result = dg.materialize(
            [raw_reddit_live],
            partition_key=DAY,
            resources=_resources(unused, warehouse),
            instance=instance,
        )
        assert unused.log == []
    [materialization] = result.asset_materializations_for_node("raw__reddit_live")
    assert materialization.metadata["status"].value == "not configured"


def test_forum_asset_is_incremental_and_idempotent(tmp_path, server):
    from vintage_ai_assets.defs.ingest.assets import raw_forum_posts
    from vintage_ai_assets.defs.platform.jobs import range_tags
    from vintage_ai_assets.defs.platform.resources import ForumResource

    sites = tmp_path / "forums.yaml"
    sites.write_text(
        f"sites:\n  - name: ferrarichat\n    base_url: {server.base}\n    tags: [testarossa]\n"
    )
    warehouse = tmp_path / "warehouse.duckdb"
    resources = {
        "forums": ForumResource(sites_file=str(sites), delay_seconds=0, backoff_seconds=0.01),
        "catalog": CatalogResource(),
        "warehouse": WarehouseResource(database=str(warehouse)),
        "warehouse_io": WarehouseIOManager(warehouse=WarehouseResource(database=str(warehouse))),
    }
    history = range_tags("2025-12-01", "2026-02-28")  # every fixture post, as one run
    query = "SELECT * FROM raw.forum_posts ORDER BY record_id"
    with dg.instance_for_test() as instance:
        run = dg.materialize(
            [raw_forum_posts], tags=history, resources=resources, instance=instance
        )
        assert run.success
        rows = Warehouse(warehouse).query(query)
        assert len(rows) >= 8 and set(rows["source"]) == {"forum:ferrarichat"}
        state = Warehouse(warehouse).query(
            "SELECT thread_id, delivered_through FROM raw.forum_state"
        )
        assert len(state) >= 2
        requests_first = len(server.log)
        again = dg.materialize(
            [raw_forum_posts], tags=history, resources=resources, instance=instance
        )
        assert again.success
        requests_second = len(server.log) - requests_first
        assert Warehouse(warehouse).query(query).equals(rows)  # merged, not lost or doubled
        day = dg.materialize(
            [raw_forum_posts], partition_key="2026-01-10", resources=resources, instance=instance
        )
        assert day.success
        assert Warehouse(warehouse).query(query).equals(rows)
    assert requests_second < requests_first  # the state spared pages already collected
    for author in ("TR_Jim", "modena_mike"):
        assert author not in rows.to_string()
