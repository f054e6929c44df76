"""series: per car and day (volume, engagement, sentiment) and per car and month (price index)."""

import dagster as dg
import pandas as pd

from vintage_ai_assets import schemas
from vintage_ai_assets.defs.platform.partitions import (
    all_days,
    window_of,
)
from vintage_ai_assets.defs.platform.resources import CatalogResource, WarehouseResource
from vintage_ai_assets.defs.platform.warehouse_asset import warehouse_asset
from vintage_ai_assets.series.daily import car_daily
from vintage_ai_assets.series.price_index import monthly_price_index


@warehouse_asset(
    ["series", "car_daily"],
    partitions="day",
    schema=schemas.CAR_DAILY,
    partition_expr="date",
    user_facing=True,
    ins={
        "mentions": dg.AssetIn(
            key=["clean", "mentions"],
            metadata={"columns": ["mention_id", "car", "date", "engagement"]},
        ),
        "sentiment": dg.AssetIn(
            key=["nlp", "mention_sentiment"], metadata={"columns": ["mention_id", "sentiment"]}
        ),
    },
)
def car_daily_series(
    context: dg.AssetExecutionContext,
    catalog: CatalogResource,
    mentions: pd.DataFrame,
    sentiment: pd.DataFrame,
) -> dg.Output:
    """Per catalog car and day: mentions, engagement, scored count, mean/median sentiment,
    positive and negative shares (zero-volume days included)."""
    start, end = window_of(context)
    days = pd.date_range(start, end, freq="D", inclusive="left")
    joined = mentions.merge(sentiment, on="mention_id", how="left")
    out = car_daily(joined, catalog.load().slugs, days)
    active = out[out["mentions"] > 0]
    return dg.Output(
        out,
        metadata={
            "rows": dg.MetadataValue.int(len(out)),
            "days": dg.MetadataValue.int(len(days)),
            "mentions": dg.MetadataValue.int(int(out["mentions"].sum())),
            "cars_with_mentions": dg.MetadataValue.int(active["car"].nunique()),
        },
    )


@warehouse_asset(
    ["series", "price_index"],
    partitions="car",
    schema=schemas.PRICE_INDEX,
    partition_expr="car",
    user_facing=True,
    daily_per_car=True,
    deps=[all_days(["clean", "auction_lots"]), all_days(["raw", "valuations"])],
)
def price_index(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.Output:
    """Monthly price index per car: hedonic (year- and mileage-adjusted) from sold lots, with
    the valuation series beside it."""
    store = warehouse.get()
    cars = list(context.partition_keys)
    lots = store.read_table(
        "clean.auction_lots",
        "car IN (SELECT unnest(?)) AND sold AND price_usd IS NOT NULL",
        [cars],
        columns=["car", "sold_at", "price_usd", "year", "mileage"],
    )
    lots = (
        lots
        if lots is not None
        else pd.DataFrame(columns=["car", "sold_at", "price_usd", "year", "mileage"])
    ).rename(columns={"price_usd": "price"})
    vals = store.read_table(
        "raw.valuations", "car IN (SELECT unnest(?))", [cars], columns=["car", "date", "value"]
    )
    out = monthly_price_index(lots, vals)
    return dg.Output(
        out,
        metadata={
            "cars": dg.MetadataValue.int(out["car"].nunique() if len(out) else 0),
            "months": dg.MetadataValue.int(len(out)),
            "lots": dg.MetadataValue.int(int(out["lots"].sum()) if len(out) else 0),
        },
    )
