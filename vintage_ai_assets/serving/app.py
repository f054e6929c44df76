"""The insights app (Streamlit): a board across the cars, a page per car and a price form,
read from the current snapshot of the public tables (as the HTTP API is), never from the
warehouse. ``vintage-ai app`` runs it (``streamlit run`` on this file).

Pages, chosen in the sidebar or by the URL (``?page=car&car=porsche-993``, ``?page=price``):

* **Board**: the alerts of the last 90 days, risers and fallers by sentiment change and by
  attention, a chart of the two changes, and one row per car with sparklines of 90 days of
  mentions and 7-day sentiment.
* **Car**: its alerts, sentiment and volume with their 90-day forecast bands, themes over
  time with quotes, the price index with the 6-month value direction, the recent sales.
* **Price a car**: p10 / p50 / p90 of a listing, the car it matched and similar sales.

Every chart is Altair (Vega-Lite, bundled with Streamlit: nothing is loaded from a CDN).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from vintage_ai_assets import settings
from vintage_ai_assets.paths import DataPaths
from vintage_ai_assets.serving import app_data as ad
from vintage_ai_assets.serving import read_model as rm

PAGES = {"board": "Board", "car": "Car", "price": "Price a car"}
NO_DATA = (
    "No published data yet: run `vintage-ai demo` first "
    "(or `vintage-ai backfill`, then `vintage-ai publish`)."
)
HISTORY = "#4c78a8"
FORECAST = "#f58518"
THEMES_SHOWN = 8


#: How a table of sales (recent ones, or a quote's similar ones) shows its columns.
SALES_COLUMNS = {
    "sold_at": st.column_config.DateColumn("sold", format="YYYY-MM-DD"),
    "year": st.column_config.NumberColumn("year", format="%d"),
    "mileage": st.column_config.NumberColumn("miles", format="%d"),
    "price_usd": st.column_config.NumberColumn("price (USD)", format="$%d"),
    "title": st.column_config.TextColumn("title", width="large"),
    "auction_house": "auction house",
    "url": st.column_config.LinkColumn("listing", display_text="open ›"),
}


@st.cache_resource
def _reader(serving: str) -> rm.SnapshotReader:
    """One reader per data directory: it reopens the snapshot when a newer one is published."""
    return rm.SnapshotReader(Path(serving))


@st.cache_resource
def _pricers(root: str) -> rm.Pricers:
    """The price model of the current snapshot, loaded once per snapshot."""
    paths = DataPaths(Path(root))
    return rm.Pricers(paths, _reader(str(paths.serving)))


def _percent(value: float | None, signed: bool = False) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{value:+.0%}" if signed else f"{value:.0%}"


def _number(value: float | None, spec: str = "+.2f") -> str:
    return "–" if value is None or pd.isna(value) else format(value, spec)


def _dollars(value: float) -> str:
    return f"${value:,.0f}"


# --- charts ------------------------------------------------------------------------------


def forecast_chart(
    history: pd.DataFrame, forecast: pd.DataFrame, what: str, bars: bool
) -> alt.LayerChart:
    """Six months of ``what`` (daily as dots or bars, its 7-day mean as a line), then the
    90-day forecast: p10–p90 shaded, p50 dashed."""
    x = alt.X("date:T", title=None)
    day = alt.Tooltip("date:T", title="day", format="%Y-%m-%d")
    daily = alt.Chart(history).encode(
        x=x,
        y=alt.Y("value:Q", title=what),
        tooltip=[day, alt.Tooltip("value:Q", title=what, format=".2f")],
    )
    daily = (
        daily.mark_bar(color=HISTORY, opacity=0.35)
        if bars
        else daily.mark_circle(color=HISTORY, opacity=0.35, size=18)
    )
    mean = (
        alt.Chart(history)
        .mark_line(color=HISTORY, strokeWidth=2)
        .encode(
            x=x,
            y="mean_7d:Q",
            tooltip=[day, alt.Tooltip("mean_7d:Q", title="7-day mean", format=".2f")],
        )
    )
    tips = [day, alt.Tooltip("horizon:Q", title="days ahead")] + [
        alt.Tooltip(f"{q}:Q", format=".2f") for q in ("p10", "p50", "p90")
    ]
    band = (
        alt.Chart(forecast)
        .mark_area(color=FORECAST, opacity=0.25)
        .encode(x=x, y="p10:Q", y2="p90:Q", tooltip=tips)
    )
    median = (
        alt.Chart(forecast)
        .mark_line(color=FORECAST, strokeDash=[5, 3], strokeWidth=2)
        .encode(x=x, y="p50:Q", tooltip=tips)
    )
    return (
        alt.layer(band, daily, mean, median)
        .properties(height=260, width="container")
        .interactive(bind_y=False)
    )


def themes_chart(shares: pd.DataFrame) -> alt.Chart:
    """The monthly share of each theme, stacked."""
    return (
        alt.Chart(shares)
        .mark_area(opacity=0.85)
        .encode(
            x=alt.X("yearmonth(month):T", title=None),
            y=alt.Y(
                "share:Q",
                stack="zero",
                title="share of the month's texts",
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color(
                "label:N",
                title="theme (largest first)",
                sort=alt.EncodingSortField("rank", order="ascending"),
                legend=alt.Legend(orient="right", labelLimit=260),
            ),
            order=alt.Order("rank:Q", sort="ascending"),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title="month"),
                alt.Tooltip("label:N", title="theme"),
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
        .properties(height=300, width="container")
        .interactive(bind_y=False)
    )


def index_chart(index: pd.DataFrame) -> alt.LayerChart:
    """The monthly price index as a line, each month's median sale as a dot sized by lots."""
    x = alt.X("month:T", title=None)
    tips = [
        alt.Tooltip("yearmonth(month):T", title="month"),
        alt.Tooltip("index_value:Q", title="index", format="$,.0f"),
        alt.Tooltip("median_price:Q", title="median sale", format="$,.0f"),
        alt.Tooltip("lots:Q", title="lots sold"),
    ]
    line = (
        alt.Chart(index)
        .mark_line(color=HISTORY, strokeWidth=2)
        .encode(
            x=x, y=alt.Y("index_value:Q", title="USD", axis=alt.Axis(format="$,.0f")), tooltip=tips
        )
    )
    dots = (
        alt.Chart(index)
        .mark_circle(color=FORECAST, opacity=0.5)
        .encode(x=x, y="median_price:Q", size=alt.Size("lots:Q", title="lots"), tooltip=tips)
    )
    return alt.layer(line, dots).properties(height=280, width="container").interactive(bind_y=False)


