"""The per-source evaluation of price ranges: the interval arithmetic, and a run on the
built demo slice's lots (a time split, every source scored, a source left out)."""

from __future__ import annotations

import pytest

from vintage_ai_assets.evaluation.price_sources import (
    MIN_SOURCE_LOTS,
    evaluate,
    format_table,
    load_lots,
    wilson,
)
from vintage_ai_assets_tests.demo_platform import environment


def test_wilson_interval():
    assert wilson(80, 100) == (0.711, 0.867)
    low, high = wilson(10, 10)
    assert high == 1.0 and low == pytest.approx(0.722, abs=1e-3)


def test_every_source_is_scored_on_later_sales_than_it_was_fitted_on(demo_platform, tmp_path):
    with environment(demo_platform):
        lots, status = load_lots(demo_platform.paths.warehouse)
    assert lots is not None, status
    result = evaluate(lots, unseen=True)
    rows = {r["source"]: r for r in result["sources"]}
    houses = set(lots["auction_house"].dropna())
    assert set(rows) == {"all sources"} | houses
    assert rows["all sources"]["test_lots"] == sum(rows[h]["test_lots"] for h in houses)
    assert result["train_lots"] + result["test_lots"] == len(lots)
    for row in rows.values():
        assert 0 <= row["coverage"] <= 1 and row["ci95"][0] <= row["coverage"] <= row["ci95"][1]
        assert row["judged"] == (row["test_lots"] >= MIN_SOURCE_LOTS)
    judged = {r["source"] for r in result["sources"] if r["judged"]} - {"all sources"}
    assert {r["source"] for r in result["unseen_source"]} == judged
    assert 0.6 <= rows["all sources"]["coverage"] <= 0.95
    table = format_table(result)
    assert "seen in training:" in table and "left out of training:" in table
    assert load_lots(tmp_path / "warehouse.duckdb")[0] is None
