"""The time span of each inbox file, remembered so that reading one day opens only the files
that can hold records of that day (a daily refresh must not reread years of archives).

A span is learnt while a file is read in full (every line is parsed to find its date
anyway) and is valid while the file keeps its size and modification time; a changed or
new file is read again. A file that was skipped had its unparsable lines quarantined on
its first read, so skipping loses nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from vintage_ai_assets.sources.records import TimeWindow


@dataclass
class FileSpans:
    """First and last record time per file, persisted as JSON at ``path`` (None: in memory)."""

    path: Path | None = None
    entries: dict[str, dict] = field(default_factory=dict)
    changed: bool = False

    @classmethod
    def load(cls, path: Path | None) -> FileSpans:
        """The spans stored at ``path`` (none when it is missing or unreadable)."""
        entries: dict[str, dict] = {}
        if path is not None and path.is_file():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                entries = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                entries = {}
        return cls(path, entries)

    def skip(self, file: Path, window: TimeWindow) -> bool:
        """Whether ``file``, unchanged since its span was learnt, has no record in ``window``."""
        entry = self.entries.get(str(file))
        if not entry or entry.get("stamp") != _stamp(file):
            return False
        if entry.get("first") is None:  # no dated record at all
            return True
        first = datetime.fromisoformat(entry["first"])
        last = datetime.fromisoformat(entry["last"])
        return last < window.start or first >= window.end

    def learn(self, file: Path, first: datetime | None, last: datetime | None) -> None:
        """Remember the span of a file that was just read in full."""
        self.entries[str(file)] = {
            "stamp": _stamp(file),
            "first": first.isoformat() if first else None,
            "last": last.isoformat() if last else None,
        }
        self.changed = True

    def save(self) -> None:
        """Write the spans (atomically) if anything was learnt."""
        if self.path is None or not self.changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        live = {k: v for k, v in self.entries.items() if Path(k).exists()}
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(live, out, sort_keys=True)
        os.replace(temporary, self.path)
        self.changed = False


class SpanTracker:
    """Collects the first and last record time while one file is read."""

    def __init__(self) -> None:
        self.first: datetime | None = None
        self.last: datetime | None = None

    def see(self, moment: datetime | None) -> None:
        if moment is None:
            return
        if self.first is None or moment < self.first:
            self.first = moment
        if self.last is None or moment > self.last:
            self.last = moment


def _stamp(file: Path) -> list[int]:
    stat = file.stat()
    return [stat.st_size, stat.st_mtime_ns]
