"""Mentions and matched auction lots: checks of this layer (the repeated ones from the factories)."""

import dagster as dg

from vintage_ai_assets.defs.platform.check_factories import (
    check_result,
    count_rows,
    known_cars_check,
    not_future_check,
    unique_check,
)
from vintage_ai_assets.defs.platform.resources import WarehouseResource

checks = [
    known_cars_check(["clean", "auction_lots"]),
    unique_check(["clean", "mentions"], ["mention_id"]),
    known_cars_check(["clean", "mentions"]),
    not_future_check(["clean", "mentions"], "created_at"),
]


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
    return check_result(
        failing,
        count_rows(store, "clean.mentions"),
        "a day with >= 20 posts has mentions",
        severity=dg.AssetCheckSeverity.WARN,
    )
