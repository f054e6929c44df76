"""The warehouse: partition replacement is atomic and idempotent; readers wait for a writer."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from vintage_ai_assets.warehouse import Warehouse, WarehouseBusyError, connect, quote_table


def test_replace_is_idempotent_and_scoped(tmp_path):
    store = Warehouse(tmp_path / "w.duckdb")
    day1 = pd.DataFrame({"id": ["a", "b"], "day": pd.to_datetime(["2026-01-01", "2026-01-01"])})
    day2 = pd.DataFrame({"id": ["c"], "day": pd.to_datetime(["2026-01-02"])})
    store.replace("s.t", day1, "day = ?", [pd.Timestamp("2026-01-01")])
    store.replace("s.t", day2, "day = ?", [pd.Timestamp("2026-01-02")])
    store.replace("s.t", day1, "day = ?", [pd.Timestamp("2026-01-01")])
    assert sorted(store.query("SELECT id FROM s.t")["id"]) == ["a", "b", "c"]
    wider = day2.assign(extra=[1.5])
    store.replace("s.t", wider, "day = ?", [pd.Timestamp("2026-01-02")])
    assert store.query("SELECT extra FROM s.t WHERE id = 'c'")["extra"].iloc[0] == 1.5


def test_failed_write_leaves_previous_rows(tmp_path):
    store = Warehouse(tmp_path / "w.duckdb")
    store.replace("s.t", pd.DataFrame({"id": [1, 2]}), None)
    with pytest.raises(Exception):  # noqa: B017 - any conversion error
        store.replace("s.t", pd.DataFrame({"id": ["not a number"]}), None)
    assert store.query("SELECT count(*) AS n FROM s.t")["n"].iloc[0] == 2


def test_table_names_are_validated():
    for bad in ("x", "a.b.c", 'a."b"', "a.b; DROP TABLE x", "A.b"):
        with pytest.raises(ValueError):
            quote_table(bad)


def _hold_write_lock(path, seconds: float) -> subprocess.Popen:
    code = textwrap.dedent(
        f"""
        import duckdb, sys, time
        con = duckdb.connect({str(path)!r})
        con.execute("CREATE TABLE IF NOT EXISTS t AS SELECT 1 AS x")
        print("locked", flush=True)
        time.sleep({seconds})
        con.close()
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_reader_waits_for_a_writer_in_another_process(tmp_path):
    path = tmp_path / "w.duckdb"
    Warehouse(path).replace("s.t", pd.DataFrame({"x": [1]}), None)
    writer = _hold_write_lock(path, 2.0)
    try:
        started = time.monotonic()
        with connect(path, wait_seconds=30) as con:
            assert con.execute("SELECT count(*) FROM s.t").fetchone()[0] == 1
        assert time.monotonic() - started > 0.5  # it had to wait for the writer
    finally:
        writer.wait(timeout=30)


def test_reader_gives_a_clear_error_after_its_wait(tmp_path):
    path = tmp_path / "w.duckdb"
    Warehouse(path).replace("s.t", pd.DataFrame({"x": [1]}), None)
    writer = _hold_write_lock(path, 5.0)
    try:
        with pytest.raises(WarehouseBusyError, match="locked by another process"):
            connect(path, wait_seconds=0.5)
    finally:
        writer.wait(timeout=30)


def test_connect_without_warehouse(tmp_path):
    with pytest.raises(FileNotFoundError, match="make demo"):
        connect(tmp_path / "missing.duckdb")


def test_a_table_created_from_no_rows_takes_its_types_from_the_first_rows(tmp_path):
    store = Warehouse(tmp_path / "w.duckdb")
    empty = pd.DataFrame({"car": [], "share": [], "terms": []}).astype(object)
    assert store.replace("nlp.car_topics", empty, "car = ?", ["a"]) == 0
    assert store.table_exists("nlp.car_topics")  # checks and readers find it, empty
    rows = pd.DataFrame({"car": ["a"], "share": [0.25], "terms": [["valve", "guides"]]})
    store.replace("nlp.car_topics", rows, "car = ?", ["a"])
    types = dict(
        store.query(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'nlp' AND table_name = 'car_topics'"
        ).itertuples(index=False)
    )
    assert types == {"car": "VARCHAR", "share": "DOUBLE", "terms": "VARCHAR[]"}
    # Once the table exists, an empty write of a partition clears it as before.
    assert store.replace("nlp.car_topics", empty, "car = ?", ["a"]) == 1
    assert store.query("SELECT count(*) AS n FROM nlp.car_topics")["n"].iloc[0] == 0
