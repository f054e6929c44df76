"""The shared Reddit file the evaluations read their labelled texts from.

Its texts are never stored in the repository: labels are kept by submission id and the
texts are read from ``../shared/data`` at run time (absent on a user's clone, in which
case the evaluations say that part is skipped).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from vintage_ai_assets.text import MAX_TEXT_CHARS, post_text

REDDIT_FILE = "reddit_submissions_cars_teslamotors_2019-10_2020-02.ndjson"
DEFAULT_SHARED_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def submission_text(record: dict) -> str:
    """A submission's text as the clean layer builds it (title, then the body unless removed)."""
    return post_text(record.get("title"), record.get("selftext"))[:MAX_TEXT_CHARS]


def shared_file(shared_dir: Path | None = None) -> Path:
    """Where the shared Reddit file is looked for."""
    return (shared_dir or DEFAULT_SHARED_DIR) / REDDIT_FILE


def iter_submissions(path: Path) -> Iterator[dict]:
    """Every submission of the file, in file order."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def read_submissions(
    ids: set[str], shared_dir: Path | None = None
) -> tuple[dict[str, dict] | None, str]:
    """The submissions with these ids, by id, or (None, why they cannot be read)."""
    path = shared_file(shared_dir)
    if not path.is_file():
        return None, f"skipped: {path} not found (the Reddit part needs ../shared/data)"
    records = {r["id"]: r for r in iter_submissions(path) if r.get("id") in ids}
    missing = sorted(ids - set(records))
    if missing:
        return None, f"skipped: {len(missing)} labelled ids not in {path} (e.g. {missing[0]})"
    return records, f"read {len(records)} labelled submissions from {path}"
