"""A per-car report for a brand manager: three plots and a markdown summary.

Inputs are the car's rows of the warehouse tables (no Dagster, no warehouse access here):
the daily series and its forecasts, the themes and their monthly shares, the price index,
the value-direction probability and the sold-price estimate, each with its back-test.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vintage_ai_assets.parallel import map_in_processes
from vintage_ai_assets.reports.plots import pyplot

HISTORY_DAYS = 180
TOP_THEMES = 5
QUOTES_PER_THEME = 3
DPI = 80  # the PNG files
INLINE_DPI = 56  # the copies inlined in the materialisation's metadata (kept small)


@dataclass
class CarInputs:
    """One car's rows of the tables the report reads (any may be empty)."""

    car: str
    name: str
    daily: pd.DataFrame  # series.car_daily
    forecasts: pd.DataFrame  # forecasts.car_forecasts
    attention: dict  # models.attention_models row (status, metrics JSON)
    topics: pd.DataFrame  # nlp.car_topics
    shares: pd.DataFrame  # nlp.topic_shares
    index: pd.DataFrame  # series.price_index
    direction: dict  # models.value_direction row
    price_model: dict  # models.price_models row
    estimates: pd.DataFrame  # forecasts.price_estimates


@dataclass
class CarReport:
    car: str
    markdown: str
    images: dict[str, bytes] = field(default_factory=dict)  # name -> PNG
    data_through: pd.Timestamp | None = None
    thumbnails: dict[str, bytes] = field(default_factory=dict)  # name -> small PNG


def png(figure) -> tuple[bytes, bytes]:
    """The figure as PNG: (full size for files, a downscaled copy for inlining), then closed."""
    from PIL import Image

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    pyplot().close(figure)
    full = buffer.getvalue()
    image = Image.open(io.BytesIO(full))
    scale = INLINE_DPI / DPI
    small = image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)
    buffer = io.BytesIO()
    small.convert("RGB").quantize(colors=64).save(buffer, format="PNG", optimize=True)
    return full, buffer.getvalue()


def data_uri(image: bytes) -> str:
    return f"data:image/png;base64,{base64.b64encode(image).decode()}"


def _metrics(row: dict) -> dict:
    text = row.get("metrics") if row else None
    try:
        return json.loads(text) if isinstance(text, str) and text else {}
    except json.JSONDecodeError:
        return {}


def _smoothed_sentiment(daily: pd.DataFrame) -> pd.Series:
    weighted = (
        (daily["sentiment"].astype(float).fillna(0) * daily["scored"])
        .rolling(7, min_periods=1)
        .sum()
    )
    counts = daily["scored"].astype(float).rolling(7, min_periods=1).sum()
    return (weighted / counts.replace(0, np.nan)).ffill()


def series_plot(
    daily: pd.DataFrame, forecasts: pd.DataFrame, name: str
) -> tuple[bytes, bytes] | None:
    """Daily mentions and 7-day sentiment (last 180 days) with the 90-day p10–p90 bands."""
    if daily.empty:
        return None
    daily = _recent(daily)
    dates = pd.to_datetime(daily["date"])
    figure, axes = pyplot().subplots(2, 1, figsize=(7.5, 4.6), sharex=True)
    # Fixed margins: matplotlib's constrained layout doubled the drawing time of a report.
    figure.subplots_adjust(left=0.08, right=0.98, top=0.89, bottom=0.07, hspace=0.25)
    history = {
        "mentions": daily["mentions"].astype(float).to_numpy(),
        "sentiment": _smoothed_sentiment(daily).to_numpy(),
    }
    titles = {"mentions": "mentions per day", "sentiment": "sentiment (7-day mean, −1..+1)"}
    for ax, target in zip(axes, ("mentions", "sentiment"), strict=True):
        ax.plot(dates, history[target], lw=0.7, color="#555", label="observed")
        if target == "mentions":
            smooth = pd.Series(history[target]).rolling(7, min_periods=1).mean()
            ax.plot(dates, smooth, lw=1.2, color="#1f77b4", label="7-day mean")
        future = forecasts[forecasts["target"] == target].sort_values("date")
        if len(future):
            when = pd.to_datetime(future["date"])
            ax.fill_between(when, future["p10"], future["p90"], alpha=0.25, color="#d62728",
                            label="forecast p10–p90")  # fmt: skip
            ax.plot(when, future["p50"], lw=1.2, color="#d62728", label="forecast p50")
        ax.set_title(titles[target], fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="upper left", ncol=4)
    figure.suptitle(f"{name}: attention and sentiment, with the 90-day forecast", fontsize=10)
    return png(figure)


