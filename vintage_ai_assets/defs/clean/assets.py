"""clean: mentions (one row per text and car) and car-matched auction lots, rejects quarantined.

The cleaning modules (language detection, matching, exchange rates) are imported by the
assets that run them, not when Dagster loads the definitions.
"""

import dagster as dg
import pandas as pd

from vintage_ai_assets import schemas
from vintage_ai_assets.defs.platform.partitions import (
    HISTORY_BEFORE_START,
    window_of,
)
from vintage_ai_assets.defs.platform.resources import CatalogResource, WarehouseResource
from vintage_ai_assets.defs.platform.warehouse_asset import warehouse_asset
from vintage_ai_assets.warehouse import Warehouse

QUARANTINE_TABLE = "clean.quarantine"
RAW_TEXT_KEYS = {
    "reddit_archive": ["raw", "reddit_archive"],
    "reddit_live": ["raw", "reddit_live"],
    "forum_posts": ["raw", "forum_posts"],
    "social_posts": ["raw", "social_posts"],
    "mail_messages": ["raw", "mail_messages"],
}


def _replace_quarantine(
    warehouse: Warehouse, stage: str, rejects: pd.DataFrame, start, end
) -> None:
    """Replace the window's rejects of one stage in ``clean.quarantine``.

    ``rejects`` has the columns record_id, source, locator, reason, excerpt, created_at.
    """
    from vintage_ai_assets.cleaning.mentions import QUARANTINE_COLUMNS

    frame = rejects[QUARANTINE_COLUMNS].assign(stage=stage)
    text_columns = ["stage", "record_id", "source", "locator", "reason", "excerpt"]
    frame[text_columns] = frame[text_columns].astype("string")
    frame["created_at"] = pd.to_datetime(frame["created_at"]).astype("datetime64[ns]")
    warehouse.replace(
        QUARANTINE_TABLE,
        frame,
        "stage = ? AND created_at >= ? AND created_at < ?",
        [stage, start, end],
    )


@warehouse_asset(
    ["clean", "mentions"],
    partitions="day",
    schema=schemas.MENTIONS,
    partition_expr="created_at",
    user_facing=True,
    ins={name: dg.AssetIn(key=key) for name, key in RAW_TEXT_KEYS.items()},
    deps=[dg.AssetKey(["catalog", "cars"])],
)
def mentions(
    context: dg.AssetExecutionContext,
    catalog: CatalogResource,
    warehouse: WarehouseResource,
    reddit_archive: pd.DataFrame,
    reddit_live: pd.DataFrame,
    forum_posts: pd.DataFrame,
    social_posts: pd.DataFrame,
    mail_messages: pd.DataFrame,
) -> dg.Output:
    """One row per (text, car): de-duplicated, spam/bot/removed filtered, language-tagged,
    matched to the catalog (aliases, make-qualified names, thread context)."""
    from vintage_ai_assets.cleaning.history import prior_context
    from vintage_ai_assets.cleaning.mentions import build_mentions

    start, end = window_of(context)
    raw = (reddit_archive, reddit_live, forum_posts, social_posts, mail_messages)
    frames = [f for f in raw if len(f)]
    posts = pd.concat(frames, ignore_index=True) if frames else reddit_archive.iloc[0:0]
    store = warehouse.get()
    thread_cars, seen = prior_context(store, posts, before=start)
    result = build_mentions(posts, catalog.load(), thread_cars, seen)
    _replace_quarantine(store, "mentions", result.quarantine, start, end)
    out = result.mentions
    context.log.info(f"{len(posts)} posts -> {len(out)} mentions; quarantined {result.reasons}")
    per_car = out["car"].value_counts().head(10).to_dict() if len(out) else {}
    return dg.Output(
        out,
        metadata={
            "posts": dg.MetadataValue.int(len(posts)),
            "mentions": dg.MetadataValue.int(len(out)),
            "cars": dg.MetadataValue.int(out["car"].nunique() if len(out) else 0),
            "quarantined": dg.MetadataValue.int(len(result.quarantine)),
            "quarantine_reasons": dg.MetadataValue.json(result.reasons),
            "languages": dg.MetadataValue.json(
                {str(k): int(v) for k, v in out["lang"].value_counts().items()}
            ),
            "top_cars": dg.MetadataValue.json({str(k): int(v) for k, v in per_car.items()}),
            "preview": dg.MetadataValue.md(
                out[["car", "source", "created_at", "text"]]
                .head(5)
                .assign(text=lambda d: d["text"].str[:80])
                .to_markdown(index=False)
            )
            if len(out)
            else "",
        },
    )


@warehouse_asset(
    ["clean", "auction_lots"],
    partitions="day",
    schema=schemas.AUCTION_LOTS,
    partition_expr="sold_at",
    metadata={HISTORY_BEFORE_START: True},
    ins={"lots": dg.AssetIn(key=["raw", "auction_lots"])},
    deps=[dg.AssetKey(["catalog", "cars"])],
)
def clean_auction_lots(
    context: dg.AssetExecutionContext,
    catalog: CatalogResource,
    warehouse: WarehouseResource,
    lots: pd.DataFrame,
) -> dg.Output:
    """Auction lots matched to catalog cars (make, model, title and production years), prices
    in USD; the first day also holds every lot sold before it (market history)."""
    from vintage_ai_assets.cleaning.auction_lots import match_lots

    start, end = window_of(context, history=True)
    kept, rejected = match_lots(lots, catalog.load())
    rejects = rejected.assign(
        source="auctions",
        record_id=rejected["lot_id"],
        excerpt=rejected["title"],
        created_at=rejected["sold_at"],
    )
    _replace_quarantine(warehouse.get(), "auction_lots", rejects, start, end)
    reasons = {str(k): int(v) for k, v in rejected["reason"].value_counts().items()}
    return dg.Output(
        kept,
        metadata={
            "lots": dg.MetadataValue.int(len(kept)),
            "cars": dg.MetadataValue.int(kept["car"].nunique() if len(kept) else 0),
            "quarantined": dg.MetadataValue.int(len(rejected)),
            "quarantine_reasons": dg.MetadataValue.json(reasons),
        },
    )
