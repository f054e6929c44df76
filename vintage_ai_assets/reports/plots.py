"""Plots rendered to PNG (headless), embeddable in Dagster metadata as markdown images."""

from __future__ import annotations

import base64
import functools
import io

import pandas as pd


@functools.cache
def pyplot():
    """``matplotlib.pyplot`` on the headless Agg backend, imported when a plot is drawn
    (~0.4 s to import; a process that only loads the definitions draws nothing)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def png_markdown(figure, alt: str) -> str:
    """A markdown image with the figure inlined as a base64 PNG (drawn once: the figure
    sets its own margins, as ``bbox_inches="tight"`` would draw it twice)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    pyplot().close(figure)
    return f"![{alt}](data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()})"


def forecast_grid(
    history: pd.DataFrame, forecasts: pd.DataFrame, target: str = "mentions", max_cars: int = 12
) -> str:
    """Small multiples: each car's recent daily ``target`` and its p10–p90 band and p50.

    ``history``: car, date, value; ``forecasts``: car, target, date, p10, p50, p90.
    """
    cars = list(dict.fromkeys(forecasts["car"]))[:max_cars]
    if not cars:
        return ""
    from matplotlib import dates

    cols = min(4, len(cars))
    rows = (len(cars) + cols - 1) // cols
    figure, axes = pyplot().subplots(rows, cols, figsize=(3.2 * cols, 2.2 * rows), squeeze=False)
    figure.subplots_adjust(left=0.05, right=0.98, bottom=0.08, top=1 - 0.45 / rows, hspace=0.5)
    for ax, car in zip(axes.ravel(), cars, strict=False):
        past = history[history["car"] == car].tail(180)
        future = forecasts[(forecasts["car"] == car) & (forecasts["target"] == target)]
        ax.plot(past["date"], past["value"], lw=0.8, color="#555")
        ax.fill_between(future["date"], future["p10"], future["p90"], alpha=0.3, color="#d62728")
        ax.plot(future["date"], future["p50"], lw=1.2, color="#d62728")
        ax.set_title(car, fontsize=8)
        ax.tick_params(labelsize=6)
        ax.xaxis.set_major_locator(dates.MonthLocator(interval=2))
        ax.xaxis.set_major_formatter(dates.DateFormatter("%b"))
    for ax in axes.ravel()[len(cars) :]:
        ax.axis("off")
    figure.suptitle(f"daily {target}: last 180 days and 90-day forecast (p10–p90)", fontsize=9)
    return png_markdown(figure, f"{target} forecasts")