def theme_plot(shares: pd.DataFrame, topics: pd.DataFrame, name: str) -> tuple[bytes, bytes] | None:
    """Monthly share of mentions of the car's largest themes."""
    import matplotlib.dates
    import matplotlib.ticker

    if shares.empty or topics.empty:
        return None
    top = topics.sort_values("size", ascending=False).head(TOP_THEMES)
    wide = shares.pivot_table(index="month", columns="topic_id", values="share", aggfunc="sum")
    figure, ax = pyplot().subplots(figsize=(9.0, 3.0))
    figure.subplots_adjust(left=0.08, right=0.62, top=0.88, bottom=0.12)
    for row in top.itertuples(index=False):
        if row.topic_id in wide.columns:
            label = str(row.label)[:40]
            ax.plot(pd.to_datetime(wide.index), wide[row.topic_id].fillna(0), marker="o",
                    ms=3, lw=1.2, label=label)  # fmt: skip
    locator = matplotlib.dates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(matplotlib.dates.ConciseDateFormatter(locator))
    ax.set_ylabel("share of mentions", fontsize=8)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    ax.set_title(f"{name}: largest themes, share of mentions per month", fontsize=10)
    return png(figure)


def price_plot(
    index: pd.DataFrame, direction: dict, estimates: pd.DataFrame, name: str
) -> tuple[bytes, bytes] | None:
    """The monthly price index (and valuation) with the direction probability and the
    typical example's p10–p90 estimate."""
    import matplotlib.ticker

    if index.empty or (index["index_value"].isna().all() and index["valuation"].isna().all()):
        return None
    index = index.sort_values("month")
    months = pd.to_datetime(index["month"])
    figure, ax = pyplot().subplots(figsize=(7.5, 3.2))
    figure.subplots_adjust(left=0.12, right=0.98, top=0.88, bottom=0.1)
    ax.scatter(months, index["median_price"], s=10, color="#aaa", label="median sold price")
    ax.plot(months, index["index_value"], marker="o", ms=3, lw=1.4, color="#1f77b4",
            label="price index (year/mileage adjusted)")  # fmt: skip
    if index["valuation"].notna().any():
        ax.plot(months, index["valuation"], lw=1.0, ls="--", color="#2ca02c", label="valuation")
    typical = estimates[estimates["kind"] == "typical"] if len(estimates) else estimates
    if len(typical):
        row = typical.iloc[0]
        when = pd.to_datetime(row["as_of"])
        ax.errorbar([when], [row["p50"]], yerr=[[row["p50"] - row["p10"]], [row["p90"] - row["p50"]]],
                    fmt="s", color="#d62728", capsize=4, label="typical example p10–p90")  # fmt: skip
    probability = direction.get("probability") if direction else None
    if probability is not None and np.isfinite(probability):
        status = direction.get("status", "")
        text = f"P(higher in 6 months) = {probability:.2f}"
        if status != "ok":
            text += f"\n({status.replace('_', ' ')})"
        ax.text(0.99, 0.04, text, transform=ax.transAxes, ha="right", va="bottom", fontsize=9,
                bbox={"boxstyle": "round", "fc": "white", "ec": "#999"})  # fmt: skip
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("${x:,.0f}"))
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title(f"{name}: monthly price index (USD)", fontsize=10)
    return png(figure)


def _money(value: float) -> str:
    return f"${value:,.0f}" if value is not None and np.isfinite(value) else "n/a"


