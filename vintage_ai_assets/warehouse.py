"""The DuckDB warehouse: one file, one writer at a time, readers that wait.

DuckDB lets a single process hold a file for writing, and while it does even a
read-only open from another process fails. The platform therefore opens the file only
for the moment of each write (a transaction that replaces whole partitions), and
readers such as notebooks use :func:`connect`, which retries until the writer lets go.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from vintage_ai_assets import settings

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
DEFAULT_WAIT_SECONDS = 120.0


class WarehouseBusyError(TimeoutError):
    """The warehouse stayed locked by a writer for longer than the caller would wait."""


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "resource temporarily unavailable" in text


def quote_identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (inner double quotes doubled)."""
    return '"' + str(name).replace('"', '""') + '"'


def quote_table(table: str) -> str:
    """Validate ``schema.table`` (lower-case identifiers only) and return it quoted."""
    parts = table.split(".")
    if len(parts) != 2 or not all(IDENTIFIER.match(p) for p in parts):
        raise ValueError(f"invalid table name {table!r}: expected schema.table in lower case")
    return ".".join(f'"{p}"' for p in parts)


def _open(path: Path, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                if _is_lock_error(exc):
                    raise WarehouseBusyError(
                        f"the warehouse {path} stayed locked by another process for "
                        f"{wait_seconds:.0f}s; try again when the running job has finished"
                    ) from None
                raise
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 1.0)


