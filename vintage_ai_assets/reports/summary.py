"""Plain-text summaries of the warehouse for the command line (`vintage-ai demo|status`)."""

from __future__ import annotations

import pandas as pd

from vintage_ai_assets.warehouse import Warehouse

PUBLIC_TABLES = (
    "clean.mentions",
    "nlp.mention_sentiment",
    "nlp.car_topics",
    "series.car_daily",
    "forecasts.car_forecasts",
)
FRESHNESS = {
    "clean.mentions": "created_at",
    "nlp.mention_sentiment": "created_at",
    "series.car_daily": "date",
    "forecasts.car_forecasts": "origin",
    "clean.auction_lots": "sold_at",
    "raw.valuations": "date",
}


def table_status(warehouse: Warehouse) -> pd.DataFrame:
    """Rows per table and, where it has one, the latest date of its data."""
    counts = warehouse.row_counts()
    latest = []
    with warehouse.connection(read_only=True) as con:  # one open for all the tables
        for table in counts["table"]:
            column = FRESHNESS.get(table)
            value = (
                con.execute(f"SELECT max({column}) FROM {table}").fetchone()[0] if column else None
            )
            latest.append(pd.Timestamp(value).strftime("%Y-%m-%d") if value is not None else "")
    return counts.assign(latest=latest)


def top_themes(warehouse: Warehouse, per_car: int = 3) -> pd.DataFrame:
    if not warehouse.table_exists("nlp.car_topics"):
        return pd.DataFrame(columns=["car", "themes"])
    topics = warehouse.query(
        "SELECT car, label, size FROM nlp.car_topics QUALIFY row_number() OVER "
        "(PARTITION BY car ORDER BY size DESC, topic_id) <= ? ORDER BY car, size DESC",
        [per_car],
    )
    return topics.groupby("car")["label"].agg(lambda s: "; ".join(s)).rename("themes").reset_index()


def forecast_headline(warehouse: Warehouse) -> str:
    """The car whose mentions are forecast to grow most over the next 30 days."""
    if not warehouse.table_exists("forecasts.car_forecasts"):
        return "no forecasts yet"
    frame = warehouse.query(
        "WITH f AS (SELECT car, sum(p10) AS p10, sum(p50) AS p50, sum(p90) AS p90 "
        "  FROM forecasts.car_forecasts WHERE target = 'mentions' AND horizon <= 30 GROUP BY car), "
        "h AS (SELECT d.car, sum(d.mentions) AS last30 FROM series.car_daily d "
        "  WHERE d.date > (SELECT max(date) FROM series.car_daily WHERE mentions > 0) - INTERVAL 30 DAY "
        "  AND d.date <= (SELECT max(date) FROM series.car_daily WHERE mentions > 0) GROUP BY d.car) "
        "SELECT f.*, h.last30 FROM f JOIN h USING (car) WHERE h.last30 >= 10 "
        "ORDER BY p50 / h.last30 DESC LIMIT 1"
    )
    if frame.empty:
        return "no car has enough recent mentions for a headline"
    row = frame.iloc[0]
    change = row.p50 / row.last30 - 1
    return (
        f"{row.car}: {row.p50:.0f} mentions forecast for the next 30 days "
        f"(p10–p90 {row.p10:.0f}–{row.p90:.0f}) vs {row.last30:.0f} in the last 30, {change:+.0%}"
    )


def render_summary(warehouse: Warehouse) -> str:
    """Rows per public table, cars, each car's top themes and one forecast headline."""
    status = table_status(warehouse)
    lines = ["Tables (rows, latest data):"]
    for row in status.itertuples(index=False):
        marker = "*" if row.table in PUBLIC_TABLES else " "
        lines.append(f" {marker} {row.table:<28} {row.rows:>10,}  {row.latest}")
    lines.append("   (* = public tables)")
    themes = top_themes(warehouse)
    lines.append(f"\nCars with themes: {len(themes)}")
    for row in themes.itertuples(index=False):
        lines.append(f"  {row.car:<28} {row.themes}")
    lines.append(f"\nForecast headline: {forecast_headline(warehouse)}")
    if warehouse.table_exists("reports.car_reports"):
        reports = warehouse.query("SELECT count(*) AS n FROM reports.car_reports")["n"].iloc[0]
        folder = warehouse.path.parent / "reports"
        lines.append(f"Car reports: {reports} (markdown and plots in {folder})")
    return "\n".join(lines)
