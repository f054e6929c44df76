"""The frames the insights app (:mod:`vintage_ai_assets.serving.app`) draws, read from the
current snapshot through :mod:`vintage_ai_assets.serving.read_model`; no Streamlit here, so
they are tested and reused on their own.
"""

from __future__ import annotations

import re

import pandas as pd

from vintage_ai_assets.serving import read_model as rm

SPARK_DAYS = 90  # the board's sparklines
SENTIMENT_WINDOW_DAYS = 7
RECENT_SALES = 10
QUOTE_CHARS = 320
#: the board's columns a user may sort by → their label
SORTS = {
    "sentiment_change": "sentiment change",
    "sentiment_28d": "sentiment (28 days)",
    "mentions_change": "attention change",
    "mentions_28d": "mentions (28 days)",
    "direction_probability": "P(value up in 6 months)",
    "name": "name",
}

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|$<>~])")


def markdown_text(text: str) -> str:
    """``text`` as literal markdown (a price like "$126,500" is no formula, "*" no emphasis)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(str(text).split()))


def short(text: str, limit: int = QUOTE_CHARS) -> str:
    """One line of at most ``limit`` characters, cut at a word."""
    line = " ".join(str(text).split())
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0] + " …"


def sparklines(reader: rm.SnapshotReader, days: int = SPARK_DAYS) -> pd.DataFrame:
    """Per car (one query for all of them): its last ``days`` days of daily mentions and of
    the 7-day mean of daily sentiment, as lists oldest first ([car, mentions_90d,
    sentiment_7d]); days without a scored text have no sentiment of their own."""
    found = reader.frame(
        "WITH d AS ("
        "  SELECT car, date, mentions, max(date) OVER (PARTITION BY car) AS latest, "
        "    avg(sentiment) OVER (PARTITION BY car ORDER BY date RANGE BETWEEN "
        f"      INTERVAL {SENTIMENT_WINDOW_DAYS - 1} DAY PRECEDING AND CURRENT ROW) AS s7 "
        "  FROM series.car_daily) "
        "SELECT car, list(mentions ORDER BY date) AS mentions_90d, "
        "  list(s7 ORDER BY date) AS sentiment_7d "
        f"FROM d WHERE date > latest - INTERVAL {days} DAY GROUP BY car"
    )
    if found.empty:
        return pd.DataFrame(columns=["car", "mentions_90d", "sentiment_7d"])
    found["mentions_90d"] = found["mentions_90d"].map(lambda v: [int(x) for x in v])
    found["sentiment_7d"] = found["sentiment_7d"].map(
        lambda v: [None if x is None or pd.isna(x) else round(float(x), 4) for x in v]
    )
    return found


def board(reader: rm.SnapshotReader) -> pd.DataFrame:
    """One row per catalog car: its summary (28 days of sentiment and mentions and their
    change, the value direction) with its sparklines and a link to its page."""
    rows = pd.DataFrame([s.model_dump() for s in rm.summaries(reader)])
    if rows.empty:
        return rows
    rows = rows.merge(sparklines(reader), on="car", how="left")
    for column in ("mentions_90d", "sentiment_7d"):
        rows[column] = rows[column].map(lambda v: v if isinstance(v, list) else [])
    rows["page"] = "?page=car&car=" + rows["car"]
    return rows


def movers(rows: pd.DataFrame, column: str, n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cars whose ``column`` (a change) rose most and fell most: (risers, fallers), at
    most ``n`` each, biggest move first; a car without a change is in neither."""
    if rows.empty or column not in rows:
        return rows.head(0), rows.head(0)
    known = rows[rows[column].notna()]
    risers = known[known[column] > 0].sort_values(column, ascending=False).head(n)
    fallers = known[known[column] < 0].sort_values(column, ascending=True).head(n)
    return risers, fallers


