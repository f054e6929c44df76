"""raw: what each source returned, one asset per source, partitioned by the day it was written."""

from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from vintage_ai_assets import schemas
from vintage_ai_assets.defs.platform.partitions import HISTORY_BEFORE_START, window_of
from vintage_ai_assets.defs.platform.resources import (
    CatalogResource,
    ForumResource,
    InboxResource,
    RedditResource,
    WarehouseResource,
)
from vintage_ai_assets.defs.platform.warehouse_asset import (
    warehouse_asset,
    warehouse_multi_asset,
    warehouse_out,
)
from vintage_ai_assets.sources import (
    auctions,
    forum,
    mailing_list,
    reddit_archive,
    social_export,
    valuations,
)
from vintage_ai_assets.sources.records import Quarantine, ReadResult, TimeWindow, posts_frame
from vintage_ai_assets.sources.reddit_access import RedditFetchError
from vintage_ai_assets.warehouse import Warehouse

QUARANTINE_TABLE = "raw.quarantine"


def _raw_asset(name: str, schema, description: str, partition_expr: str, history: bool = False):
    """A daily raw asset; with ``history`` its first day also loads older records."""
    return warehouse_asset(
        ["raw", name],
        partitions="day",
        schema=schema,
        partition_expr=partition_expr,
        metadata={HISTORY_BEFORE_START: history},
        description=description,
    )


def record_quarantine(warehouse: Warehouse, result: ReadResult) -> None:
    """Keep rejected records in ``raw.quarantine``, one row per (source, locator)."""
    frame = result.quarantine.frame().drop_duplicates(["source", "locator"], keep="last")
    warehouse.upsert(QUARANTINE_TABLE, frame, keys=["source", "locator"])


def _finish(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    result: ReadResult,
    output_name: str = "result",
    **extra,
) -> dg.Output:
    record_quarantine(warehouse, result)
    reasons = (
        result.quarantine.frame()["reason"].value_counts().to_dict()
        if len(result.quarantine)
        else {}
    )
    start, end = window_of(context)
    key = context.asset_key_for_output(output_name)
    context.log.info(
        f"{key.to_user_string()} {start:%Y-%m-%d}..{end:%Y-%m-%d}: "
        f"{len(result.accepted)} accepted, {len(result.quarantine)} quarantined from {result.files} files"
    )
    preview = result.accepted.drop(
        columns=[c for c in ("text", "description", "attributes") if c in result.accepted]
    )
    return dg.Output(
        result.accepted,
        output_name=output_name,
        metadata={
            "accepted": dg.MetadataValue.int(len(result.accepted)),
            "quarantined": dg.MetadataValue.int(len(result.quarantine)),
            "quarantine_reasons": dg.MetadataValue.json(
                {str(k): int(v) for k, v in reasons.items()}
            ),
            "records_read": dg.MetadataValue.int(result.read),
            "files": dg.MetadataValue.int(result.files),
            "preview": dg.MetadataValue.md(preview.head(5).to_markdown(index=False))
            if len(preview)
            else "",
            **extra,
        },
    )


@_raw_asset(
    "reddit_archive",
    schemas.RAW_POSTS,
    "Reddit submissions and comments from archive files in inbox/reddit (pushshift / Arctic-Shift NDJSON, plain or .zst).",
    "created_at",
)
def raw_reddit_archive(
    context: dg.AssetExecutionContext, inbox: InboxResource, warehouse: WarehouseResource
) -> dg.Output:
    result = reddit_archive.read_inbox(
        inbox.folder("reddit"), TimeWindow(*window_of(context)), inbox.spans("reddit")
    )
    return _finish(context, warehouse.get(), result)


