"""What the API and the app show, read from the current snapshot of the public tables
(:mod:`vintage_ai_assets.serving.snapshot`): pydantic models and the queries behind them.

Nothing here waits on the platform's writes: a snapshot is never written once published.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
from pydantic import BaseModel, Field

from vintage_ai_assets.paths import DataPaths
from vintage_ai_assets.serving import snapshot as snapshots

DETAIL_DAYS = 183  # "6 months" of daily sentiment and volume
RECENT_DAYS = 28
#: table → (layer, its freshness limit: older latest data is "stale")
FRESHNESS: dict[str, tuple[str, timedelta]] = {
    "series.car_daily": ("daily series", timedelta(days=2)),
    "forecasts.car_forecasts": ("forecasts", timedelta(days=2)),
    "reports.car_reports": ("reports", timedelta(days=2)),
    "nlp.topic_shares": ("themes", timedelta(days=62)),
    "series.price_index": ("price index", timedelta(days=62)),
    "models.value_direction": ("value direction", timedelta(days=62)),
    "forecasts.price_estimates": ("price estimates", timedelta(days=62)),
    "models.attention_models": ("attention models", timedelta(days=8)),
    "models.price_models": ("price model", timedelta(days=8)),
}


class NotReady(LookupError):
    """Nothing to answer from yet (no snapshot, no trained model); says what to run."""


class UnknownCar(LookupError):
    """A car that is not in the catalog (or has no report yet)."""


class CarSummary(BaseModel):
    car: str
    name: str
    years: tuple[int, int]
    latest_date: date | None = Field(description="the last day of its daily series")
    mentions_28d: int = Field(description="mentions in the last 28 days")
    mentions_change: float | None = Field(
        description="mentions in the last 28 days over the 28 before, minus 1"
    )
    sentiment_28d: float | None = Field(description="mean daily sentiment, last 28 days (−1..+1)")
    sentiment_change: float | None = Field(description="sentiment_28d minus the 28 days before")
    direction_probability: float | None = Field(description="P(price index higher in 6 months)")
    direction_status: str | None = None


class DailyPoint(BaseModel):
    date: date
    mentions: int
    sentiment: float | None


class Theme(BaseModel):
    topic_id: int
    label: str
    share: float
    sentiment: float | None
    growing: bool
    quotes: list[str]
    monthly_shares: list[dict] = Field(description="[{month, share}] oldest first")


class ForecastPoint(BaseModel):
    target: str
    date: date
    horizon: int
    p10: float
    p50: float
    p90: float


class Direction(BaseModel):
    month: date | None
    probability: float | None
    status: str | None
    backtest: dict = Field(description="the model's back-test and notes (as trained)")


class IndexPoint(BaseModel):
    month: date
    lots: int
    median_price: float | None
    index_value: float | None


class CarDetail(BaseModel):
    summary: CarSummary
    daily: list[DailyPoint]
    themes: list[Theme]
    forecasts: list[ForecastPoint]
    direction: Direction
    price_index: list[IndexPoint]


class Report(BaseModel):
    car: str
    generated_at: datetime
    data_through: datetime | None
    markdown: str
    plots: list[str] = Field(description="URLs of the report's plots")


class Sale(BaseModel):
    sold_at: date
    year: int | None
    mileage: float | None
    price_usd: float
    title: str


class Price(BaseModel):
    car: str
    name: str
    p10: float
    p50: float
    p90: float
    currency: str = "USD"
    priced_as: str
    alternatives: list[str]
    comparables: list[Sale]
    model_uri: str
    model_run_id: str
    model_trained_at: datetime


class LayerHealth(BaseModel):
    layer: str
    table: str
    rows: int
    latest: datetime | None
    status: str = Field(description="ok, stale or missing")


class Health(BaseModel):
    status: str = Field(description="ok when every layer is fresh")
    snapshot_published_at: datetime
    snapshot_age_seconds: float
    layers: list[LayerHealth]


class SnapshotReader:
    """Read-only connections to the current snapshot, reopened when a newer one is published."""

    def __init__(self, serving: Path) -> None:
        self.serving = serving
        self._lock = threading.Lock()
        self._snapshot: snapshots.Snapshot | None = None
        self._con: duckdb.DuckDBPyConnection | None = None

    def current(self) -> snapshots.Snapshot:
        found = snapshots.current(self.serving)
        if found is None:
            raise NotReady("no published data yet: run `vintage-ai demo` (or a backfill) first")
        return found

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        found = self.current()
        with self._lock:
            if self._snapshot is None or found.path != self._snapshot.path:
                self._con = snapshots.connect(found)  # the old one closes when unreferenced
                self._snapshot = found
            cursor = self._con.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def frame(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with self.cursor() as cur:
            try:
                return cur.execute(sql, params or []).df()
            except duckdb.CatalogException:
                return pd.DataFrame()  # a table not built yet: nothing to show


def _items(value) -> list:
    """A list column's value as a list (DuckDB gives arrays; NULL gives None)."""
    return [] if value is None else list(value)