def sort_board(rows: pd.DataFrame, by: str, descending: bool = True) -> pd.DataFrame:
    """The board sorted by ``by`` (one of :data:`SORTS`), cars without a value last."""
    if by not in SORTS:
        raise ValueError(f"cannot sort by {by!r}: one of {', '.join(SORTS)}")
    if rows.empty:
        return rows
    return rows.sort_values(by, ascending=not descending, na_position="last", kind="stable")


def history_and_forecast(detail: rm.CarDetail, target: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The car's daily ``target`` (mentions or sentiment) over six months, with its 7-day
    mean ([date, value, mean_7d]), and the 90-day forecast ([date, horizon, p10, p50, p90])."""
    if target not in ("mentions", "sentiment"):
        raise ValueError(f"no forecast target {target!r}: mentions or sentiment")
    daily = pd.DataFrame(
        [p.model_dump() for p in detail.daily], columns=["date", "mentions", "sentiment"]
    )
    daily["date"] = pd.to_datetime(daily["date"])
    history = pd.DataFrame({"date": daily["date"], "value": daily[target].astype(float)})
    history["mean_7d"] = (
        history.set_index("date")["value"]
        .rolling(f"{SENTIMENT_WINDOW_DAYS}D", min_periods=1)
        .mean()
        .to_numpy()
    )
    forecast = pd.DataFrame(
        [f.model_dump() for f in detail.forecasts if f.target == target],
        columns=["target", "date", "horizon", "p10", "p50", "p90"],
    ).drop(columns="target")
    forecast["date"] = pd.to_datetime(forecast["date"])
    return history, forecast


def theme_shares(detail: rm.CarDetail, top: int = 8) -> pd.DataFrame:
    """Monthly shares of the car's ``top`` largest themes ([month, label, share, rank]: rank
    0 is the largest theme); the rest of each month's texts as "other themes" (last)."""
    rows = []
    for rank, theme in enumerate(detail.themes):
        label, rank = (theme.label, rank) if rank < top else ("other themes", top)
        rows += [
            {"month": m["month"], "label": label, "share": m["share"], "rank": rank}
            for m in theme.monthly_shares
        ]
    if not rows:
        return pd.DataFrame(columns=["month", "label", "share", "rank"])
    shares = pd.DataFrame(rows).groupby(["month", "label", "rank"], as_index=False)["share"].sum()
    shares["month"] = pd.to_datetime(shares["month"])
    return shares.sort_values(["month", "rank"]).reset_index(drop=True)[
        ["month", "label", "share", "rank"]
    ]


def price_index(detail: rm.CarDetail) -> pd.DataFrame:
    """The car's monthly price index ([month, lots, median_price, index_value])."""
    frame = pd.DataFrame(
        [p.model_dump() for p in detail.price_index],
        columns=["month", "lots", "median_price", "index_value"],
    )
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def recent_sales(reader: rm.SnapshotReader, car: str, n: int = RECENT_SALES) -> pd.DataFrame:
    """The car's last ``n`` sold lots, newest first ([sold_at, year, mileage, price_usd,
    title, auction_house, url])."""
    return reader.frame(
        "SELECT sold_at, year, mileage, price_usd, title, auction_house, url "
        "FROM clean.auction_lots WHERE car = ? AND sold AND price_usd IS NOT NULL "
        "ORDER BY sold_at DESC, price_usd DESC LIMIT ?",
        [car, n],
    )


def recent_alerts(
    reader: rm.SnapshotReader, car: str | None = None, days: int = 90
) -> pd.DataFrame:
    """Alerts held in the last ``days`` days of data (all cars, or ``car``), newest first
    ([car, kind, label, raised_on, until, active, message]); empty before alerts exist."""
    where = "AND car = ? " if car else ""
    return reader.frame(
        "SELECT car, kind, label, raised_on, until, active, message FROM reports.car_alerts "
        "WHERE until > (SELECT max(date) FROM series.car_daily) - "
        f"INTERVAL {int(days)} DAY {where}ORDER BY raised_on DESC",
        [car] if car else [],
    )
