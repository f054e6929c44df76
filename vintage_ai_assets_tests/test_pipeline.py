"""The whole graph, in process, on a small slice of demo data: every public table, checks,
idempotent reruns, MLflow runs and the planted demo signals."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import mlflow
import pandas as pd
import pytest
import yaml

from vintage_ai_assets.demo.generator import (
    FAULT_CAR,
    FAULT_TERMS,
    RISING_CAR,
    DemoSpec,
)
from vintage_ai_assets.tracking import load_pyfunc, local_model_folder
from vintage_ai_assets.warehouse import Warehouse, connect
from vintage_ai_assets_tests.demo_platform import CARS, END, HISTORY_MONTHS, START, environment

FAULT_ONSET = DemoSpec(start=START, end=END).fault_onset  # 2026-02-01
PUBLIC_COLUMNS = {
    "clean.mentions": {
        "mention_id",
        "car",
        "source",
        "source_id",
        "created_at",
        "text",
        "author_hash",
        "url",
    },
    "nlp.mention_sentiment": {"mention_id", "car", "sentiment"},
    "nlp.car_topics": {"car", "topic_id", "label", "size", "sentiment"},
    "series.car_daily": {"car", "date", "mentions", "sentiment"},
    "forecasts.car_forecasts": {"car", "target", "date", "p10", "p50", "p90"},
}


@pytest.fixture(scope="module")
def platform(demo_platform):
    """The session's built platform, with its environment in force for this module."""
    with environment(demo_platform):
        built = demo_platform.platform
        built.results, built.terminal = demo_platform.results, demo_platform.terminal
        yield built


def test_every_run_succeeds_and_every_check_passes_but_the_planted_faults_alert(platform):
    evaluations = [e for r in platform.results for e in r.get_asset_check_evaluations()]
    assert len(evaluations) >= 10
    failed = [e for e in evaluations if not e.passed]
    # The one failure is the business warning the demo's planted fault must raise.
    assert [(e.asset_key.to_user_string(), e.check_name) for e in failed] == [
        ("reports/car_alerts", "no_recent_alerts")
    ]
    assert failed[0].severity == dg.AssetCheckSeverity.WARN
    assert FAULT_CAR in failed[0].metadata["sample"].value


def test_the_terminal_shows_each_step_with_its_partitions_and_rows(platform):
    lines = platform.terminal.splitlines()
    steps = [line for line in lines if line.startswith("[")]
    # The catalog, two runs of days (12 steps each), the cars (9 steps).
    assert len(steps) == 1 + 2 * 12 + 9, platform.terminal
    assert steps[1].startswith("[ 1/12] raw/auction_lots · 65/65 days · ")
    assert steps[24].startswith("[12/12] series/car_daily · 65/65 days · 195 rows")
    assert steps[-1].startswith("[9/9] reports/car_reports · 3/3 cars · 3 rows")
    assert "days 2025-11-20..2026-03-29 (130 days): 2 runs (a large inbox)" in lines
    # Long steps say how far they are; nothing but the platform's lines reaches the terminal.
    assert any(
        line.strip().startswith("models/attention_models  fitted and back-tested 3/3 cars")
        for line in lines
    )
    assert all(
        line.startswith(
            ("[", "        ", "      ! raw", "days", "cars", "catalog", "published snapshot-")
        )
        or line == "      ! check failed: reports/car_alerts no_recent_alerts"  # the planted fault
        for line in lines
    ), platform.terminal


