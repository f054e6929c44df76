"""Serving: snapshots published atomically, the HTTP API on the built demo slice (every
endpoint, 404/422, request logs), reads while another process writes the warehouse, and
`vintage-ai serve` as a real server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from vintage_ai_assets.demo.generator import FAULT_CAR
from vintage_ai_assets.serving import snapshot
from vintage_ai_assets.warehouse import WarehouseBusyError, connect
from vintage_ai_assets_tests.demo_platform import CARS, END, environment
from vintage_ai_assets_tests.processes import free_port, stop_group


def _warehouse(path: Path, rows: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS series")
        con.execute("CREATE SCHEMA IF NOT EXISTS catalog")
        con.execute("CREATE OR REPLACE TABLE catalog.cars AS SELECT 'a' AS car")
        con.execute(
            "CREATE OR REPLACE TABLE series.car_daily AS SELECT 'a' AS car, "
            f"DATE '2026-01-01' + INTERVAL (i) DAY AS date FROM range({rows}) t(i)"
        )


def test_a_snapshot_holds_the_public_tables_and_becomes_current_whole(tmp_path):
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving"
    assert snapshot.current(serving) is None
    _warehouse(warehouse, rows=10)
    first = snapshot.publish(warehouse, serving)
    assert snapshot.current(serving).path == first.path
    assert set(first.manifest["tables"]) == {"catalog.cars", "series.car_daily"}  # only built ones
    assert first.manifest["tables"]["series.car_daily"] == {
        "rows": 10,
        "latest": "2026-01-10T00:00:00",
    }
    reader = snapshot.connect(first)  # a reader of the first snapshot...
    _warehouse(warehouse, rows=20)
    second = snapshot.publish(warehouse, serving)
    assert snapshot.current(serving).path == second.path != first.path
    # ...keeps reading it whole while the second is current
    assert reader.execute("SELECT count(*) FROM series.car_daily").fetchone()[0] == 10
    with snapshot.connect(second) as con:
        assert con.execute("SELECT count(*) FROM series.car_daily").fetchone()[0] == 20
    for _ in range(3):
        snapshot.publish(warehouse, serving)
    assert len(list(serving.glob("snapshot-*.duckdb"))) == snapshot.KEEP
    assert not list(serving.glob("*.partial"))


@pytest.fixture(scope="module")
def built(demo_platform):
    with environment(demo_platform):
        yield demo_platform


@pytest.fixture(scope="module")
def client(built):
    from vintage_ai_assets.serving.api import create_app

    assert snapshot.current(built.paths.serving) is not None  # the CLI's build published one
    with TestClient(create_app(built.paths)) as test_client:
        yield test_client


def test_cars_lists_every_catalog_car_with_sentiment_volume_and_direction(client):
    cars = client.get("/api/cars").json()
    assert sorted(c["car"] for c in cars) == sorted(CARS)
    fault = next(c for c in cars if c["car"] == FAULT_CAR)
    assert fault["latest_date"] == END.isoformat()
    assert fault["mentions_28d"] > 0 and -1 <= fault["sentiment_28d"] <= 1
    assert fault["sentiment_change"] < 0  # the demo's planted fault: sentiment falls
    assert 0 <= fault["direction_probability"] <= 1


def test_a_car_has_six_months_of_series_themes_forecasts_direction_and_index(client, built):
    detail = client.get(f"/api/cars/{FAULT_CAR}").json()
    days = pd.to_datetime([d["date"] for d in detail["daily"]])
    assert days.max().date() == END and (days.max() - days.min()).days < 183
    assert len(detail["themes"]) >= 2
    assert all(t["quotes"] and 0 < t["share"] <= 1 for t in detail["themes"])
    assert any(t["monthly_shares"] for t in detail["themes"])
    targets = {f["target"] for f in detail["forecasts"]}
    assert targets == {"mentions", "sentiment"}
    assert all(f["p10"] <= f["p50"] <= f["p90"] for f in detail["forecasts"])
    assert detail["direction"]["status"] and "probability_up_6m" in detail["direction"]["backtest"]
    assert detail["price_index"] and all(p["lots"] >= 0 for p in detail["price_index"])


def test_a_report_is_markdown_with_plot_urls_that_serve_images(client):
    report = client.get(f"/api/cars/{FAULT_CAR}/report").json()
    assert FAULT_CAR in report["markdown"] or "Ferrari" in report["markdown"]
    assert report["plots"]
    image = client.get(report["plots"][0])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"


def test_unknown_cars_and_bad_lots_are_404_and_422_with_clear_messages(client):
    missing = client.get("/api/cars/no-such-car")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "unknown car 'no-such-car': see /api/cars for the catalog"
    assert client.get("/api/cars/no-such-car/report").status_code == 404
    negative = client.post(
        "/api/price", json={"make": "Porsche", "model": "993", "year": 1996, "mileage": -1}
    )
    assert negative.status_code == 422
    assert negative.json()["detail"] == "mileage: Input should be greater than or equal to 0"
    unknown = client.post("/api/price", json={"make": "Fiat", "model": "Dino", "year": 1970})
    assert unknown.status_code == 422 and unknown.json()["detail"].startswith("unknown make 'Fiat'")
    too_many = client.post(
        "/api/price", json=[{"make": "Porsche", "model": "993", "year": 1996}] * 1001
    )
    assert too_many.status_code == 422 and "at most 1000" in too_many.json()["detail"]


def test_price_one_lot_and_a_batch(client):
    lot = {"make": "Porsche", "model": "993", "year": 1996, "mileage": 60000, "date": "2026-03-01"}
    one = client.post("/api/price", json=lot).json()
    assert one["car"] == "porsche-993" and one["currency"] == "USD"
    assert 0 < one["p10"] <= one["p50"] <= one["p90"]
    assert len(one["comparables"]) == 5
    assert all(s["sold_at"] <= "2026-03-02" for s in one["comparables"])
    assert one["model_uri"].startswith("models:/")
    batch = client.post(
        "/api/price", json=[lot, {**lot, "make": "Ferrari", "model": "F355", "year": 1997}]
    ).json()
    assert [q["car"] for q in batch] == ["porsche-993", "ferrari-355-gtb"]
    assert batch[0]["p50"] == pytest.approx(one["p50"])


def test_health_gives_each_layers_latest_data(client):
    health = client.get("/api/health").json()
    layers = {layer["table"]: layer for layer in health["layers"]}
    assert layers["series.car_daily"]["latest"].startswith(END.isoformat())
    assert all(layer["status"] in {"ok", "stale"} for layer in layers.values())
    assert health["status"] == "stale"  # the demo slice ends months ago
    assert health["snapshot_age_seconds"] >= 0


def test_reads_answer_while_another_process_holds_the_warehouse(client, built):
    """A writer in another process locks the warehouse file: a reader of the file waits,
    the API answers from its snapshot."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "con.execute('BEGIN'); print('LOCKED', flush=True); time.sleep(60)",
            str(built.paths.warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert holder.stdout.readline().strip() == "LOCKED"
        with pytest.raises(WarehouseBusyError):
            connect(built.paths.warehouse, wait_seconds=0.5)
        for path in ("/api/cars", f"/api/cars/{FAULT_CAR}", "/api/health"):
            assert client.get(path).status_code == 200
        assert holder.poll() is None  # the writer still held the file throughout
    finally:
        stop_group(holder, grace=5)


def test_the_snapshot_asset_publishes_a_new_snapshot(built):
    from vintage_ai_assets.defs.platform.resources import WarehouseResource
    from vintage_ai_assets.defs.serving.snapshot import serving_snapshot

    before = snapshot.current(built.paths.serving)
    result = dg.materialize(
        [serving_snapshot],
        resources={"warehouse": WarehouseResource(database=str(built.paths.warehouse))},
    )
    assert result.success
    after = snapshot.current(built.paths.serving)
    assert after.path != before.path
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["tables"].value == len(after.manifest["tables"])


def test_serve_runs_the_api_on_loopback_and_logs_requests_without_the_client(built, tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "vintage_ai_assets.cli", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **built.env},
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/health", timeout=5) as response:
                    health = json.load(response)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
                time.sleep(0.3)
        assert {layer["table"] for layer in health["layers"]} >= {"series.car_daily"}
        with urllib.request.urlopen(f"{base}/docs", timeout=5) as response:
            assert response.status == 200
        with urllib.request.urlopen(f"{base}/openapi.json", timeout=5) as response:
            paths = json.load(response)["paths"]
        assert {
            "/api/cars",
            "/api/cars/{car}",
            "/api/cars/{car}/report",
            "/api/price",
            "/api/health",
        } <= set(paths)
    finally:
        stop_group(server, grace=10)
    output = server.stdout.read()
    assert "GET /api/health 200" in output
    assert "127.0.0.1:" not in output.replace(f"http://127.0.0.1:{port}", "")  # no client address
