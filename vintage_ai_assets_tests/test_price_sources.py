"""The per-source evaluation of price ranges: the interval arithmetic, and a run on the
built demo slice's lots (a time split, every source scored, a source left out), and fresh
demo markets drawn with other seeds."""

from __future__ import annotations

import pandas as pd
import pytest

from vintage_ai_assets.evaluation.price_sources import (
    LOT_COLUMNS,
    MIN_SOURCE_LOTS,
    demo_market_lots,
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


def test_markets_are_split_one_by_one_and_scored_together(demo_platform):
    with environment(demo_platform):
        lots, _ = load_lots(demo_platform.paths.warehouse)
    one = evaluate(lots, unseen=False)
    two = evaluate([lots, lots], unseen=False)
    assert two["test_lots"] == 2 * one["test_lots"] and two["train_lots"] == 2 * one["train_lots"]
    for a, b in zip(one["sources"], two["sources"], strict=True):
        assert (a["source"], a["coverage"]) == (b["source"], b["coverage"])
        assert b["test_lots"] == 2 * a["test_lots"]
    assert "in each of 2 markets" in two["protocol"]


def test_a_fresh_demo_market_is_drawn_by_seed():
    lots, status = demo_market_lots(3)
    again, _ = demo_market_lots(3)
    other, _ = demo_market_lots(4)
    assert status.startswith(f"drew {len(lots):,} sold lots") and len(lots) > 5_000
    pd.testing.assert_frame_equal(lots, again)
    assert list(lots.columns) == [c.split(" AS ")[-1] for c in LOT_COLUMNS]
    assert lots["auction_house"].nunique() == 9 and (lots["price"] > 0).all()
    assert lots["lot_id"].is_unique
    assert not lots["price"].head(100).equals(other["price"].head(100))
