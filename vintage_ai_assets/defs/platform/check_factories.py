"""The asset checks every layer repeats, as rules, and the one check step that runs a layer's rules.

Structural rules (types, ranges) are the pandera Dagster types on the edges; the checks
add what needs the catalog or the whole table: keys unique across partitions, every car
known, no dates in the future (here), and each layer's own rules (its ``checks.py``).

A layer's rules run as one step (:func:`layer_checks`, a subsettable ``multi_asset_check``)
on one read-only warehouse connection: a daily refresh runs 9 check steps instead of 27
(each step costs Dagster ~60 ms of events and a connection). The checks keep their keys
(asset + name), so the UI lists and runs each of them as before. The assets of one group
must not depend on each other (a blocking check gates the assets downstream of its asset,
and the group is one step), so a layer with a chain of assets has a group per link.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

import dagster as dg
import duckdb
import pandas as pd

from vintage_ai_assets.defs.platform.resources import CatalogResource, WarehouseResource
from vintage_ai_assets.warehouse import quote_table


@dataclass
class CheckView:
    """What a rule reads: the warehouse (one open read-only connection), the catalog's cars
    and the Dagster instance."""

    con: duckdb.DuckDBPyConnection
    catalog: CatalogResource
    instance: dg.DagsterInstance

    def query(self, sql: str, params: Sequence[object] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def count(self, table: str) -> int:
        return int(self.query(f"SELECT count(*) AS n FROM {quote_table(table)}")["n"].iloc[0])

    @cached_property
    def slugs(self) -> list[str]:
        return self.catalog.load().slugs


@dataclass(frozen=True)
class Rule:
    """One asset check: the asset it is about, its name and description, and how it is
    evaluated (``evaluate`` returns the result without asset or check name)."""

    asset: tuple[str, ...]
    name: str
    description: str
    evaluate: Callable[[CheckView], dg.AssetCheckResult] = field(compare=False)
    blocking: bool = True

    @property
    def key(self) -> dg.AssetCheckKey:
        return dg.AssetCheckKey(dg.AssetKey(list(self.asset)), self.name)

    @property
    def table(self) -> str:
        return ".".join(self.asset)


def layer_checks(group: str, rules: Sequence[Rule]) -> dg.AssetChecksDefinition:
    """The rules of ``group`` as one check step (``<group>_checks``); a run evaluates the
    rules it selects, in order, on one read-only connection."""
    by_key = {rule.key: rule for rule in rules}
    assets = sorted({rule.table for rule in rules})

    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec(
                rule.name,
                asset=rule.key.asset_key,
                description=rule.description,
                blocking=rule.blocking,
            )
            for rule in rules
        ],
        name=f"{group}_checks",
        can_subset=True,
        description=f"The checks of {', '.join(assets)}, as one step.",
    )
    def _checks(
        context: dg.AssetCheckExecutionContext,
        warehouse: WarehouseResource,
        catalog: CatalogResource,
    ) -> Iterator[dg.AssetCheckResult]:
        selected = [key for key in by_key if key in context.selected_asset_check_keys]
        with warehouse.get().connection(read_only=True) as con:
            view = CheckView(con, catalog, context.instance)
            for key in selected:
                result = by_key[key].evaluate(view)
                yield dg.AssetCheckResult(
                    asset_key=key.asset_key,
                    check_name=key.name,
                    passed=result.passed,
                    severity=result.severity,
                    metadata=result.metadata,
                )

    return _checks


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


def unique_rule(asset: Sequence[str], keys: Sequence[str], blocking: bool = True) -> Rule:
    table = ".".join(asset)
    key_list = ", ".join(keys)

    def evaluate(view: CheckView) -> dg.AssetCheckResult:
        failing = view.query(
            f"SELECT {key_list}, count(*) AS copies FROM {quote_table(table)} "
            f"GROUP BY {key_list} HAVING count(*) > 1 ORDER BY copies DESC LIMIT 20"
        )
        return check_result(failing, view.count(table), f"unique ({key_list})")

    return Rule(
        tuple(asset),
        "unique_key",
        f"({key_list}) is unique across all partitions of {table}",
        evaluate,
        blocking,
    )


def known_cars_rule(asset: Sequence[str]) -> Rule:
    table = ".".join(asset)

    def evaluate(view: CheckView) -> dg.AssetCheckResult:
        failing = view.query(
            f"SELECT car, count(*) AS rows FROM {quote_table(table)} "
            "WHERE car NOT IN (SELECT unnest(?)) GROUP BY car ORDER BY rows DESC LIMIT 20",
            [view.slugs],
        )
        return check_result(failing, view.count(table), "car in catalog")

    return Rule(
        tuple(asset), "cars_in_catalog", f"every car in {table} is in the catalog", evaluate
    )


def not_future_rule(asset: Sequence[str], column: str) -> Rule:
    table = ".".join(asset)

    def evaluate(view: CheckView) -> dg.AssetCheckResult:
        now = datetime.now(UTC).replace(tzinfo=None)
        failing = view.query(
            f'SELECT * FROM {quote_table(table)} WHERE "{column}" > ? LIMIT 20', [now]
        )
        return check_result(failing, view.count(table), f"{column} <= now (UTC)")

    return Rule(
        tuple(asset), "no_future_dates", f"{table}.{column} is never in the future", evaluate
    )
