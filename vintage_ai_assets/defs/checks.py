"""Asset checks: the semantic rules of each layer, with samples of failing rows.

Structural rules (types, ranges, unique keys) are the pandera Dagster types on the edges;
these checks add what needs the catalog or the whole table: keys unique across
partitions, every car known, no dates in the future, data where data is expected.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from vintage_ai_assets.defs.resources import CatalogResource, WarehouseResource
from vintage_ai_assets.warehouse import Warehouse, quote_table


def _sample(frame: pd.DataFrame, n: int = 5) -> dg.MetadataValue:
    short = frame.head(n).map(lambda v: v[:80] if isinstance(v, str) else v)
    return dg.MetadataValue.md(short.to_markdown(index=False) if len(frame) else "none")


def _result(
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


def _count(store: Warehouse, table: str) -> int:
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
        return _result(failing, _count(store, table), f"unique ({key_list})")

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
        return _result(failing, _count(store, table), "car in catalog")

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
        return _result(failing, _count(store, table), f"{column} <= now (UTC)")

    return _check


@dg.asset_check(
    asset=dg.AssetKey(["clean", "mentions"]),
    name="mentions_where_posts",
    description="every day with accepted raw posts that name a car has mentions",
)
def mentions_where_posts(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    store = warehouse.get()
    failing = store.query(
        "WITH posts AS ("
        "  SELECT CAST(created_at AS DATE) AS day, count(*) AS posts FROM ("
        "    SELECT created_at FROM raw.reddit_archive UNION ALL SELECT created_at FROM raw.social_posts"
        "    UNION ALL SELECT created_at FROM raw.mail_messages)"
        "  GROUP BY 1), "
        "m AS (SELECT CAST(created_at AS DATE) AS day, count(*) AS mentions FROM clean.mentions GROUP BY 1) "
        "SELECT posts.day, posts.posts FROM posts LEFT JOIN m USING (day) "
        "WHERE posts.posts >= 20 AND m.mentions IS NULL ORDER BY posts.day LIMIT 20"
    )
    return _result(
        failing,
        _count(store, "clean.mentions"),
        "a day with >= 20 posts has mentions",
        severity=dg.AssetCheckSeverity.WARN,
    )


@dg.asset_check(
    asset=dg.AssetKey(["nlp", "mention_sentiment"]),
    name="sentiment_in_range",
    blocking=True,
    description="sentiment is within −1..+1 and every mention has a sentiment row",
)
def sentiment_in_range(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    store = warehouse.get()
    failing = store.query(
        "SELECT mention_id, car, sentiment, 'out of range' AS problem FROM nlp.mention_sentiment "
        "WHERE sentiment < -1 OR sentiment > 1 "
        "UNION ALL SELECT m.mention_id, m.car, NULL, 'no sentiment row' FROM clean.mentions m "
        "ANTI JOIN nlp.mention_sentiment s USING (mention_id) LIMIT 20"
    )
    return _result(
        failing, _count(store, "nlp.mention_sentiment"), "sentiment in [-1, 1]; one row per mention"
    )


@dg.asset_check(
    asset=dg.AssetKey(["series", "car_daily"]),
    name="every_car_every_day",
    blocking=True,
    description="every catalog car has a row for every day in the series",
)
def every_car_every_day(
    warehouse: WarehouseResource, catalog: CatalogResource
) -> dg.AssetCheckResult:
    store = warehouse.get()
    failing = store.query(
        "WITH days AS (SELECT DISTINCT date FROM series.car_daily), cars AS (SELECT unnest(?) AS car) "
        "SELECT cars.car, days.date FROM cars CROSS JOIN days "
        "ANTI JOIN series.car_daily d ON d.car = cars.car AND d.date = days.date LIMIT 20",
        [catalog.load().slugs],
    )
    return _result(failing, _count(store, "series.car_daily"), "one row per catalog car and day")


@dg.asset_check(
    asset=dg.AssetKey(["forecasts", "car_forecasts"]),
    name="forecasts_cover_catalog",
    description="every catalog car has both forecasts, with p10 <= p50 <= p90",
)
def forecasts_cover_catalog(
    warehouse: WarehouseResource, catalog: CatalogResource
) -> dg.AssetCheckResult:
    store = warehouse.get()
    failing = store.query(
        "SELECT car, target, 'missing' AS problem FROM (SELECT unnest(?) AS car) "
        "CROSS JOIN (SELECT unnest(['mentions', 'sentiment']) AS target) "
        "ANTI JOIN forecasts.car_forecasts f USING (car, target) "
        "UNION ALL SELECT car, target, 'quantiles out of order' FROM forecasts.car_forecasts "
        "WHERE NOT (p10 <= p50 + 1e-9 AND p50 <= p90 + 1e-9) LIMIT 20",
        [catalog.load().slugs],
    )
    return _result(
        failing,
        _count(store, "forecasts.car_forecasts"),
        "every car forecast; ordered quantiles",
        severity=dg.AssetCheckSeverity.WARN,
    )


@dg.asset_check(
    asset=dg.AssetKey(["models", "value_direction"]),
    name="probability_in_range",
    blocking=True,
    description="each car's probability of a higher index in 6 months is within 0..1",
)
def probability_in_range(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    store = warehouse.get()
    failing = store.query(
        "SELECT car, probability, status FROM models.value_direction "
        "WHERE probability IS NULL OR probability < 0 OR probability > 1 LIMIT 20"
    )
    return _result(failing, _count(store, "models.value_direction"), "0 <= probability <= 1")


@dg.asset_check(
    asset=dg.AssetKey(["forecasts", "price_estimates"]),
    name="ordered_price_quantiles",
    blocking=True,
    description="every price estimate is positive with p10 <= p50 <= p90",
)
def ordered_price_quantiles(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    store = warehouse.get()
    failing = store.query(
        "SELECT car, kind, lot_id, p10, p50, p90 FROM forecasts.price_estimates "
        "WHERE NOT (p10 > 0 AND p10 <= p50 * (1 + 1e-9) AND p50 <= p90 * (1 + 1e-9)) LIMIT 20"
    )
    return _result(failing, _count(store, "forecasts.price_estimates"), "0 < p10 <= p50 <= p90")


@dg.asset_check(
    asset=dg.AssetKey(["reports", "car_reports"]),
    name="report_for_every_car",
    description="every catalog car has a report that names it",
)
def report_for_every_car(
    warehouse: WarehouseResource, catalog: CatalogResource
) -> dg.AssetCheckResult:
    store = warehouse.get()
    failing = store.query(
        "SELECT c.car, 'missing' AS problem FROM (SELECT unnest(?) AS car) c "
        "ANTI JOIN reports.car_reports r USING (car) "
        "UNION ALL SELECT car, 'does not name the car' FROM reports.car_reports "
        "WHERE position(car IN markdown) = 0 LIMIT 20",
        [catalog.load().slugs],
    )
    return _result(
        failing,
        _count(store, "reports.car_reports"),
        "one report per catalog car",
        severity=dg.AssetCheckSeverity.WARN,
    )


checks = [
    unique_check(["raw", "reddit_archive"], ["record_id"]),
    not_future_check(["raw", "reddit_archive"], "created_at"),
    unique_check(["raw", "social_posts"], ["record_id"]),
    not_future_check(["raw", "social_posts"], "created_at"),
    unique_check(["raw", "mail_messages"], ["record_id"]),
    not_future_check(["raw", "mail_messages"], "created_at"),
    unique_check(["raw", "auction_lots"], ["lot_id"]),
    known_cars_check(["clean", "auction_lots"]),
    unique_check(["clean", "mentions"], ["mention_id"]),
    known_cars_check(["clean", "mentions"]),
    not_future_check(["clean", "mentions"], "created_at"),
    mentions_where_posts,
    unique_check(["nlp", "mention_sentiment"], ["mention_id"]),
    sentiment_in_range,
    unique_check(["nlp", "text_embeddings"], ["text_hash", "model"]),
    known_cars_check(["nlp", "car_topics"]),
    unique_check(["nlp", "mention_topics"], ["mention_id"]),
    unique_check(["series", "car_daily"], ["car", "date"]),
    known_cars_check(["series", "car_daily"]),
    not_future_check(["series", "car_daily"], "date"),
    every_car_every_day,
    unique_check(["series", "price_index"], ["car", "month"]),
    known_cars_check(["series", "price_index"]),
    known_cars_check(["models", "attention_models"]),
    unique_check(["forecasts", "car_forecasts"], ["car", "target", "date"]),
    forecasts_cover_catalog,
    known_cars_check(["models", "value_direction"]),
    probability_in_range,
    known_cars_check(["models", "price_models"]),
    unique_check(["forecasts", "price_estimates"], ["car", "kind", "lot_id"]),
    ordered_price_quantiles,
    report_for_every_car,
]