def connect(
    path: str | Path | None = None, wait_seconds: float = DEFAULT_WAIT_SECONDS
) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse that waits (bounded) for a writer to finish.

    Close it promptly (``with connect() as con: ...``): while a reader holds the file,
    the platform's next write waits for it in turn.
    """
    file = Path(path) if path is not None else settings.current().paths.warehouse
    if not file.exists():
        raise FileNotFoundError(
            f"no warehouse at {file}: run `make demo` or `vintage-ai backfill` first, "
            "or set VINTAGE_AI_DATA_DIR"
        )
    return _open(file, read_only=True, wait_seconds=wait_seconds)


def _columns(con: duckdb.DuckDBPyConnection, view: str) -> list[tuple[str, str]]:
    """(name, type) of a registered frame; all-null columns are typed VARCHAR, not NULL."""
    return [
        (name, "VARCHAR" if column_type.strip('"') == "NULL" else column_type)
        for name, column_type, *_ in con.execute(f"DESCRIBE {view}").fetchall()
    ]


def _create_like(con: duckdb.DuckDBPyConnection, quoted: str, view: str) -> None:
    columns = ", ".join(
        f"{quote_identifier(name)} {column_type}" for name, column_type in _columns(con, view)
    )
    con.execute(f"CREATE TABLE IF NOT EXISTS {quoted} ({columns})")


def _retype_empty(con: duckdb.DuckDBPyConnection, quoted: str, view: str) -> bool:
    """Whether ``quoted`` is empty and types a column of ``view`` differently (so it was
    created from an empty frame and is better re-created from these rows)."""
    if con.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]:
        return False
    table = dict(_columns(con, quoted))
    return any(name in table and table[name] != kind for name, kind in _columns(con, view))


@dataclass(frozen=True)
class Warehouse:
    """Read and write access to one warehouse file (used by the platform's own jobs)."""

    path: Path
    wait_seconds: float = DEFAULT_WAIT_SECONDS

    @contextmanager
    def connection(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if read_only and not self.path.exists():
            # Nothing written yet: an empty in-memory database answers "no such table".
            con = duckdb.connect(":memory:")
        else:
            con = _open(self.path, read_only=read_only, wait_seconds=self.wait_seconds)
        try:
            yield con
        finally:
            con.close()

    def table_exists(self, table: str) -> bool:
        schema, name = table.split(".")
        with self.connection(read_only=True) as con:
            found = con.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = ? AND table_name = ?",
                [schema, name],
            ).fetchone()
        return bool(found and found[0])

    def query(self, sql: str, params: Sequence[object] | None = None) -> pd.DataFrame:
        """Run a read-only query and return its rows."""
        with self.connection(read_only=True) as con:
            return con.execute(sql, params or []).df()

    def read_table(
        self,
        table: str,
        where: str = "",
        params: Sequence[object] | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame | None:
        """Rows of ``table`` matching ``where``; None when the table does not exist yet."""
        if not self.table_exists(table):
            return None
        selected = "*"
        if columns:
            for column in columns:
                if not IDENTIFIER.match(column):
                    raise ValueError(f"invalid column name {column!r}")
            selected = ", ".join(f'"{c}"' for c in columns)
        clause = f" WHERE {where}" if where else ""
        return self.query(f"SELECT {selected} FROM {quote_table(table)}{clause}", params)

    def replace(
        self,
        table: str,
        frame: pd.DataFrame,
        where: str | None,
        params: Sequence[object] | None = None,
    ) -> int:
        """Atomically replace the rows of ``table`` matching ``where`` with ``frame``.

        ``where=None`` replaces the whole table. New columns in ``frame`` are added to the
        table. Returns the number of rows deleted. A table first created from no rows (whose
        column types could not be told: VARCHAR) is re-created by the first rows while it
        is still empty.
        """
        quoted = quote_table(table)
        schema = table.split(".")[0]
        with self.connection() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                con.register("incoming", frame)
                _create_like(con, quoted, "incoming")
                if len(frame) and _retype_empty(con, quoted, "incoming"):
                    con.execute(f"DROP TABLE {quoted}")
                    _create_like(con, quoted, "incoming")
                existing = {
                    row[0]
                    for row in con.execute(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_schema = ? AND table_name = ?",
                        [schema, table.split(".")[1]],
                    ).fetchall()
                }
                for column, column_type in _columns(con, "incoming"):
                    if column not in existing:
                        con.execute(
                            f"ALTER TABLE {quoted} ADD COLUMN {quote_identifier(column)} "
                            f"{column_type}"
                        )
                clause = f" WHERE {where}" if where else ""
                deleted = con.execute(f"DELETE FROM {quoted}{clause}", params or []).fetchone()
                if len(frame):
                    con.execute(f"INSERT INTO {quoted} BY NAME SELECT * FROM incoming")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            finally:
                con.unregister("incoming")
        return int(deleted[0]) if deleted else 0

    def upsert(self, table: str, frame: pd.DataFrame, keys: Sequence[str]) -> None:
        """Insert ``frame``, replacing existing rows with the same ``keys`` (an empty frame
        only makes sure the table exists)."""
        for key in keys:
            if not IDENTIFIER.match(key):
                raise ValueError(f"invalid key column {key!r}")
        key_list = ", ".join(f'"{k}"' for k in keys)
        where = f"({key_list}) IN (SELECT ({key_list}) FROM incoming_keys)"
        quoted = quote_table(table)
        schema = table.split(".")[0]
        with self.connection() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                con.register("incoming", frame)
                con.register("incoming_keys", frame[list(keys)])
                _create_like(con, quoted, "incoming")
                con.execute(f"DELETE FROM {quoted} WHERE {where}")
                con.execute(f"INSERT INTO {quoted} BY NAME SELECT * FROM incoming")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            finally:
                con.unregister("incoming")
                con.unregister("incoming_keys")

    def row_counts(self) -> pd.DataFrame:
        """Rows per table, for status reports."""
        if not self.path.exists():
            return pd.DataFrame(columns=["table", "rows"])
        with self.connection(read_only=True) as con:
            tables = con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema NOT IN ('information_schema', 'pg_catalog') "
                "ORDER BY 1, 2"
            ).fetchall()
            rows = [
                (
                    f"{s}.{t}",
                    con.execute(
                        f"SELECT count(*) FROM {quote_identifier(s)}.{quote_identifier(t)}"
                    ).fetchone()[0],
                )
                for s, t in tables
            ]
        return pd.DataFrame(rows, columns=["table", "rows"])
