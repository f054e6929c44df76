"""What the demo generates: its window, cars, volume and seed, and the signals it plants."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

FAULT_CAR = "ferrari-355-gtb"
FAULT_TERMS = (
    "valve guide",
    "valve guides",
    "manifold crack",
    "manifold cracks",
    "cracked manifold",
)
FAULT_SHARE = 0.4
FAULT_VOLUME_BUMP = 1.15
RISING_CAR = "lancia-delta-integrale"
RISING_VOLUME_FACTOR = 3.0
RISING_PRICE_GAIN = 0.40

SOURCE_SHARES = {"reddit": 0.45, "forum": 0.40, "instagram": 0.15}
NOISE_SHARES = {
    "duplicate": 0.03,
    "spam": 0.02,
    "foreign": 0.03,
    "removed": 0.01,
    "bot": 0.01,
    "general": 0.005,
}

#: The demo's length: 18 months of texts, ending the day before it is generated.
DEMO_MONTHS = 18


def months_before(day: date, months: int) -> date:
    """The same day of the month ``months`` earlier (the month's last day if shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class DemoSpec:
    """What to generate: the window (inclusive), the cars, the volume and the seed.

    The defaults are the reference window the benchmarks use; ``vintage-ai demo`` asks for
    :meth:`ending` yesterday. The same spec always writes the same files.
    """

    start: date = date(2025, 5, 1)
    end: date = date(2026, 10, 31)  # inclusive
    cars: tuple[str, ...] | None = None  # subset of catalog slugs; None = whole catalog
    texts_per_car_month: float = 95.0  # average per car and month, before the planted trend
    seed: int = 7
    #: Auction results and valuation points also cover this many months before ``start``
    #: (market history for the value-direction model; texts cover the window only).
    price_history_months: int = 0

    @classmethod
    def ending(cls, end: date, months: int = DEMO_MONTHS, **fields) -> DemoSpec:
        """``months`` of texts ending on ``end`` (inclusive): 2026-10-31 → from 2025-05-01."""
        return cls(start=months_before(end + timedelta(days=1), months), end=end, **fields)

    @property
    def fault_onset(self) -> date:
        """When the planted fault begins: the first of the month nearest the window's middle
        (so it keeps its place in the window, whatever the dates)."""
        middle = self.start + (self.end - self.start) / 2
        this_month = date(middle.year, middle.month, 1)
        next_month = (this_month + timedelta(days=32)).replace(day=1)
        nearest = min((this_month, next_month), key=lambda d: (abs((d - middle).days), d))
        return min(max(nearest, self.start), self.end)
