"""Progress of long work as one line: done / total, rate and time left.

Long steps (embedding texts, fitting every car's models, drawing reports) count their work
with a :class:`Progress` that hands a line to ``report`` (an asset passes ``context.log.info``)
at most every ``every`` seconds and once at the end. Lines start with :data:`PREFIX`, which is
how the CLI's progress printer tells them from other log messages.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: Every progress message starts with this.
PREFIX = "progress: "


def duration(seconds: float) -> str:
    """``seconds`` for people: ``42s``, ``3m05s``, ``1h02m``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def progress_line(what: str, done: int, total: int, unit: str, elapsed: float) -> str:
    """``what 4,000/76,630 texts · 1,150/s · ~1m03s left`` (no rate before a second has
    passed, no time left when done)."""
    line = f"{what} {done:,}/{total:,} {unit}"
    if elapsed >= 1 and done:
        rate = done / elapsed
        line += f" · {rate:,.0f}/s" if rate >= 10 else f" · {rate:.1f}/s"
        if done < total:
            line += f" · ~{duration((total - done) / rate)} left"
    return line


class Progress:
    """Counts units of work done out of ``total`` and reports them every ``every`` seconds."""

    def __init__(
        self,
        what: str,
        total: int,
        unit: str,
        report: Callable[[str], object],
        every: float = 10.0,
    ) -> None:
        self.what, self.total, self.unit, self.report, self.every = (
            what,
            total,
            unit,
            report,
            every,
        )
        self.done = 0
        self.started = self.reported = time.monotonic()

    def advance(self, count: int = 1) -> None:
        """``count`` more units done; reports when ``every`` seconds passed or all is done."""
        self.done += count
        now = time.monotonic()
        if self.done >= self.total or now - self.reported >= self.every:
            self.reported = now
            self.report(PREFIX + self.line())

    def set(self, done: int) -> None:
        """The work done so far is ``done`` units."""
        self.advance(done - self.done)

    def line(self) -> str:
        return progress_line(
            self.what, self.done, self.total, self.unit, time.monotonic() - self.started
        )
