"""Per car and day: mention volume, engagement and sentiment statistics."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

POSITIVE = 0.05
NEGATIVE = -0.05
DAILY_COLUMNS = [
    "car",
    "date",
    "mentions",
    "engagement",
    "scored",
    "sentiment",
    "sentiment_median",
    "positive_share",
    "negative_share",
]


def car_daily(mentions: pd.DataFrame, cars: Sequence[str], days: pd.DatetimeIndex) -> pd.DataFrame:
    """One row per (car, day) for every catalog car and every day, zero-filled.

    ``mentions`` needs car, date, engagement and sentiment (NaN = unscored). Sentiment
    statistics are NaN on days with no scored mention.
    """
    grid = pd.MultiIndex.from_product([list(cars), days.normalize()], names=["car", "date"])
    if mentions.empty:
        frame = pd.DataFrame(index=grid).reset_index()
        for column in DAILY_COLUMNS[2:]:
            frame[column] = 0 if column in ("mentions", "engagement", "scored") else np.nan
        return frame[DAILY_COLUMNS].astype(
            {"mentions": "int64", "engagement": "int64", "scored": "int64"}
        )
    data = mentions.assign(
        date=pd.to_datetime(mentions["date"]).dt.normalize(),
        pos=(mentions["sentiment"] > POSITIVE).astype(float).where(mentions["sentiment"].notna()),
        neg=(mentions["sentiment"] < NEGATIVE).astype(float).where(mentions["sentiment"].notna()),
    )
    grouped = data.groupby(["car", "date"])
    stats = pd.DataFrame(
        {
            "mentions": grouped.size(),
            "engagement": grouped["engagement"].sum(),
            "scored": grouped["sentiment"].count(),
            "sentiment": grouped["sentiment"].mean(),
            "sentiment_median": grouped["sentiment"].median(),
            "positive_share": grouped["pos"].mean(),
            "negative_share": grouped["neg"].mean(),
        }
    )
    frame = stats.reindex(grid)
    for column in ("mentions", "engagement", "scored"):
        frame[column] = frame[column].fillna(0).astype("int64")
    frame = frame.reset_index()
    frame["date"] = frame["date"].astype("datetime64[ns]")
    return frame[DAILY_COLUMNS]


def load_cars_daily(warehouse, cars: list[str]) -> dict[str, pd.DataFrame]:
    """Each car's daily series over the span of the data, from one query: from the first
    day any car was mentioned to the last (later days, not yet collected, are not zeros)."""
    if not warehouse.table_exists("series.car_daily"):
        return {car: pd.DataFrame(columns=DAILY_COLUMNS) for car in cars}
    frame = warehouse.query(
        "WITH span AS (SELECT min(date) AS first_day, max(date) AS last_day "
        "FROM series.car_daily WHERE mentions > 0) "
        "SELECT d.* FROM series.car_daily d, span WHERE d.car IN (SELECT unnest(?)) "
        "AND d.date BETWEEN span.first_day AND span.last_day ORDER BY d.car, d.date",
        [list(cars)],
    )
    groups = dict(tuple(frame.groupby("car", sort=False))) if len(frame) else {}
    return {
        car: groups[car].reset_index(drop=True) if car in groups else frame.iloc[:0] for car in cars
    }


def load_car_daily(warehouse, car: str) -> pd.DataFrame:
    """One car's daily series (see :func:`load_cars_daily`)."""
    return load_cars_daily(warehouse, [car])[car]


def load_cars_themes(warehouse, cars: list[str]) -> dict[str, pd.DataFrame | None]:
    """Each car's daily theme counts (date, topic_id, n; −1 = no theme) from
    ``nlp.mention_topics``, from one query; None before themes exist."""
    if not warehouse.table_exists("nlp.mention_topics"):
        return dict.fromkeys(cars)
    frame = warehouse.query(
        "SELECT t.car, m.date, t.topic_id, count(*) AS n FROM nlp.mention_topics t "
        "JOIN clean.mentions m USING (mention_id) WHERE t.car IN (SELECT unnest(?)) "
        "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        [list(cars)],
    )
    groups = dict(tuple(frame.groupby("car", sort=False))) if len(frame) else {}
    empty = frame.drop(columns="car").iloc[:0]
    return {
        car: groups[car].drop(columns="car").reset_index(drop=True) if car in groups else empty
        for car in cars
    }


def load_car_themes(warehouse, car: str) -> pd.DataFrame | None:
    """One car's daily theme counts (see :func:`load_cars_themes`)."""
    return load_cars_themes(warehouse, [car])[car]