def _attention_lines(inputs: CarInputs) -> list[str]:
    daily = inputs.daily.sort_values("date")
    if daily.empty:
        return ["No mentions collected yet."]
    last = pd.to_datetime(daily["date"]).max()
    dates = pd.to_datetime(daily["date"])
    recent = daily[dates > last - pd.Timedelta(days=30)]
    before = daily[(dates <= last - pd.Timedelta(days=30)) & (dates > last - pd.Timedelta(days=60))]
    earlier = daily[
        (dates <= last - pd.Timedelta(days=30)) & (dates > last - pd.Timedelta(days=120))
    ]
    lines = []
    n_recent, n_before = int(recent["mentions"].sum()), int(before["mentions"].sum())
    change = f" ({n_recent / n_before - 1:+.0%} vs the 30 days before)" if n_before else ""
    lines.append(
        f"- **Mentions:** {n_recent:,} in the last 30 days, {n_recent / 30:.1f} a day{change}."
    )
    forecasts = inputs.forecasts
    volume = forecasts[(forecasts["target"] == "mentions") & (forecasts["horizon"] <= 30)]
    if len(volume):
        lines.append(
            f"- **Next 30 days:** about {volume['p50'].mean():.1f} mentions a day "
            f"(daily range p10–p90 {volume['p10'].mean():.1f}–{volume['p90'].mean():.1f}; "
            f"{volume['method'].iloc[0]})."
        )

    def mean_sentiment(part: pd.DataFrame) -> float:
        scored = part["scored"].sum()
        return (
            float((part["sentiment"].fillna(0) * part["scored"]).sum() / scored)
            if scored
            else np.nan
        )

    s_recent, s_earlier = mean_sentiment(recent), mean_sentiment(earlier)
    if np.isfinite(s_recent):
        delta = (
            f" ({s_recent - s_earlier:+.2f} vs the 90 days before)"
            if np.isfinite(s_earlier)
            else ""
        )
        lines.append(f"- **Sentiment:** {s_recent:+.2f} on −1..+1 over the last 30 days{delta}.")
    mood = forecasts[(forecasts["target"] == "sentiment") & (forecasts["horizon"] <= 30)]
    if len(mood):
        lines.append(
            f"- **Sentiment next 30 days:** {mood['p50'].mean():+.2f} "
            f"(p10–p90 {mood['p10'].mean():+.2f} to {mood['p90'].mean():+.2f})."
        )
    metrics = _metrics(inputs.attention)
    status = (inputs.attention or {}).get("status")
    if status and status != "ok":
        lines.append(
            "- **Forecast status:** insufficient history — the forecast is the recent level "
            "with its range, not a model."
        )
    skill = []
    for target, what in (("mentions", "volume"), ("sentiment", "sentiment")):
        model = metrics.get(f"{target}_30d_lightgbm_mase")
        naive = metrics.get(f"{target}_30d_seasonal_naive_mase")
        recent28 = metrics.get(f"{target}_30d_recent28_mase")
        coverage = metrics.get(f"{target}_30d_lightgbm_coverage")
        if model is not None and naive is not None and np.isfinite(model):
            skill.append(
                f"{what} MASE {model:.2f} (seasonal naive {naive:.2f}, recent 28 days "
                f"{recent28:.2f}), {coverage:.0%} of days inside p10–p90"
            )
    if skill:
        windows = int(metrics.get("mentions_30d_windows", 0))
        lines.append(
            f"- **Forecast skill** (back-test, {windows} rolling 30-day windows; lower MASE is "
            f"better, 80% inside is calibrated): " + "; ".join(skill) + "."
        )
    return lines


def _theme_lines(inputs: CarInputs) -> list[str]:
    topics, shares = inputs.topics, inputs.shares
    if topics.empty:
        return ["No themes found yet."]
    labels = topics.set_index("topic_id")["label"].astype(str)
    lines = []
    if len(shares):
        wide = shares.pivot_table(index="month", columns="topic_id", values="share", aggfunc="sum")
        wide = wide.sort_index().fillna(0)
        if len(wide) >= 2:
            last = wide.iloc[-1]
            before = wide.iloc[-4:-1].mean() if len(wide) >= 4 else wide.iloc[:-1].mean()
            growth = (last - before).sort_values(ascending=False)
            growing = [
                f'"{labels.get(topic, topic)}" {last[topic]:.0%} of mentions '
                f"({growth[topic] * 100:+.0f} pts vs the 3 months before)"
                for topic in growth.index[:3]
                if growth[topic] > 0.01 and topic in labels.index
            ]
            if growing:
                lines.append("- **Growing themes:** " + "; ".join(growing) + ".")
            else:
                lines.append("- **Growing themes:** none grew by more than 1 point last month.")
    largest = topics.sort_values("size", ascending=False).head(3)
    parts = []
    for row in largest.itertuples(index=False):
        mood = f", sentiment {row.sentiment:+.2f}" if pd.notna(row.sentiment) else ""
        parts.append(f'"{row.label}" ({row.share:.0%}{mood})')
    lines.append("- **Largest themes:** " + "; ".join(parts) + ".")
    for row in largest.itertuples(index=False):
        quotes = getattr(row, "representatives", None)
        quotes = [] if quotes is None else [str(q) for q in quotes][:QUOTES_PER_THEME]
        if quotes:
            lines.append(f'  - "{row.label}": ' + " · ".join(f"“{q}”" for q in quotes))
    return lines