def changes_chart(rows: pd.DataFrame) -> alt.LayerChart:
    """Each car by its change in attention (x) and in sentiment (y), coloured by the
    probability that its value rises."""
    data = rows[["car", "name", "mentions_28d", "mentions_change", "sentiment_change"]].copy()
    data["direction"] = rows["direction_probability"]
    tips = [
        alt.Tooltip("name:N", title="car"),
        alt.Tooltip("mentions_28d:Q", title="mentions (28 days)"),
        alt.Tooltip("mentions_change:Q", title="attention change", format="+.0%"),
        alt.Tooltip("sentiment_change:Q", title="sentiment change", format="+.3f"),
        alt.Tooltip("direction:Q", title="P(value up, 6 months)", format=".0%"),
    ]
    base = alt.Chart(data).encode(
        x=alt.X(
            "mentions_change:Q",
            title="attention change (28 days)",
            axis=alt.Axis(format="+%"),
            scale=alt.Scale(padding=60),
        ),
        y=alt.Y(
            "sentiment_change:Q", title="sentiment change (28 days)", scale=alt.Scale(padding=30)
        ),
        tooltip=tips,
    )
    dots = base.mark_circle(opacity=0.85, stroke="#333", strokeWidth=0.5).encode(
        size=alt.Size("mentions_28d:Q", scale=alt.Scale(range=[60, 900]), legend=None),
        color=alt.Color(
            "direction:Q",
            title="P(value up)",
            scale=alt.Scale(scheme="redyellowgreen", domain=[0, 1]),
            legend=alt.Legend(format=".0%"),
        ),
    )
    names = base.mark_text(baseline="top", dy=16, fontSize=11).encode(text="name:N")
    zero = alt.Chart(pd.DataFrame({"zero": [0]}))
    rules = zero.mark_rule(color="#999", strokeDash=[3, 3]).encode(y="zero:Q") + zero.mark_rule(
        color="#999", strokeDash=[3, 3]
    ).encode(x="zero:Q")
    return alt.layer(rules, dots, names).properties(height=300, width="container").interactive()


