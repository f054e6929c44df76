"""The asset checks every layer repeats, as factories, and the shape of a check's result.

Structural rules (types, ranges) are the pandera Dagster types on the edges; the checks
add what needs the catalog or the whole table: keys unique across partitions, every car
known, no dates in the future (here), and each layer's own rules (its ``checks.py``).
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from vintage_ai_assets.defs.platform.resources import CatalogResource, WarehouseResource
from vintage_ai_assets.warehouse import Warehouse, quote_table


def _sample(frame: pd.DataFrame, n: int = 5) -> dg.MetadataValue:
    short = frame.head(n).map(lambda v: v[:80] if isinstance(v, str) else v)
    return dg.MetadataValue.md(short.to_markdown(index=False) if len(frame) else "none")


def check_result(
    failing: pd.DataFrame, total: int, what: str, severity=dg.AssetCheckSeverity.ERROR
) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=failing.empty,
        severity=severity,
        metadata={
            "rows_checked": dg.MetadataValue.int(total),
            "failing_rows": dg.MetadataValue.int(len(failing)),
            "rule": what,
            "sample": _sample(failing),
        },
    )


def count_rows(store: Warehouse, table: str) -> int:
    return int(store.query(f"SELECT count(*) AS n FROM {quote_table(table)}")["n"].iloc[0])


def unique_check(
    asset: Sequence[str], keys: Sequence[str], blocking: bool = True
) -> dg.AssetChecksDefinition:
    table = ".".join(asset)
    key_list = ", ".join(keys)

    @dg.asset_check(
        asset=dg.AssetKey(list(asset)),
        name="unique_key",
        blocking=blocking,
        description=f"({key_list}) is unique across all partitions of {table}",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        store = warehouse.get()
        failing = store.query(
            f"SELECT {key_list}, count(*) AS copies FROM {quote_table(table)} "
            f"GROUP BY {key_list} HAVING count(*) > 1 ORDER BY copies DESC LIMIT 20"
        )
        return check_result(failing, count_rows(store, table), f"unique ({key_list})")

    return _check


def known_cars_check(asset: Sequence[str]) -> dg.AssetChecksDefinition:
    table = ".".join(asset)

    @dg.asset_check(
        asset=dg.AssetKey(list(asset)),
        name="cars_in_catalog",
        blocking=True,
        description=f"every car in {table} is in the catalog",
    )
    def _check(warehouse: WarehouseResource, catalog: CatalogResource) -> dg.AssetCheckResult:
        store = warehouse.get()
        failing = store.query(
            f"SELECT car, count(*) AS rows FROM {quote_table(table)} "
            "WHERE car NOT IN (SELECT unnest(?)) GROUP BY car ORDER BY rows DESC LIMIT 20",
            [catalog.load().slugs],
        )
        return check_result(failing, count_rows(store, table), "car in catalog")

    return _check


def not_future_check(asset: Sequence[str], column: str) -> dg.AssetChecksDefinition:
    table = ".".join(asset)

    @dg.asset_check(
        asset=dg.AssetKey(list(asset)),
        name="no_future_dates",
        blocking=True,
        description=f"{table}.{column} is never in the future",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        store = warehouse.get()
        now = datetime.now(UTC).replace(tzinfo=None)
        failing = store.query(
            f'SELECT * FROM {quote_table(table)} WHERE "{column}" > ? LIMIT 20', [now]
        )
        return check_result(failing, count_rows(store, table), f"{column} <= now (UTC)")

    return _check
