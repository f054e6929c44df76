"""The shared owners' mailing lists (PorschePhiles, PorscheFans) the owners' evaluations read.

Their texts are never stored in the repository: labels are kept by message id and the
texts are read from ``../shared/data`` at run time (absent on a user's clone, in which
case the evaluations say that part is skipped).

Labelled sets are drawn deterministically and split so that no thread and no author is on
both sides: each author and each thread key falls in the TEST bucket when
SHA-256(salt + key) % 100 < :data:`TEST_BUCKET_PERCENT`; a message is TEST-eligible when
both its author and its thread are in the TEST bucket, DEV-eligible when neither is, and
never drawn otherwise. Within a side, messages are taken in the order of
SHA-256(draw salt + id), among those of :data:`MIN_CHARS`..:data:`MAX_CHARS` characters
(96% of the messages; longer ones are mostly digests and forwarded articles).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from vintage_ai_assets.evaluation.shared_reddit import DEFAULT_SHARED_DIR

MAIL_FILE = "porsche_mailing_lists_1990-1997.jsonl.gz"
SPLIT_SALT = "vintage-ai/owners-split:"
TEST_BUCKET_PERCENT = 30
MIN_CHARS, MAX_CHARS = 40, 3000
#: The labelled draws: (draw salt, messages per side). Sentiment and cars share one draw.
MESSAGES_DRAW = ("vintage-ai/owners-sentiment:", {"test": 420, "dev": 2100})
LINES_DRAW = ("vintage-ai/owners-lines:", {"test": 420, "dev": 60})


def mail_file(shared_dir: Path | None = None) -> Path:
    """Where the shared mailing-list file is looked for."""
    return (shared_dir or DEFAULT_SHARED_DIR) / MAIL_FILE


def iter_messages(path: Path) -> Iterator[dict]:
    """Every message of the file, in file order."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _bucket(kind: str, key: str) -> int:
    return int(hashlib.sha256(f"{SPLIT_SALT}{kind}:{key}".encode()).hexdigest(), 16) % 100


def side_of(message: dict) -> str | None:
    """``test``, ``dev`` or None (author and thread on different sides: never drawn)."""
    author = _bucket("author", message.get("author_hash") or "") < TEST_BUCKET_PERCENT
    thread = _bucket("thread", message.get("thread_key") or "") < TEST_BUCKET_PERCENT
    if author and thread:
        return "test"
    if not author and not thread:
        return "dev"
    return None


def draw_rank(salt: str, message_id: str) -> str:
    """The sort key of a message in the draw named by ``salt``."""
    return hashlib.sha256(f"{salt}{message_id}".encode()).hexdigest()


def draw(messages: list[dict], salt: str, counts: dict[str, int]) -> dict[str, list[dict]]:
    """The first ``counts[side]`` eligible messages of each side, in draw order."""
    eligible = [m for m in messages if MIN_CHARS <= len(m.get("text") or "") <= MAX_CHARS]
    eligible.sort(key=lambda m: draw_rank(salt, m["id"]))
    out: dict[str, list[dict]] = {side: [] for side in counts}
    for message in eligible:
        side = side_of(message)
        if side in out and len(out[side]) < counts[side]:
            out[side].append(message)
    return out


def read_messages(
    ids: set[str], shared_dir: Path | None = None
) -> tuple[dict[str, dict] | None, str]:
    """The messages with these ids, by id, or (None, why they cannot be read)."""
    path = mail_file(shared_dir)
    if not path.is_file():
        return None, f"skipped: {path} not found (the owners' part needs ../shared/data)"
    records = {m["id"]: m for m in iter_messages(path) if m["id"] in ids}
    missing = sorted(ids - set(records))
    if missing:
        return None, f"skipped: {len(missing)} labelled ids not in {path} (e.g. {missing[0]})"
    return records, f"read {len(records)} labelled messages from {path}"