def _float(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def summaries(reader: SnapshotReader, cars: list[str] | None = None) -> list[CarSummary]:
    catalog = reader.frame("SELECT car, make, model, first_year, last_year FROM catalog.cars")
    if cars is not None:
        catalog = catalog[catalog["car"].isin(cars)]
    daily = reader.frame(
        "WITH last AS (SELECT car, max(date) AS latest FROM series.car_daily GROUP BY car) "
        "SELECT d.car, last.latest, "
        f"  sum(mentions) FILTER (WHERE d.date > last.latest - INTERVAL {RECENT_DAYS} DAY) AS m_now, "
        f"  sum(mentions) FILTER (WHERE d.date <= last.latest - INTERVAL {RECENT_DAYS} DAY) AS m_before, "
        f"  avg(sentiment) FILTER (WHERE d.date > last.latest - INTERVAL {RECENT_DAYS} DAY) AS s_now, "
        f"  avg(sentiment) FILTER (WHERE d.date <= last.latest - INTERVAL {RECENT_DAYS} DAY) AS s_before "
        "FROM series.car_daily d JOIN last USING (car) "
        f"WHERE d.date > last.latest - INTERVAL {2 * RECENT_DAYS} DAY GROUP BY d.car, last.latest"
    )
    direction = reader.frame("SELECT car, probability, status FROM models.value_direction")
    by_car = daily.set_index("car") if len(daily) else pd.DataFrame()
    directions = direction.set_index("car") if len(direction) else pd.DataFrame()
    out = []
    for row in catalog.itertuples(index=False):
        d = by_car.loc[row.car] if row.car in by_car.index else None
        v = directions.loc[row.car] if row.car in directions.index else None
        m_now = int(d["m_now"]) if d is not None and pd.notna(d["m_now"]) else 0
        m_before = _float(d["m_before"]) if d is not None else None
        s_now = _float(d["s_now"]) if d is not None else None
        s_before = _float(d["s_before"]) if d is not None else None
        out.append(
            CarSummary(
                car=row.car,
                name=f"{row.make} {row.model}",
                years=(int(row.first_year), int(row.last_year)),
                latest_date=pd.Timestamp(d["latest"]).date() if d is not None else None,
                mentions_28d=m_now,
                mentions_change=m_now / m_before - 1 if m_before else None,
                sentiment_28d=s_now,
                sentiment_change=s_now - s_before
                if s_now is not None and s_before is not None
                else None,
                direction_probability=_float(v["probability"]) if v is not None else None,
                direction_status=str(v["status"]) if v is not None else None,
            )
        )
    return out


def themes(reader: SnapshotReader, car: str) -> list[Theme]:
    topics = reader.frame(
        "SELECT topic_id, label, share, sentiment, growing, representatives "
        "FROM nlp.car_topics WHERE car = ? ORDER BY share DESC",
        [car],
    )
    shares = reader.frame(
        "SELECT topic_id, month, share FROM nlp.topic_shares WHERE car = ? ORDER BY month", [car]
    )
    themes = []
    for row in topics.itertuples(index=False):
        monthly = shares[shares["topic_id"] == row.topic_id] if len(shares) else shares
        themes.append(
            Theme(
                topic_id=int(row.topic_id),
                label=str(row.label),
                share=float(row.share),
                sentiment=_float(row.sentiment),
                growing=bool(row.growing),
                quotes=[str(q) for q in _items(row.representatives)],
                monthly_shares=[
                    {"month": pd.Timestamp(m).date().isoformat(), "share": float(s)}
                    for m, s in zip(monthly.get("month", []), monthly.get("share", []), strict=True)
                ],
            )
        )
    return themes


def direction(reader: SnapshotReader, car: str) -> Direction:
    found = reader.frame(
        "SELECT month, probability, status, metrics FROM models.value_direction WHERE car = ?",
        [car],
    )
    if found.empty:
        return Direction(month=None, probability=None, status=None, backtest={})
    row = found.iloc[0]
    return Direction(
        month=pd.Timestamp(row["month"]).date(),
        probability=_float(row["probability"]),
        status=str(row["status"]),
        backtest=json.loads(row["metrics"] or "{}"),
    )


def health(reader: SnapshotReader) -> Health:
    found = reader.current()
    now = datetime.now(UTC)
    layers, fresh = [], True
    for table, (layer, limit) in FRESHNESS.items():
        entry = found.manifest["tables"].get(table)
        if entry is None:
            layers.append(
                LayerHealth(layer=layer, table=table, rows=0, latest=None, status="missing")
            )
            fresh = False
            continue
        latest = datetime.fromisoformat(entry["latest"]) if entry["latest"] else None
        stale = latest is None or now.replace(tzinfo=None) - latest > limit
        fresh = fresh and not stale
        layers.append(
            LayerHealth(
                layer=layer,
                table=table,
                rows=entry["rows"],
                latest=latest,
                status="stale" if stale else "ok",
            )
        )
    return Health(
        status="ok" if fresh else "stale",
        snapshot_published_at=found.published_at,
        snapshot_age_seconds=round((now - found.published_at).total_seconds(), 1),
        layers=layers,
    )


class Pricers:
    """The price model of the current snapshot, loaded once per snapshot."""

    def __init__(self, paths: DataPaths, reader: SnapshotReader) -> None:
        self.paths, self.reader = paths, reader
        self._lock = threading.Lock()
        self._loaded: tuple[Path, object] | None = None

    def get(self):
        from vintage_ai_assets.catalog import load_catalog
        from vintage_ai_assets.valuation.pricing import ListingError, load_pricer

        found = self.reader.current()
        with self._lock:
            if self._loaded is None or self._loaded[0] != found.path:
                try:
                    pricer = load_pricer(found.path, self.paths.mlflow_artifacts, load_catalog())
                except ListingError as exc:
                    raise NotReady(str(exc)) from None
                self._loaded = (found.path, pricer)
            return self._loaded[1]


def price_answer(quote) -> Price:
    sales = quote.comparables
    return Price(
        car=quote.car.slug,
        name=quote.car.name,
        p10=quote.p10,
        p50=quote.p50,
        p90=quote.p90,
        priced_as=quote.priced_as,
        alternatives=quote.alternatives,
        comparables=[
            Sale(
                sold_at=pd.Timestamp(s.sold_at).date(),
                year=None if pd.isna(s.year) else int(s.year),
                mileage=_float(s.mileage),
                price_usd=float(s.price_usd),
                title=str(s.title),
            )
            for s in sales.itertuples(index=False)
        ],
        model_uri=quote.model.model_uri,
        model_run_id=quote.model.run_id,
        model_trained_at=quote.model.trained_at,
    )


def known(reader: SnapshotReader, car: str) -> CarSummary:
    """The car's summary; :class:`UnknownCar` when it is not in the catalog."""
    found = summaries(reader, [car])
    if not found:
        raise UnknownCar(f"unknown car {car!r}: see /api/cars for the catalog")
    return found[0]


def car_detail(reader: SnapshotReader, car: str) -> CarDetail:
    """Six months of daily sentiment and volume, themes with shares and quotes, the 90-day
    forecasts with p10–p90, the value direction with its back-test, the price index."""
    summary = known(reader, car)
    daily = reader.frame(
        "SELECT date, mentions, sentiment FROM series.car_daily WHERE car = ? "
        f"AND date > (SELECT max(date) FROM series.car_daily) - INTERVAL {DETAIL_DAYS} DAY "
        "ORDER BY date",
        [car],
    )
    forecasts = reader.frame(
        "SELECT target, date, horizon, p10, p50, p90 FROM forecasts.car_forecasts "
        "WHERE car = ? ORDER BY target, date",
        [car],
    )
    index = reader.frame(
        "SELECT month, lots, median_price, index_value FROM series.price_index "
        "WHERE car = ? ORDER BY month",
        [car],
    )
    return CarDetail(
        summary=summary,
        daily=[
            DailyPoint(date=r.date.date(), mentions=int(r.mentions), sentiment=_float(r.sentiment))
            for r in daily.itertuples(index=False)
        ],
        themes=themes(reader, car),
        forecasts=[
            ForecastPoint(
                target=r.target,
                date=r.date.date(),
                horizon=int(r.horizon),
                p10=r.p10,
                p50=r.p50,
                p90=r.p90,
            )
            for r in forecasts.itertuples(index=False)
        ],
        direction=direction(reader, car),
        price_index=[
            IndexPoint(
                month=r.month.date(),
                lots=int(r.lots),
                median_price=_float(r.median_price),
                index_value=_float(r.index_value),
            )
            for r in index.itertuples(index=False)
        ],
    )


def car_report(reader: SnapshotReader, reports: Path, car: str) -> Report:
    """The car's report (markdown) and the URLs of its plots under ``/reports/``."""
    known(reader, car)
    found = reader.frame(
        "SELECT generated_at, data_through, markdown FROM reports.car_reports WHERE car = ?",
        [car],
    )
    if found.empty:
        raise UnknownCar(f"no report for {car!r} yet: it is written by the per-car run")
    row = found.iloc[0]
    plots = sorted(p.name for p in reports.glob(f"{car}-*.png"))
    return Report(
        car=car,
        generated_at=row["generated_at"],
        data_through=row["data_through"] if pd.notna(row["data_through"]) else None,
        markdown=row["markdown"],
        plots=[f"/reports/{name}" for name in plots],
    )
