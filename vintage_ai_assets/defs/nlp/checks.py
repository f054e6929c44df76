"""Embeddings, sentiment and themes: checks of this layer (the repeated ones from the factories).

One check step per link of the layer's chain (embeddings → sentiment → themes)."""

import dagster as dg

from vintage_ai_assets.defs.platform.check_factories import (
    CheckView,
    Rule,
    check_result,
    known_cars_rule,
    layer_checks,
    unique_rule,
)
from vintage_ai_assets.defs.platform.freshness import every_car_fresh_rule


def _sentiment_in_range(view: CheckView) -> dg.AssetCheckResult:
    failing = view.query(
        "SELECT mention_id, car, sentiment, 'out of range' AS problem FROM nlp.mention_sentiment "
        "WHERE sentiment < -1 OR sentiment > 1 "
        "UNION ALL SELECT m.mention_id, m.car, NULL, 'no sentiment row' FROM clean.mentions m "
        "ANTI JOIN nlp.mention_sentiment s USING (mention_id) LIMIT 20"
    )
    return check_result(
        failing,
        view.count("nlp.mention_sentiment"),
        "sentiment in [-1, 1]; one row per mention",
    )


checks = [
    layer_checks("embeddings", [unique_rule(["nlp", "text_embeddings"], ["text_hash", "model"])]),
    layer_checks(
        "sentiment",
        [
            unique_rule(["nlp", "mention_sentiment"], ["mention_id"]),
            Rule(
                ("nlp", "mention_sentiment"),
                "sentiment_in_range",
                "sentiment is within −1..+1 and every mention has a sentiment row",
                _sentiment_in_range,
            ),
        ],
    ),
    layer_checks(
        "topics",
        [
            known_cars_rule(["nlp", "car_topics"]),
            every_car_fresh_rule(["nlp", "car_topics"]),
            unique_rule(["nlp", "mention_topics"], ["mention_id"]),
        ],
    ),
]
