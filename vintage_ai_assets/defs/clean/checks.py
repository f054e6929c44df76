"""Mentions and matched auction lots: checks of this layer (the repeated ones from the factories)."""

import dagster as dg

from vintage_ai_assets.defs.platform.check_factories import (
    CheckView,
    Rule,
    check_result,
    known_cars_rule,
    layer_checks,
    not_future_rule,
    unique_rule,
)


def _mentions_where_posts(view: CheckView) -> dg.AssetCheckResult:
    failing = view.query(
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
        view.count("clean.mentions"),
        "a day with >= 20 posts has mentions",
        severity=dg.AssetCheckSeverity.WARN,
    )


rules = [
    known_cars_rule(["clean", "auction_lots"]),
    unique_rule(["clean", "mentions"], ["mention_id"]),
    known_cars_rule(["clean", "mentions"]),
    not_future_rule(["clean", "mentions"], "created_at"),
    Rule(
        ("clean", "mentions"),
        "mentions_where_posts",
        "every day with accepted raw posts that name a car has mentions",
        _mentions_where_posts,
        blocking=False,
    ),
]

checks = [layer_checks("clean", rules)]