def _value_lines(inputs: CarInputs) -> list[str]:
    lines = []
    direction = inputs.direction or {}
    probability = direction.get("probability")
    if probability is not None:
        metrics = _metrics(direction)
        status = direction.get("status", "")
        text = f"- **Value direction:** P(price index higher in 6 months) = {probability:.2f}"
        if status == "ok":
            text += f" ({direction.get('method', 'model')})."
        else:
            months = direction.get("train_car_months")
            counted = f" of the {int(months)} car-months with a known outcome" if months else ""
            text += (
                f" — {status.replace('_', ' ')}: this is the share{counted} whose index rose "
                "over 6 months (the base rate), not a judgement on this car."
            )
        lines.append(text)
        if metrics.get("backtest_model_brier") is not None:
            lines.append(
                f"- **Direction skill** (rolling back-test, {int(metrics['backtest_origins'])} "
                f"origins, {int(metrics['backtest_car_months'])} car-months; Brier, lower is "
                f"better): model {metrics['backtest_model_brier']:.3f} vs base rate "
                f"{metrics.get('backtest_base_rate_brier', np.nan):.3f}, always up "
                f"{metrics.get('backtest_always_up_brier', np.nan):.3f}, same as the last 6 "
                f"months {metrics.get('backtest_persistence_brier', np.nan):.3f}; accuracy "
                f"{metrics.get('backtest_model_accuracy', np.nan):.0%}."
            )
        elif metrics.get("note"):
            lines.append(
                f"- **Direction skill:** no back-test on this history ({metrics['note']})."
            )
    typical = (
        inputs.estimates[inputs.estimates["kind"] == "typical"]
        if len(inputs.estimates)
        else inputs.estimates
    )
    if len(typical):
        row = typical.iloc[0]
        miles = f" with {row['mileage']:,.0f} miles" if pd.notna(row["mileage"]) else ""
        lines.append(
            f"- **Price range:** a typical {row['title']}{miles} would sell for about "
            f"{_money(row['p50'])} (p10–p90 {_money(row['p10'])}–{_money(row['p90'])}) "
            f"at the {pd.Timestamp(row['as_of']):%B %Y} market."
        )
    index = inputs.index
    if len(index):
        dates = pd.to_datetime(index["month"])
        recent = index[dates > dates.max() - pd.DateOffset(months=6)]
        sold = int(recent["lots"].sum())
        if sold:
            lines.append(
                f"- **Recent sales:** {sold} sold in the last 6 months, monthly median "
                f"{_money(recent['median_price'].median())}."
            )
    price = inputs.price_model or {}
    if price.get("rmsle_model") is not None and np.isfinite(price["rmsle_model"]):
        lines.append(
            f"- **Price skill** (the car's {int(price['test_lots'])} lots of the last months, "
            f"estimated by a model fitted before them; RMSLE, lower is better): "
            f"{price['rmsle_model']:.3f} vs per-model median {price['rmsle_model_median']:.3f} "
            f"and global median {price['rmsle_global_median']:.3f}; "
            f"{price['coverage_p10_p90']:.0%} inside p10–p90."
        )
    return lines or ["No auction results or valuations yet."]


#: Bumped whenever a plot's drawing changes, so cached PNGs of the old look are not reused.
PLOT_VERSION = "2"