def test_a_large_inbox_is_backfilled_in_consecutive_runs_of_days(platform):
    from vintage_ai_assets.defs.platform.jobs import DAILY_JOB

    day_runs = [r.dagster_run for r in platform.results if r.dagster_run.job_name == DAILY_JOB]
    spans = [
        (r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"])
        for r in day_runs
    ]
    assert spans == [("2025-11-20", "2026-01-23"), ("2026-01-24", "2026-03-29")]
    # Runs by dg.execute_job keep their events, not their step outputs (frames stay in the
    # warehouse only; execute_in_process would hold them all until the run ends).
    assert all(isinstance(r, dg.JobExecutionResult) and r.all_events for r in platform.results)


def test_public_tables_have_their_columns_and_rows(platform):
    with connect(platform.paths.warehouse) as con:
        for table, columns in PUBLIC_COLUMNS.items():
            schema, name = table.split(".")
            found = {
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
                    [schema, name],
                ).fetchall()
            }
            assert columns <= found, f"{table} lacks {columns - found}"
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table
        cars = {r[0] for r in con.execute("SELECT DISTINCT car FROM clean.mentions").fetchall()}
        assert cars == set(CARS)
        days = (END - START).days + 1
        assert con.execute("SELECT count(*) FROM series.car_daily").fetchone()[0] == days * len(
            CARS
        )
        assert (
            con.execute("SELECT count(*) FROM forecasts.car_forecasts").fetchone()[0]
            == len(CARS) * 2 * 90
        )
        mentions, scored = con.execute(
            "SELECT count(*), count(s.sentiment) FROM clean.mentions m JOIN nlp.mention_sentiment s USING (mention_id)"
        ).fetchone()
        assert mentions == con.execute("SELECT count(*) FROM clean.mentions").fetchone()[0]
        assert scored / mentions > 0.9
        assert con.execute("SELECT count(*) FROM raw.quarantine").fetchone()[0] >= 0
        reasons = {
            r[0] for r in con.execute("SELECT DISTINCT reason FROM clean.quarantine").fetchall()
        }
        assert {"spam", "duplicate", "bot"} <= reasons
        # Each distinct text was embedded once.
        texts, embedded = con.execute(
            "SELECT count(DISTINCT text_hash), (SELECT count(*) FROM nlp.text_embeddings) FROM clean.mentions"
        ).fetchone()
        assert texts == embedded


def test_rematerialising_a_day_gives_the_same_rows(platform):
    from vintage_ai_assets.defs.platform.jobs import DAILY_JOB

    day = "2026-02-14"
    query = "SELECT * EXCLUDE (lang) FROM clean.mentions WHERE CAST(created_at AS DATE) = ? ORDER BY mention_id"
    store = Warehouse(platform.paths.warehouse)
    before = store.query(query, [day])
    total = store.query("SELECT count(*) AS n FROM clean.mentions")["n"].iloc[0]
    assert len(before) > 0
    platform.run(DAILY_JOB, partition_key=day)
    after = store.query(query, [day])
    assert after.equals(before)
    assert store.query("SELECT count(*) AS n FROM clean.mentions")["n"].iloc[0] == total


def test_market_history_before_the_first_day_loads_with_it_once(platform):
    from vintage_ai_assets.defs.platform.jobs import DAILY_JOB

    store = Warehouse(platform.paths.warehouse)
    query = (
        "SELECT (SELECT count(*) FROM clean.auction_lots) AS lots, "
        "(SELECT count(*) FROM clean.auction_lots WHERE sold_at < ?) AS old_lots, "
        "(SELECT count(*) FROM raw.valuations) AS points, "
        "(SELECT min(date) FROM raw.valuations) AS first_point"
    )
    before = store.query(query, [START]).iloc[0]
    assert before["old_lots"] > 0.5 * before["lots"]  # 36 months of history vs 4 of texts
    assert before["first_point"] == pd.Timestamp("2022-11-01")
    assert before["points"] == len(CARS) * (HISTORY_MONTHS + 5)
    platform.run(DAILY_JOB, partition_key=START.isoformat())  # the first day again
    after = store.query(query, [START]).iloc[0]
    assert after.equals(before)  # replaced, not duplicated


def test_the_fault_theme_and_sentiment_drop_are_recovered(platform):
    store = Warehouse(platform.paths.warehouse)
    topics = store.query(
        "SELECT label, terms, size, growing FROM nlp.car_topics WHERE car = ?", [FAULT_CAR]
    )
    words = [w for term in FAULT_TERMS for w in term.split()]
    fault = topics[topics["label"].str.contains("|".join(["valve", "manifold", "guide"]))]
    assert len(fault) >= 1, topics["label"].tolist()
    assert any(word in " ".join(fault["label"]) for word in words)
    series = store.query(
        "SELECT date < ? AS before, sum(sentiment * scored) / sum(scored) AS mean FROM series.car_daily "
        "WHERE car = ? AND scored > 0 GROUP BY 1",
        [FAULT_ONSET, FAULT_CAR],
    ).set_index("before")["mean"]
    assert series[True] - series[False] > 0.2, series


