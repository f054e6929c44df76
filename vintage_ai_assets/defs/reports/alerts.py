"""reports/car_alerts: each car's alert episodes (sentiment falls, fast-growing themes, volume
spikes; :mod:`vintage_ai_assets.reports.alerts`), posted to a webhook when one is set.

Runs with every per-car run. An alert is posted once (``notified_at`` remembers it across
runs), and only while it is recent — still holding, or held within the last 28 days of
data — so a backfill of years does not post its history. A webhook that fails is a
warning in the run and in the metadata, never a failed run; the alert is posted next time.
"""

from datetime import UTC, datetime, timedelta

import dagster as dg
import pandas as pd

from vintage_ai_assets import schemas
from vintage_ai_assets.defs.platform.partitions import all_days
from vintage_ai_assets.defs.platform.resources import AlertsResource, WarehouseResource
from vintage_ai_assets.defs.platform.warehouse_asset import warehouse_asset
from vintage_ai_assets.reports.alerts import WINDOW_DAYS, find_alerts


def _keys(alerts: pd.DataFrame) -> pd.Series:
    """Which alert a row is: car, kind, theme and first day (as text, whatever the dtypes)."""
    topic = pd.to_numeric(alerts["topic_id"], errors="coerce").fillna(-1).astype(int).astype(str)
    day = pd.to_datetime(alerts["raised_on"]).dt.strftime("%Y-%m-%d")
    return alerts["car"].astype(str) + "|" + alerts["kind"].astype(str) + "|" + topic + "|" + day


def _mentions(store, cars: list[str]) -> pd.DataFrame:
    """The cars' mentions with their sentiment and theme (NaN where there is none yet)."""
    topics = store.table_exists("nlp.mention_topics")
    return store.query(
        "SELECT m.car, m.created_at, s.sentiment, "
        f"{'t.topic_id' if topics else 'NULL::BIGINT AS topic_id'} FROM clean.mentions m "
        "LEFT JOIN nlp.mention_sentiment s USING (mention_id) "
        f"{'LEFT JOIN nlp.mention_topics t USING (mention_id) ' if topics else ''}"
        "WHERE m.car IN (SELECT unnest(?))",
        [cars],
    )


def _with_notified(found: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """``found`` with the ``notified_at`` of the same alerts in ``previous``."""
    found = found.assign(notified_at=pd.NaT)
    if previous.empty or found.empty:
        return found
    sent = previous.dropna(subset=["notified_at"])
    if sent.empty:
        return found
    when = dict(zip(_keys(sent), sent["notified_at"], strict=True))
    found["notified_at"] = pd.to_datetime(_keys(found).map(when))
    return found


@warehouse_asset(
    ["reports", "car_alerts"],
    partitions="car",
    schema=schemas.CAR_ALERTS,
    partition_expr="car",
    kinds=("pandas", "duckdb"),
    user_facing=True,
    daily_per_car=True,
    deps=[
        all_days(["clean", "mentions"]),
        all_days(["nlp", "mention_sentiment"]),
        dg.AssetKey(["nlp", "mention_topics"]),
        dg.AssetKey(["nlp", "car_topics"]),
    ],
)
def car_alerts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, alerts: AlertsResource
) -> dg.Output:
    """Per car: every alert episode of its history — its 28-day sentiment fell by a set amount,
    a theme's share of its mentions grew fast, its weekly mentions spiked — each with the day
    it was raised, the last day it held, its size and significance; new recent alerts are
    posted to the webhook ``VINTAGE_AI_ALERT_WEBHOOK`` when it is set."""
    from vintage_ai_assets.reports.webhook import WebhookError, post_alerts

    store = warehouse.get()
    cars = list(context.partition_keys)
    mentions = _mentions(store, cars)
    labels = (
        store.query(
            "SELECT car, topic_id, label FROM nlp.car_topics WHERE car IN (SELECT unnest(?))",
            [cars],
        )
        if store.table_exists("nlp.car_topics")
        else pd.DataFrame(columns=["car", "topic_id", "label"])
    )
    last_day = pd.to_datetime(mentions["created_at"]).max() if len(mentions) else pd.NaT
    by_car = dict(tuple(mentions.groupby("car"))) if len(mentions) else {}
    frames = []
    for car in cars:
        names = {int(r.topic_id): r.label for r in labels[labels["car"] == car].itertuples()}
        if car in by_car:
            frames.append(find_alerts(car, by_car[car], names, last_day, alerts.rules()))
    found = pd.concat([f for f in frames if len(f)], ignore_index=True) if frames else None
    if found is None or found.empty:
        found = pd.DataFrame(columns=list(schemas.CAR_ALERTS.columns))
    previous = (
        store.read_table("reports.car_alerts", "car IN (SELECT unnest(?))", [cars])
        if store.table_exists("reports.car_alerts")
        else pd.DataFrame(columns=list(schemas.CAR_ALERTS.columns))
    )
    out = _with_notified(found.drop(columns=["notified_at"], errors="ignore"), previous)
    recent_from = last_day - timedelta(days=WINDOW_DAYS - 1) if pd.notna(last_day) else None
    fresh = (
        out[
            out["notified_at"].isna()
            & (out["active"] | (pd.to_datetime(out["until"]) >= recent_from))
        ]
        if len(out)
        else out
    )
    webhook = "not set (VINTAGE_AI_ALERT_WEBHOOK)"
    if alerts.webhook_url and len(fresh):
        try:
            status = post_alerts(alerts.webhook_url, fresh)
            out.loc[fresh.index, "notified_at"] = pd.Timestamp(
                datetime.now(UTC).replace(tzinfo=None)
            )
            webhook = f"posted {len(fresh)} alert(s): HTTP {status}"
        except WebhookError as exc:
            webhook = f"failed: {exc}"
            context.log.warning(f"{exc}; they are posted again after the next run")
    elif alerts.webhook_url:
        webhook = "set; nothing new to post"
    for car in cars:
        mine = out[out["car"] == car]
        context.add_asset_metadata(
            {
                "alerts": dg.MetadataValue.int(len(mine)),
                "active": dg.MetadataValue.int(int(mine["active"].sum()) if len(mine) else 0),
            },
            partition_key=car,
        )
    shown = out.sort_values("raised_on", ascending=False).head(20)
    return dg.Output(
        out,
        metadata={
            "alerts": dg.MetadataValue.int(len(out)),
            "active": dg.MetadataValue.int(int(out["active"].sum()) if len(out) else 0),
            "new_recent": dg.MetadataValue.int(len(fresh)),
            "webhook": webhook,
            "latest": dg.MetadataValue.md(
                shown[["car", "kind", "raised_on", "until", "message"]].to_markdown(index=False)
                if len(shown)
                else "none"
            ),
        },
    )