@_raw_asset(
    "reddit_live",
    schemas.RAW_POSTS,
    "Reddit submissions and comments written that day in the catalog's subreddits, plus "
    "searches for each car, fetched live through praw (credentials from REDDIT_CLIENT_ID / "
    "REDDIT_CLIENT_SECRET / REDDIT_USER_AGENT).",
    "created_at",
)
def raw_reddit_live(
    context: dg.AssetExecutionContext,
    reddit: RedditResource,
    catalog: CatalogResource,
    warehouse: WarehouseResource,
) -> dg.Output:
    if reddit.credentials() is None:
        context.log.warning(
            "Reddit live is not configured (no REDDIT_CLIENT_ID/REDDIT_CLIENT_SECRET): nothing fetched"
        )
        return dg.Output(posts_frame([]), metadata={"status": "not configured", "accepted": 0})
    from vintage_ai_assets.sources import reddit_live  # praw: imported when Reddit is read

    cars = catalog.load().cars
    subreddits = sorted({s for car in cars for s in car.subreddits})
    terms = sorted({t for car in cars for t in (car.search_terms or (car.name,))})
    try:
        result = reddit_live.fetch_window(
            reddit.client(),
            subreddits,
            terms,
            TimeWindow(*window_of(context)),
            max_submissions=reddit.max_submissions,
            more_per_submission=reddit.more_comments_per_submission,
            more_per_run=reddit.more_comments_per_run,
        )
    except RedditFetchError as exc:
        # The partition keeps its previous content: nothing is written when the fetch fails.
        raise dg.Failure(f"Reddit live fetch failed: {exc}") from None
    return _finish(
        context,
        warehouse.get(),
        result,
        subreddits=len(subreddits),
        searches=len(terms),
        # "load more comments" stubs: requests spent expanding them, and what was left
        more_requests=dg.MetadataValue.int(result.more.requests),
        more_stubs_left=dg.MetadataValue.int(result.more.stubs_left),
        comments_not_expanded=dg.MetadataValue.int(result.more.comments_left),
    )


FORUM_STATE_COLUMNS = ["site", "thread_id", "delivered_through", "window_start", "crawled_at"]