def test_models_are_tracked_in_mlflow(platform):
    store = Warehouse(platform.paths.warehouse)
    models = store.query(
        "SELECT car, status, run_id, model_uri FROM models.attention_models ORDER BY car"
    )
    assert set(models["car"]) == set(CARS)
    assert (models["status"] == "ok").all()
    mlflow.set_tracking_uri(platform.paths.mlflow_tracking_uri)
    runs = mlflow.search_runs(experiment_names=["attention-forecasts"])
    assert set(models["run_id"]) <= set(runs["run_id"])
    assert runs["metrics.mentions_30d_lightgbm_mase"].notna().all()
    assert runs["metrics.mentions_30d_seasonal_naive_mase"].notna().all()
    loaded = mlflow.pyfunc.load_model(models["model_uri"].iloc[0])

    out = loaded.predict(pd.DataFrame({"target": ["mentions", "sentiment"], "horizon": [1, 30]}))
    assert list(out.columns) == ["p10", "p50", "p90"] and len(out) == 2
    # The platform reads the same model from its folder on disk, without the tracking store.
    model_id = models["model_uri"].iloc[0].removeprefix("models:/")
    folder = local_model_folder(platform.paths.mlflow_artifacts, model_id)
    assert folder == Path(
        mlflow.get_logged_model(model_id).artifact_location.removeprefix("file://")
    )
    assert local_model_folder(platform.paths.mlflow_artifacts, "m-unknown") is None
    in_place = load_pyfunc(models["model_uri"].iloc[0], platform.paths.mlflow_artifacts)
    query = pd.DataFrame({"target": ["mentions", "sentiment"], "horizon": [1, 30]})
    pd.testing.assert_frame_equal(in_place.predict(query), out)


def test_value_models_and_reports_are_written(platform):
    store = Warehouse(platform.paths.warehouse)
    direction = store.query("SELECT * FROM models.value_direction ORDER BY car")
    assert set(direction["car"]) == set(CARS)
    assert direction["probability"].between(0, 1).all()
    # 40 months of prices (36 before the first day): enough to learn and back-test.
    assert (direction["status"] == "ok").all(), direction[["car", "status"]]
    assert (direction["method"] == "logistic").all()
    prices = store.query("SELECT * FROM models.price_models ORDER BY car")
    assert set(prices["car"]) == set(CARS) and (prices["status"] == "ok").all()
    assert prices["rmsle_model"].notna().any()
    estimates = store.query("SELECT * FROM forecasts.price_estimates")
    typical = estimates[estimates["kind"] == "typical"]
    assert set(typical["car"]) == set(CARS)
    assert ((estimates["p10"] <= estimates["p50"]) & (estimates["p50"] <= estimates["p90"])).all()
    reports = store.query("SELECT * FROM reports.car_reports ORDER BY car")
    assert set(reports["car"]) == set(CARS)
    rising = reports.set_index("car").loc[RISING_CAR]
    assert rising["markdown"].startswith("# Lancia Delta HF Integrale")
    for section in ("## Attention and sentiment", "## Themes", "## Value", "P(price index"):
        assert section in rising["markdown"]
    themes = rising["markdown"].split("## Themes", 1)[1].split("\n## ", 1)[0]
    quoted = [line for line in themes.splitlines() if line.startswith("  - ")]
    assert quoted and all(line.count("“") >= 1 for line in quoted)  # quotes under themes
    path = platform.paths.root / "reports" / f"{RISING_CAR}.md"
    assert path.read_text().startswith(rising["markdown"].rstrip())
    assert (platform.paths.root / "reports" / f"{RISING_CAR}-series.png").stat().st_size > 1000


