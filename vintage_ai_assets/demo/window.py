"""The demo's calendar: the window's days and months, posting times and time stamps."""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

from vintage_ai_assets.demo.spec import DemoSpec

#: Relative posting activity by UTC hour 0-22.
HOURS = (6, 5, 4, 3, 2, 1.5, 1, 1, 1.5, 2, 3, 4, 5, 5, 5, 6, 6, 7, 8, 8, 8, 8, 7)


def epoch(day: date) -> int:
    """Unix time of ``day``'s UTC midnight."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def month_key(ts: int) -> str:
    """``YYYY-MM`` of a Unix time (UTC)."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m")


def iso(ts: int) -> str:
    """ISO 8601 UTC time stamp of a Unix time, to the second."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Window:
    """The days of a :class:`DemoSpec`'s window and of its price history, and times in them."""

    def __init__(self, spec: DemoSpec) -> None:
        self.spec = spec
        self.start_ts = epoch(spec.start)
        self.end_ts = epoch(spec.end) + 86399
        self.onset = spec.fault_onset
        self.onset_ts = epoch(self.onset)
        self.span_days = max(1, (spec.end - spec.start).days)
        #: per month of the window: first day, last day, day timestamps, cumulative weights
        self.months = self._months()
        #: per price-history month before the window: first day, day timestamps
        self.history_months = self._history_months()

    def _months(self) -> list[tuple[date, date, list[int], list[float]]]:
        out = []
        first = date(self.spec.start.year, self.spec.start.month, 1)
        while first <= self.spec.end:
            nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            lo, hi = max(first, self.spec.start), min(nxt - timedelta(days=1), self.spec.end)
            days = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
            weights = [1.3 if d.weekday() >= 5 else 1.0 for d in days]
            out.append((lo, hi, [epoch(d) for d in days], list(accumulate(weights))))
            first = nxt
        return out

    def _history_months(self) -> list[tuple[date, list[int]]]:
        """(first day, day timestamps) of each price-history month before the window."""
        out = []
        first = date(self.spec.start.year, self.spec.start.month, 1)
        for _ in range(max(0, self.spec.price_history_months)):
            first = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
            nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            hi = min(nxt, self.spec.start) - timedelta(days=1)
            days = [epoch(first + timedelta(days=i)) for i in range((hi - first).days + 1)]
            out.append((first, days))
        return out[::-1]

    def root_ts(self, rng: random.Random, month: int) -> int:
        """A time in ``month`` of the window for a new thread (weekends and evenings busier)."""
        _, _, days, cum = self.months[month]
        day = days[bisect_right(cum, rng.random() * cum[-1])] if len(days) > 1 else days[0]
        hour = rng.choices(range(len(HOURS)), weights=HOURS)[0]
        return day + hour * 3600 + rng.randrange(3600)

    def after(self, rng: random.Random, ts: int, mean_minutes: float, cap_minutes: float) -> int:
        """A reply's time: minutes to days after ``ts``, never after the window."""
        delay = 60 + int(60 * min(rng.expovariate(1 / mean_minutes), cap_minutes))
        out = ts + delay
        if out > self.end_ts:
            out = ts + rng.randint(1, max(1, self.end_ts - ts))
        return min(out, self.end_ts)

    def later(self, rng: random.Random, ts: int, lo: int, hi: int) -> int | None:
        """``lo`` to ``hi`` seconds after ``ts`` within the window (None if it has ended)."""
        if ts + lo > self.end_ts:
            return None
        return min(self.end_ts, ts + rng.randint(lo, hi))

    def frac(self, ts: int) -> float:
        """How far into the window ``ts`` is, 0 to 1."""
        return min(1.0, max(0.0, (ts - self.start_ts) / (self.span_days * 86400)))