# --- pages -------------------------------------------------------------------------------


def _movers_text(title: str, rows: pd.DataFrame, column: str, percent: bool) -> str:
    lines = [f"**{title}**", ""]
    for number, row in enumerate(rows.itertuples(index=False), start=1):
        change = getattr(row, column)
        shown = _percent(change, signed=True) if percent else _number(change, "+.3f")
        lines.append(f"{number}. {ad.markdown_text(row.name)} · **{ad.markdown_text(shown)}**")
    if len(lines) == 2:
        lines.append("_none_")
    return "\n".join(lines)


def board_page(reader: rm.SnapshotReader, rows: pd.DataFrame, snapshot) -> None:
    st.title("Market board")
    latest = rows["latest_date"].dropna().max() if "latest_date" in rows else None
    st.caption(
        f"{len(rows)} cars · data through {latest or '–'} · changes are the last 28 days "
        f"against the 28 before · snapshot published {snapshot.published_at:%Y-%m-%d %H:%M} UTC"
    )
    s_up, s_down = ad.movers(rows, "sentiment_change")
    a_up, a_down = ad.movers(rows, "mentions_change")
    columns = st.columns(4)
    columns[0].markdown(_movers_text("Sentiment risers", s_up, "sentiment_change", False))
    columns[1].markdown(_movers_text("Sentiment fallers", s_down, "sentiment_change", False))
    columns[2].markdown(_movers_text("Attention risers", a_up, "mentions_change", True))
    columns[3].markdown(_movers_text("Attention fallers", a_down, "mentions_change", True))
    alerts = ad.recent_alerts(reader)
    if len(alerts):
        with st.container(border=True):
            st.markdown(f"**Alerts** · {len(alerts)} in the last 90 days of data")
            for alert in alerts.head(10).itertuples(index=False):
                status = "active" if alert.active else f"until {alert.until:%Y-%m-%d}"
                st.markdown(f"- ⚠ {ad.markdown_text(alert.message)} · {status}")
    if rows["sentiment_change"].notna().any():
        st.altair_chart(changes_chart(rows))

    left, right, _ = st.columns([2, 1, 3])
    by = left.selectbox("Sort by", list(ad.SORTS), format_func=ad.SORTS.get, key="sort")
    descending = right.toggle("Descending", value=True, key="descending")
    table = ad.sort_board(rows, by, descending).copy()
    table["mentions_change_pct"] = table["mentions_change"] * 100
    table["direction_pct"] = table["direction_probability"] * 100
    st.dataframe(
        table,
        hide_index=True,
        column_order=[
            "name",
            "sentiment_28d",
            "sentiment_change",
            "sentiment_7d",
            "mentions_28d",
            "mentions_change_pct",
            "mentions_90d",
            "direction_pct",
            "page",
        ],
        column_config={
            "name": st.column_config.TextColumn("car", width="medium"),
            "sentiment_28d": st.column_config.NumberColumn("sentiment", format="%+.2f"),
            "sentiment_change": st.column_config.NumberColumn("change", format="%+.3f"),
            "sentiment_7d": st.column_config.LineChartColumn(
                "7-day sentiment, 90 days", y_min=-1, y_max=1
            ),
            "mentions_28d": st.column_config.NumberColumn("mentions", format="%d"),
            "mentions_change_pct": st.column_config.NumberColumn("change", format="%+.0f%%"),
            "mentions_90d": st.column_config.LineChartColumn("daily mentions, 90 days", y_min=0),
            "direction_pct": st.column_config.ProgressColumn(
                "P(value up, 6 months)", min_value=0, max_value=100, format="%.0f%%"
            ),
            "page": st.column_config.LinkColumn("page", display_text="open ›"),
        },
    )


def _theme_block(theme: rm.Theme) -> None:
    with st.container(border=True):
        trend = "growing ↑" if theme.growing else "steady"
        st.markdown(
            f"**{ad.markdown_text(theme.label)}** · {theme.share:.0%} of texts · sentiment "
            f"{_number(theme.sentiment)} · {trend}"
        )
        for quote in theme.quotes[:2]:
            st.markdown(f"> {ad.markdown_text(ad.short(quote))}")