def test_mlflow_has_one_run_per_car_and_family_with_a_loadable_model(platform):

    from vintage_ai_assets.valuation.direction import direction_features

    mlflow.set_tracking_uri(platform.paths.mlflow_tracking_uri)
    store = Warehouse(platform.paths.warehouse)
    loaded = {}
    for experiment, table in (
        ("attention-forecasts", "models.attention_models"),
        ("value-direction", "models.value_direction"),
        ("price-model", "models.price_models"),
    ):
        runs = mlflow.search_runs(experiment_names=[experiment])
        per_car = runs[runs["tags.car"].notna()]
        rows = store.query(f"SELECT car, run_id, model_uri FROM {table}")
        assert set(per_car["tags.car"]) == set(CARS), experiment
        assert set(rows["run_id"]) <= set(per_car["run_id"])
        assert rows["model_uri"].notna().all()
        loaded[experiment] = mlflow.pyfunc.load_model(rows["model_uri"].iloc[0])
    price_runs = mlflow.search_runs(experiment_names=["price-model"])
    assert price_runs["metrics.all_rmsle_model"].notna().any()
    # Each family's model predicts.
    out = loaded["attention-forecasts"].predict(
        pd.DataFrame({"target": ["mentions"], "horizon": [30]})
    )
    assert out.loc[0, "p10"] <= out.loc[0, "p50"] <= out.loc[0, "p90"]
    index = store.query("SELECT * FROM series.price_index")
    probability = loaded["value-direction"].predict(direction_features(index).tail(3))
    assert probability["probability"].between(0, 1).all()
    lot = pd.DataFrame(
        {
            "make": ["Lancia"],
            "model": ["Delta HF Integrale"],
            "year": [1991],
            "mileage": [60_000.0],
            "sold_at": [pd.Timestamp("2026-03-01")],
            "title": ["1991 Lancia Delta HF Integrale Evoluzione"],
        }
    )
    price = loaded["price-model"].predict(lot)
    assert 0 < price.loc[0, "p10"] <= price.loc[0, "p50"] <= price.loc[0, "p90"]


def test_a_daily_refresh_reforecasts_without_retraining(platform):
    """``vintage-ai refresh``: the day, then forecasts from the trained models (no refit)."""
    import numpy as np

    from vintage_ai_assets.defs.platform.jobs import DAILY_JOB, PER_CAR_DAILY_JOB

    store = Warehouse(platform.paths.warehouse)
    models_query = "SELECT car, run_id, trained_at FROM models.attention_models ORDER BY car"
    topics_query = "SELECT car, topic_id, label FROM nlp.car_topics ORDER BY car, topic_id"
    forecasts_query = (
        "SELECT car, target, horizon, p50, origin FROM forecasts.car_forecasts "
        "ORDER BY car, target, horizon"
    )
    models, topics, forecasts = (
        store.query(q) for q in (models_query, topics_query, forecasts_query)
    )
    said: list[str] = []
    results = platform.build(END, END, say=said.append, retrain=False)
    assert results[-1].dagster_run.job_name == PER_CAR_DAILY_JOB, said
    assert any(line.endswith("cars, unchanged") for line in said), said  # no catalog run
    assert [r.dagster_run.job_name for r in results] == [DAILY_JOB, PER_CAR_DAILY_JOB]
    assert store.query(models_query).equals(models)  # no model was refitted
    assert store.query(topics_query).equals(topics)  # nor any theme
    again = store.query(forecasts_query)
    assert (again["origin"].dt.date == END).all()
    np.testing.assert_allclose(again["p50"], forecasts["p50"], rtol=1e-9)
    materialised = {
        e.asset_key.to_user_string() for e in results[-1].get_asset_materialization_events()
    }
    assert materialised == {
        "series/price_index",
        "forecasts/car_forecasts",
        "forecasts/price_estimates",
        "reports/car_alerts",
        "reports/car_reports",
    }


def test_a_changed_catalog_is_written_again(platform, tmp_path):
    """The catalog run is skipped only while the catalog is the one last written."""
    from dataclasses import replace

    from vintage_ai_assets import settings
    from vintage_ai_assets.catalog import catalog_path

    assert platform.catalog_current()
    entries = yaml.safe_load(catalog_path().read_text())
    entries["cars"][0]["model"] += " (renamed)"
    edited = tmp_path / "catalog.yaml"
    edited.write_text(yaml.safe_dump(entries))
    before = settings.current()
    settings.use(replace(before, catalog=edited))
    try:
        assert not platform.catalog_current()
    finally:
        settings.use(before)


def test_definitions_load():
    from vintage_ai_assets.definitions import build_definitions

    defs = build_definitions()

    dg.Definitions.validate_loadable(defs)
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {
        "clean/mentions",
        "nlp/car_topics",
        "series/car_daily",
        "forecasts/car_forecasts",
        "models/value_direction",
        "models/price_models",
        "forecasts/price_estimates",
        "reports/car_alerts",
        "reports/car_reports",
    } <= keys
    assert os.environ["VINTAGE_AI_START_DATE"] == "2025-11-20"