def _forum_state(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=FORUM_STATE_COLUMNS)
    for column in ("window_start", "crawled_at"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame


@warehouse_multi_asset(
    outs={
        "forum_posts": warehouse_out(
            ["raw", "forum_posts"],
            partitions="day",
            schema=schemas.RAW_POSTS,
            partition_expr="created_at",
            description="Owner-forum posts (XenForo-style sites such as FerrariChat) fetched politely "
            "with requests: tag and thread pages, quotes and signatures removed.",
        ),
        "forum_state": warehouse_out(
            ["raw", "forum_state"],
            partitions="day",
            schema=schemas.FORUM_STATE,
            partition_expr="window_start",
            description="Incremental crawl state: per site and thread, the post id up to which "
            "every post has been collected.",
        ),
    },
    partitions="day",
)
def raw_forum_posts(
    context: dg.AssetExecutionContext,
    forums: ForumResource,
    catalog: CatalogResource,
    warehouse: WarehouseResource,
):
    """Crawl each configured forum for the window, only pages with posts not collected yet.

    The new posts are merged with the window's stored ones, and the data is written before
    the state, so an interrupted run never marks an unstored post as collected.
    """
    start, end = window_of(context)
    if not forums.configured:
        context.log.warning("no owner forums are configured (VINTAGE_AI_FORUMS): nothing fetched")
        yield dg.Output(
            posts_frame([]), "forum_posts", metadata={"status": "not configured", "accepted": 0}
        )
        yield dg.Output(_forum_state([]), "forum_state")
        return
    store = warehouse.get()
    prior = store.read_table("raw.forum_state", columns=["site", "thread_id", "delivered_through"])
    frames, states, pages, quarantine, read = [], [], 0, Quarantine(), 0
    with forums.session() as session:
        for site in forums.sites(catalog.load()):
            known = {}
            if prior is not None:
                mine = prior[prior["site"] == site.name]
                through = mine["delivered_through"].astype("int64").groupby(mine["thread_id"]).max()
                known = through.astype(str).to_dict()
            try:
                crawled = forum.crawl(
                    site, session, TimeWindow(start, end), state=known, max_pages=forums.max_pages
                )
            except forum.FetchError as exc:
                raise dg.Failure(f"forum {site.name}: {exc}") from None
            frames.append(crawled.result.accepted)
            quarantine.rows.extend(crawled.result.quarantine.rows)
            read += crawled.result.read
            pages += crawled.pages
            states += [(site.name, thread, through) for thread, through in crawled.state.items()]
            if crawled.truncated:
                context.log.warning(
                    f"forum {site.name}: page budget reached, the window may be incomplete"
                )
    existing = store.read_table(
        "raw.forum_posts", "created_at >= ? AND created_at < ?", [start, end]
    )
    merged = pd.concat(
        [f for f in [existing, *frames] if f is not None and len(f)] or [posts_frame([])]
    )
    merged = posts_frame(merged.drop_duplicates("record_id", keep="last").to_dict("records"))
    new = sum(len(f) for f in frames)
    yield _finish(
        context,
        store,
        ReadResult(merged, quarantine, read, 0),
        output_name="forum_posts",
        new_posts=dg.MetadataValue.int(new),
        pages_fetched=dg.MetadataValue.int(pages),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    state = pd.DataFrame([(s, t, d, start, now) for s, t, d in states], columns=FORUM_STATE_COLUMNS)
    yield dg.Output(state, "forum_state", metadata={"threads": dg.MetadataValue.int(len(state))})


@_raw_asset(
    "social_posts",
    schemas.RAW_POSTS,
    "Generic social exports (JSONL: source, id, created_at, author, text, url, …) from inbox/social, including owner-forum dumps.",
    "created_at",
)
def raw_social_posts(
    context: dg.AssetExecutionContext, inbox: InboxResource, warehouse: WarehouseResource
) -> dg.Output:
    result = social_export.read_inbox(
        inbox.folder("social"), TimeWindow(*window_of(context)), inbox.spans("social")
    )
    return _finish(context, warehouse.get(), result)


@_raw_asset(
    "mail_messages",
    schemas.RAW_POSTS,
    "Mailing-list messages (mbox archives, JSONL dumps through a field mapping) from "
    "inbox/mail, as sent: threads from References/In-Reply-To, else the subject; the clean "
    "layer keeps the author's own words.",
    "created_at",
)
def raw_mail_messages(
    context: dg.AssetExecutionContext, inbox: InboxResource, warehouse: WarehouseResource
) -> dg.Output:
    result = mailing_list.read_inbox(
        inbox.folder("mail"), TimeWindow(*window_of(context)), inbox.spans("mail")
    )
    return _finish(context, warehouse.get(), result)


@_raw_asset(
    "auction_lots",
    schemas.RAW_AUCTION_LOTS,
    "Auction results (sold and not-sold lots) from inbox/auctions, read through column "
    "mappings; the first day also holds every lot sold before it (market history).",
    "sold_at",
    history=True,
)
def raw_auction_lots(
    context: dg.AssetExecutionContext, inbox: InboxResource, warehouse: WarehouseResource
) -> dg.Output:
    window = TimeWindow(*window_of(context, history=True))
    result = auctions.read_inbox(inbox.folder("auctions"), window)
    return _finish(context, warehouse.get(), result)


@_raw_asset(
    "valuations",
    schemas.RAW_VALUATIONS,
    "Valuation index points (car, date, value, currency, source) from inbox/valuations; "
    "the first day also holds every point dated before it (market history).",
    "date",
    history=True,
)
def raw_valuations(
    context: dg.AssetExecutionContext,
    inbox: InboxResource,
    warehouse: WarehouseResource,
    catalog: CatalogResource,
) -> dg.Output:
    known = set(catalog.load().slugs)
    result = valuations.read_inbox(
        inbox.folder("valuations"), TimeWindow(*window_of(context, history=True)), known
    )
    return _finish(context, warehouse.get(), result)