def car_page(reader: rm.SnapshotReader, names: dict[str, str]) -> None:
    with st.sidebar:
        car = st.selectbox("Car", list(names), format_func=names.get, key="car")
    st.session_state["last_car"] = car
    detail = rm.car_detail(reader, car)
    summary = detail.summary
    st.title(summary.name)
    st.caption(
        f"`{car}` · built {summary.years[0]}–{summary.years[1]} · "
        f"data through {summary.latest_date or '–'}"
    )
    direction = detail.direction
    metrics = st.columns(4)
    metrics[0].metric(
        "Sentiment (28 days)",
        _number(summary.sentiment_28d),
        _number(summary.sentiment_change, "+.3f") if summary.sentiment_change is not None else None,
    )
    metrics[1].metric(
        "Mentions (28 days)",
        f"{summary.mentions_28d:,}",
        _percent(summary.mentions_change, signed=True)
        if summary.mentions_change is not None
        else None,
    )
    metrics[2].metric(
        "P(value up in 6 months)",
        _percent(direction.probability),
        help="the probability that the car's price index is higher in 6 months "
        f"(model status: {direction.status or 'none'}, as of {direction.month or '–'})",
    )
    metrics[3].metric("Themes", len(detail.themes))
    for alert in ad.recent_alerts(reader, car).itertuples(index=False):
        status = "still holding" if alert.active else f"held until {alert.until:%Y-%m-%d}"
        st.warning(f"{ad.markdown_text(alert.message)} · {status}", icon="⚠️")

    st.subheader("Sentiment and volume, with the 90-day forecast")
    st.caption(
        "Blue: the last six months (daily, and the 7-day mean as a line). Orange: the "
        "forecast, p10–p90 shaded and p50 dashed. Drag to pan, scroll to zoom."
    )
    left, right = st.columns(2)
    with left:
        st.markdown("**Sentiment** (−1 … +1)")
        history, forecast = ad.history_and_forecast(detail, "sentiment")
        st.altair_chart(forecast_chart(history, forecast, "sentiment", bars=False))
    with right:
        st.markdown("**Mentions per day**")
        history, forecast = ad.history_and_forecast(detail, "mentions")
        st.altair_chart(forecast_chart(history, forecast, "mentions", bars=True))

    st.subheader("Themes over time")
    shares = ad.theme_shares(detail, THEMES_SHOWN)
    if shares.empty:
        st.info("No themes for this car yet: they are fitted by the per-car run.")
    else:
        st.altair_chart(themes_chart(shares))
        columns = st.columns(2)
        for number, theme in enumerate(detail.themes[:THEMES_SHOWN]):
            with columns[number % 2]:
                _theme_block(theme)

    st.subheader("Price index")
    index = ad.price_index(detail)
    left, right = st.columns([3, 1])
    with left:
        if index.empty:
            st.info("No price index for this car yet.")
        else:
            st.altair_chart(index_chart(index))
    with right:
        st.metric("P(index higher in 6 months)", _percent(direction.probability))
        if direction.status:
            st.caption(f"as of {direction.month} · model status: {direction.status}")
        note = direction.backtest.get("note")
        if note:
            st.caption(ad.markdown_text(note))

    st.subheader("Recent sales")
    sales = ad.recent_sales(reader, car)
    if sales.empty:
        st.info("No sold lots of this car recorded yet.")
    else:
        st.dataframe(
            sales,
            hide_index=True,
            column_config=SALES_COLUMNS,
        )


