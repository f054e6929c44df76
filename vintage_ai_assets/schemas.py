"""Pandera schemas of every layer's tables: the Dagster types on the edges of the graph.

A frame that breaks its schema stops the run at that edge, before anything downstream
reads it. Semantic rules that need the catalog or the warehouse (every car known, no
future dates) are asset checks instead.
"""

from __future__ import annotations

import pandera.pandas as pa
from pandera.pandas import Check, Column, DataFrameSchema

SLUG = Check.str_matches(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
UNIT = Check.in_range(-1.0, 1.0)
NON_NEGATIVE = Check.ge(0)
#: How a mention's car was found: the text names it (by a catalog alias, a weak alias with
#: its make, or a line name with a model year), a hashtag, the thread, a reply's subject,
#: the mailing list's own car, or the source said so.
MATCHED_BY = ["alias", "weak", "generic", "hashtag", "thread", "subject", "list", "source"]


def _text(nullable: bool = False, **kw) -> Column:
    return Column(str, nullable=nullable, **kw)


RAW_POSTS = DataFrameSchema(
    {
        "record_id": _text(unique=True),
        "source": _text(),
        "source_id": _text(),
        "kind": _text(checks=Check.isin(["submission", "comment", "post"])),
        "thread_id": _text(nullable=True),
        "community": _text(nullable=True),
        "created_at": Column("datetime64[ns]"),
        "author_hash": _text(nullable=True),
        "author_is_bot": Column(bool),
        "title": _text(nullable=True),
        "text": _text(nullable=True),
        "url": _text(nullable=True),
        "car_hint": _text(nullable=True),
        "score": Column("int64"),
        "replies": Column("int64"),
        "locator": _text(),
    },
    name="raw_posts",
    strict=True,
    coerce=True,
)

FORUM_STATE = DataFrameSchema(
    {
        "site": _text(),
        "thread_id": _text(),
        "delivered_through": _text(checks=Check.str_matches(r"^\d+$")),
        "window_start": Column("datetime64[ns]"),
        "crawled_at": Column("datetime64[ns]"),
    },
    name="forum_state",
    strict=True,
    coerce=True,
    unique=["site", "thread_id", "window_start"],
)

RAW_AUCTION_LOTS = DataFrameSchema(
    {
        "lot_id": _text(unique=True),
        "sold_at": Column("datetime64[ns]"),
        "make": _text(),
        "model": _text(),
        "year": Column("Int64", nullable=True),
        "mileage": Column(float, NON_NEGATIVE, nullable=True),
        "price": Column(float, Check.gt(0)),
        "currency": _text(checks=Check.str_length(3, 3)),
        "sold": Column(bool),
        "title": _text(),
        "description": _text(nullable=True),
        "url": _text(nullable=True),
        "auction_house": _text(nullable=True),
        "attributes": _text(),
        "source_file": _text(),
        "locator": _text(),
    },
    name="raw_auction_lots",
    strict=True,
    coerce=True,
)

RAW_VALUATIONS = DataFrameSchema(
    {
        "car": _text(checks=SLUG),
        "date": Column("datetime64[ns]"),
        "value": Column(float, Check.gt(0)),
        "currency": _text(),
        "source": _text(),
        "locator": _text(),
    },
    name="raw_valuations",
    strict=True,
    coerce=True,
    unique=["car", "date", "source"],
)

MENTIONS = DataFrameSchema(
    {
        "mention_id": _text(unique=True),
        "car": _text(checks=SLUG),
        "source": _text(),
        "source_id": _text(),
        "record_id": _text(),
        "kind": _text(),
        "thread_id": _text(nullable=True),
        "created_at": Column("datetime64[ns]"),
        "date": Column("datetime64[ns]"),
        "text": _text(checks=Check.str_length(min_value=1)),
        "text_hash": _text(checks=Check.str_length(32, 32)),
        "dedup_hash": _text(),
        "author_hash": _text(nullable=True),
        "url": _text(nullable=True),
        "lang": _text(),
        "engagement": Column("int64"),
        "matched_by": _text(checks=Check.isin(MATCHED_BY)),
    },
    name="mentions",
    strict=True,
    coerce=True,
    unique=["record_id", "car"],
)

AUCTION_LOTS = RAW_AUCTION_LOTS.add_columns(
    {"car": _text(checks=SLUG), "price_usd": Column(float, Check.gt(0), nullable=True)}
).set_name("auction_lots")

EMBEDDINGS = DataFrameSchema(
    {
        "text_hash": _text(unique=True),
        "model": _text(),
        "first_seen": Column("datetime64[ns]"),
        "embedding": Column(
            object, Check(lambda s: s.map(len).nunique() <= 1, name="one_dimension")
        ),
    },
    name="text_embeddings",
    strict=True,
    coerce=False,
)

MENTION_SENTIMENT = DataFrameSchema(
    {
        "mention_id": _text(unique=True),
        "car": _text(checks=SLUG),
        "created_at": Column("datetime64[ns]"),
        "sentiment": Column(float, UNIT, nullable=True),
        "method": _text(),
    },
    name="mention_sentiment",
    strict=True,
    coerce=True,
)

CAR_TOPICS = DataFrameSchema(
    {
        "car": _text(checks=SLUG),
        "topic_id": Column("int64", NON_NEGATIVE),
        "label": _text(checks=Check.str_length(min_value=1)),
        "terms": Column(object),
        "size": Column("int64", Check.gt(0)),
        "share": Column(float, Check.in_range(0, 1)),
        "sentiment": Column(float, UNIT, nullable=True),
        "growing": Column(bool),
        "representatives": Column(object),
        "centroid": Column(object),
    },
    name="car_topics",
    strict=True,
    coerce=True,
    unique=["car", "topic_id"],
)

MENTION_TOPICS = DataFrameSchema(
    {
        "mention_id": _text(unique=True),
        "car": _text(checks=SLUG),
        "topic_id": Column("int64", Check.ge(-1)),
    },
    name="mention_topics",
    strict=True,
    coerce=True,
)

TOPIC_SHARES = DataFrameSchema(
    {
        "car": _text(checks=SLUG),
        "month": Column("datetime64[ns]"),
        "topic_id": Column("int64", NON_NEGATIVE),
        "n": Column("int64", NON_NEGATIVE),
        "share": Column(float, Check.in_range(0, 1)),
    },
    name="topic_shares",
    strict=True,
    coerce=True,
    unique=["car", "month", "topic_id"],
)

CAR_DAILY = DataFrameSchema(
    {
        "car": _text(checks=SLUG),
        "date": Column("datetime64[ns]"),
        "mentions": Column("int64", NON_NEGATIVE),
        "engagement": Column("int64"),
        "scored": Column("int64", NON_NEGATIVE),
        "sentiment": Column(float, UNIT, nullable=True),
        "sentiment_median": Column(float, UNIT, nullable=True),
        "positive_share": Column(float, Check.in_range(0, 1), nullable=True),
        "negative_share": Column(float, Check.in_range(0, 1), nullable=True),
    },
    name="car_daily",
    strict=True,
    coerce=True,
    unique=["car", "date"],
)

PRICE_INDEX = DataFrameSchema(
    {
        "car": _text(checks=SLUG),
        "month": Column("datetime64[ns]"),
        "lots": Column("int64", NON_NEGATIVE),
        "median_price": Column(float, Check.gt(0), nullable=True),
        "index_value": Column(float, Check.gt(0), nullable=True),
        "valuation": Column(float, Check.gt(0), nullable=True),
    },
    name="price_index",
    strict=True,
    coerce=True,
    unique=["car", "month"],
)

ATTENTION_MODELS = DataFrameSchema(
    {
        "car": _text(checks=SLUG, unique=True),
        "status": _text(checks=Check.isin(["ok", "insufficient_history"])),
        "history_days": Column("int64", NON_NEGATIVE),
        "metrics": _text(),
        "run_id": _text(nullable=True),
        "model_uri": _text(nullable=True),
        "trained_at": Column("datetime64[ns]"),
    },
    name="attention_models",
    strict=True,
    coerce=True,
)

CAR_FORECASTS = DataFrameSchema(
    {
        "car": _text(checks=SLUG),
        "target": _text(checks=Check.isin(["mentions", "sentiment"])),
        "date": Column("datetime64[ns]"),
        "horizon": Column("int64", Check.ge(1)),
        "p10": Column(float),
        "p50": Column(float),
        "p90": Column(float),
        "method": _text(),
        "origin": Column("datetime64[ns]"),
    },
    checks=[
        Check(
            lambda df: (df["p10"] <= df["p50"] + 1e-9) & (df["p50"] <= df["p90"] + 1e-9),
            name="ordered_quantiles",
        ),
    ],
    name="car_forecasts",
    strict=True,
    coerce=True,
    unique=["car", "target", "date"],
)

PROBABILITY = Check.in_range(0.0, 1.0)
STATUSES = ["ok", "insufficient_history", "no_recent_sales", "no_lots"]
ORDERED_QUANTILES = Check(
    lambda df: (df["p10"] <= df["p50"] * (1 + 1e-9)) & (df["p50"] <= df["p90"] * (1 + 1e-9)),
    name="ordered_quantiles",
)

VALUE_DIRECTION = DataFrameSchema(
    {
        "car": _text(checks=SLUG, unique=True),
        "month": Column("datetime64[ns]", nullable=True),
        "probability": Column(float, PROBABILITY),
        "status": _text(checks=Check.isin(STATUSES)),
        "method": _text(),
        "history_months": Column("int64", NON_NEGATIVE),
        "train_car_months": Column("int64", NON_NEGATIVE),
        "metrics": _text(),
        "run_id": _text(nullable=True),
        "model_uri": _text(nullable=True),
        "trained_at": Column("datetime64[ns]"),
    },
    name="value_direction",
    strict=True,
    coerce=True,
)

PRICE_MODELS = DataFrameSchema(
    {
        "car": _text(checks=SLUG, unique=True),
        "status": _text(checks=Check.isin(STATUSES)),
        "train_lots": Column("int64", NON_NEGATIVE),
        "test_lots": Column("int64", NON_NEGATIVE),
        "rmsle_model": Column(float, NON_NEGATIVE, nullable=True),
        "rmsle_global_median": Column(float, NON_NEGATIVE, nullable=True),
        "rmsle_model_median": Column(float, NON_NEGATIVE, nullable=True),
        "coverage_p10_p90": Column(float, Check.in_range(0, 1), nullable=True),
        "metrics": _text(),
        "run_id": _text(nullable=True),
        "model_uri": _text(nullable=True),
        "trained_at": Column("datetime64[ns]"),
    },
    name="price_models",
    strict=True,
    coerce=True,
)

PRICE_ESTIMATES = DataFrameSchema(
    {
        "car": _text(checks=SLUG),
        "kind": _text(checks=Check.isin(["typical", "recent_lot"])),
        "lot_id": _text(nullable=True),
        "as_of": Column("datetime64[ns]"),
        "title": _text(),
        "year": Column("Int64", nullable=True),
        "mileage": Column(float, NON_NEGATIVE, nullable=True),
        "p10": Column(float, Check.gt(0)),
        "p50": Column(float, Check.gt(0)),
        "p90": Column(float, Check.gt(0)),
        "price": Column(float, Check.gt(0), nullable=True),
        "model_uri": _text(nullable=True),
    },
    checks=[ORDERED_QUANTILES],
    name="price_estimates",
    strict=True,
    coerce=True,
)

CAR_REPORTS = DataFrameSchema(
    {
        "car": _text(checks=SLUG, unique=True),
        "generated_at": Column("datetime64[ns]"),
        "data_through": Column("datetime64[ns]", nullable=True),
        "markdown": _text(checks=Check.str_length(min_value=1)),
        "path": _text(),
    },
    name="car_reports",
    strict=True,
    coerce=True,
)

CAR_ALERTS = DataFrameSchema(
    {
        "car": _text(checks=SLUG),
        "kind": _text(checks=Check.isin(["sentiment_drop", "theme_growth", "volume_spike"])),
        "topic_id": Column("Int64", nullable=True),
        "label": _text(nullable=True),
        "raised_on": Column("datetime64[ns]"),
        "until": Column("datetime64[ns]"),
        "active": Column(bool),
        "value": Column(float),
        "threshold": Column(float),
        "z": Column(float),
        "message": _text(),
        "notified_at": Column("datetime64[ns]", nullable=True),
    },
    name="car_alerts",
    strict=True,
    coerce=True,
)

CATALOG_CARS = DataFrameSchema(
    {
        "car": _text(checks=SLUG, unique=True),
        "make": _text(),
        "model": _text(),
        "first_year": Column("int64"),
        "last_year": Column("int64"),
        "aliases": Column(object),
    },
    name="catalog_cars",
    strict=True,
    coerce=True,
)

__all__ = ["pa"]
