"""Embeddings, sentiment and themes: checks of this layer (the repeated ones from the factories)."""

import dagster as dg

from vintage_ai_assets.defs.platform.check_factories import (
    check_result,
    count_rows,
    known_cars_check,
    unique_check,
)
from vintage_ai_assets.defs.platform.resources import WarehouseResource

checks = [
    unique_check(["nlp", "mention_sentiment"], ["mention_id"]),
    unique_check(["nlp", "text_embeddings"], ["text_hash", "model"]),
    known_cars_check(["nlp", "car_topics"]),
    unique_check(["nlp", "mention_topics"], ["mention_id"]),
]


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
    return check_result(
        failing,
        count_rows(store, "nlp.mention_sentiment"),
        "sentiment in [-1, 1]; one row per mention",
    )