def price_page(root: Path) -> None:
    from vintage_ai_assets.valuation.pricing import Listing, ListingError

    st.title("Price a car")
    st.caption(
        "p10 / p50 / p90 in USD from the platform's price model, the catalog car the listing "
        "matched and the most similar recent sales."
    )
    with st.form("price"):
        top = st.columns(4)
        make = top[0].text_input("Make", placeholder="Porsche")
        model = top[1].text_input("Model", placeholder="993")
        year = top[2].number_input("Year", min_value=1900, max_value=2100, value=1996, step=1)
        mileage = top[3].number_input(
            "Mileage (optional)", min_value=0.0, value=None, step=1000.0, placeholder="miles"
        )
        bottom = st.columns([3, 1])
        title = bottom[0].text_input(
            "Listing title (optional)", placeholder="tells close models apart"
        )
        sold_on = bottom[1].date_input("Sale date (optional)", value=None, help="default: today")
        submitted = st.form_submit_button("Price it", type="primary")
    if not submitted:
        return
    listing = Listing(
        make=make.strip(),
        model=model.strip(),
        year=int(year),
        mileage=None if mileage is None else float(mileage),
        title=title.strip() or None,
        sold_on=sold_on if isinstance(sold_on, date) else None,
    )
    try:
        quote = _pricers(str(root)).get().quote(listing)
    except ListingError as exc:
        st.error(str(exc).splitlines()[0] if str(exc) else "this listing cannot be priced")
        return
    except rm.NotReady as exc:
        st.warning(str(exc))
        return
    st.subheader(f"{quote.car.name} · {listing.year}")
    bands = st.columns(3)
    bands[0].metric("p10", _dollars(quote.p10))
    bands[1].metric("p50", _dollars(quote.p50))
    bands[2].metric("p90", _dollars(quote.p90))
    st.markdown(
        f"Matched **{ad.markdown_text(quote.car.name)}** (`{quote.car.slug}`) · priced as "
        f"**{ad.markdown_text(quote.priced_as)}** · sold on {quote.sold_on} · model "
        f"`{quote.model}`"
    )
    if quote.alternatives:
        st.markdown(
            "Also possible: "
            + ", ".join(f"`{slug}`" for slug in quote.alternatives)
            + " (a listing title tells them apart)"
        )
    st.markdown(f"**The {len(quote.comparables)} most similar sales**")
    if quote.comparables.empty:
        st.info(f"No sales of {quote.car.slug} recorded yet.")
        return
    st.dataframe(
        quote.comparables,
        hide_index=True,
        column_order=["sold_at", "year", "mileage", "price_usd", "title", "auction_house", "url"],
        column_config=SALES_COLUMNS,
    )


# --- the app -----------------------------------------------------------------------------


def _navigation(names: dict[str, str]) -> str:
    """The page to show: the sidebar's choice, first taken from the URL (``?page=car&car=…``),
    which then follows the choice so a page can be linked to."""
    asked = st.query_params.get("page")
    if "page" not in st.session_state:
        st.session_state["page"] = asked if asked in PAGES else "board"
    wanted = st.query_params.get("car")
    if "car" not in st.session_state or st.session_state["car"] not in names:
        last = st.session_state.get("last_car")  # the car page's last car
        chosen = wanted if wanted in names else last if last in names else next(iter(names))
        st.session_state["car"] = chosen
    with st.sidebar:
        st.header("Vintage AI")
        page = st.radio("Page", list(PAGES), format_func=PAGES.get, key="page")
    if wanted and wanted not in names and page == "car":
        st.warning(f"No car {wanted!r} in the catalog: showing {names[st.session_state['car']]}.")
    return page


def main() -> None:
    st.set_page_config(page_title="Vintage AI insights", page_icon="🚗", layout="wide")
    paths = settings.current().paths
    reader = _reader(str(paths.serving))
    try:
        snapshot = reader.current()
    except rm.NotReady:
        st.title("Vintage AI")
        st.warning(NO_DATA)
        return
    rows = ad.board(reader)
    if rows.empty:
        st.title("Vintage AI")
        st.warning(f"The published snapshot holds no cars yet. {NO_DATA}")
        return
    names = dict(zip(rows["car"], rows["name"], strict=True))
    page = _navigation(names)
    with st.sidebar:
        st.caption(
            f"{len(names)} cars · snapshot published {snapshot.published_at:%Y-%m-%d %H:%M} UTC"
        )
        st.caption(f"data directory: `{paths.root}`")
    if page == "car":
        car_page(reader, names)
        st.query_params.from_dict({"page": "car", "car": st.session_state["car"]})
    elif page == "price":
        price_page(paths.root)
        st.query_params.from_dict({"page": "price"})
    else:
        board_page(reader, rows, snapshot)
        st.query_params.clear()


main()