def _fingerprint(*parts) -> str:
    """A hash of a plot's inputs (frames by content, dicts by their JSON)."""
    digest = hashlib.blake2b(f"{PLOT_VERSION}|{DPI}|{INLINE_DPI}".encode(), digest_size=12)
    for part in parts:
        if isinstance(part, pd.DataFrame):
            digest.update(",".join(map(str, part.columns)).encode())
            lists = [c for c in part.columns if part[c].dtype == object]  # e.g. quotes
            hashable = part.astype({c: str for c in lists}) if lists else part
            digest.update(pd.util.hash_pandas_object(hashable, index=False).to_numpy().tobytes())
        else:
            digest.update(json.dumps(part, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _recent(daily: pd.DataFrame) -> pd.DataFrame:
    """The days the series plot draws."""
    return daily.sort_values("date").tail(HISTORY_DAYS) if len(daily) else daily


def _cached_plot(cache: Path | None, car: str, name: str, key: str, draw):
    """``draw()``, or the PNGs it made last time from the same inputs (kept in ``cache``)."""
    if cache is None:
        return draw()
    full, small = cache / f"{car}-{name}-{key}.png", cache / f"{car}-{name}-{key}.small.png"
    if full.is_file() and small.is_file():
        return full.read_bytes(), small.read_bytes()
    drawn = draw()
    if drawn is not None:
        cache.mkdir(parents=True, exist_ok=True)
        for stale in cache.glob(f"{car}-{name}-*.png"):
            stale.unlink(missing_ok=True)
        for path, data in ((full, drawn[0]), (small, drawn[1])):
            temporary = path.with_name(f".{path.name}.tmp")
            temporary.write_bytes(data)
            temporary.replace(path)
    return drawn


def build_report(
    inputs: CarInputs, generated_at: pd.Timestamp, cache: Path | None = None
) -> CarReport:
    """The markdown summary and PNG plots of one car.

    With ``cache`` (a folder), a plot whose inputs did not change since it was last drawn is
    read back instead of drawn again: the themes and the prices change weekly, not daily.
    """
    daily = inputs.daily
    through = pd.to_datetime(daily["date"]).max() if len(daily) else None
    car, name = inputs.car, inputs.name
    images = {
        "series": _cached_plot(
            cache, car, "series", _fingerprint(name, _recent(daily), inputs.forecasts),
            lambda: series_plot(daily, inputs.forecasts, name),
        ),
        "themes": _cached_plot(
            cache, car, "themes", _fingerprint(name, inputs.shares, inputs.topics),
            lambda: theme_plot(inputs.shares, inputs.topics, name),
        ),
        "price": _cached_plot(
            cache, car, "price",
            _fingerprint(name, inputs.index, inputs.direction, inputs.estimates),
            lambda: price_plot(inputs.index, inputs.direction, inputs.estimates, name),
        ),
    }  # fmt: skip
    header = [
        f"# {inputs.name} — market report",
        "",
        f"Data through {through:%Y-%m-%d}; generated {generated_at:%Y-%m-%d %H:%M} UTC. "
        f"Car: `{inputs.car}`."
        if through is not None
        else f"No data yet; generated {generated_at:%Y-%m-%d %H:%M} UTC. Car: `{inputs.car}`.",
    ]
    body = [
        "",
        "## Attention and sentiment",
        *_attention_lines(inputs),
        "",
        "## Themes",
        *_theme_lines(inputs),
        "",
        "## Value",
        *_value_lines(inputs),
        "",
    ]
    drawn = {k: v for k, v in images.items() if v is not None}
    return CarReport(
        inputs.car,
        "\n".join([*header, *body]),
        {k: v[0] for k, v in drawn.items()},
        through,
        {k: v[1] for k, v in drawn.items()},
    )


def build_reports(
    inputs: list[CarInputs],
    generated_at: pd.Timestamp,
    workers: int | None = None,
    cache: Path | None = None,
    on_done: Callable[[], object] | None = None,
) -> list[CarReport]:
    """``build_report`` for many cars, in order, drawn by ``workers`` processes at once
    (default: the CPUs this process may use); ``on_done`` is called as each is ready."""
    n = len(inputs)
    return map_in_processes(
        build_report, inputs, [generated_at] * n, [cache] * n, workers=workers, on_done=on_done
    )


def with_images(markdown: str, images: dict[str, str]) -> str:
    """The report with its images (name -> URI or relative path) appended."""
    captions = {
        "series": "Mentions and sentiment with the 90-day forecast",
        "themes": "Theme shares over time",
        "price": "Price index with the direction probability",
    }
    parts = [markdown.rstrip(), ""]
    for name, uri in images.items():
        parts += [f"![{captions.get(name, name)}]({uri})", ""]
    return "\n".join(parts)
