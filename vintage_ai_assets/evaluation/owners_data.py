"""The owners' labelled texts: real mailing-list messages and Instagram-style captions.

- ``data/owners_mail_labels.csv`` (``id,split,origin,label,cars``): sentiment and cars of
  messages of the shared PorschePhiles/PorscheFans lists, labels only (the texts are read
  from ``../shared/data`` at run time, never stored here). Drawn by
  :data:`~vintage_ai_assets.evaluation.shared_mail.MESSAGES_DRAW`: no author and no thread
  on both sides. Each message is turned into the raw post the mailing-list source makes of
  it, so evaluations see what the pipeline sees.
- ``data/captions.jsonl`` (``id, account, lang, text, cars``): 340 captions the team wrote
  in the style of Instagram posts about the Motor Valley cars and other classics (hashtags
  naming the car, reach hashtags naming others, cars in passing, Italian and five other
  languages), with the cars each post is about. Split by account: SHA-256 of
  ``"vintage-ai/captions-split:" + account`` % 100 < 45 is TEST, so no account is on both
  sides.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from vintage_ai_assets.evaluation.shared_mail import MAIL_FILE, read_messages
from vintage_ai_assets.sources import mailing_list

LABELS_FILE = Path(__file__).with_name("data") / "owners_mail_labels.csv"
CAPTIONS_FILE = Path(__file__).with_name("data") / "captions.jsonl"
CAPTIONS_SALT = "vintage-ai/captions-split:"
#: Cars labelled ``porsche-911?``: a 911 whose generation the message does not tell; any
#: 911 generation predicted for it is neither right nor wrong.
UNKNOWN_911 = "porsche-911?"
GENERATIONS_911 = frozenset(
    {
        "porsche-911-early",
        "porsche-911-g-series",
        "porsche-930-turbo",
        "porsche-964",
        "porsche-993",
        "porsche-996",
    }
)


def load_labels(path: Path = LABELS_FILE) -> list[dict]:
    """Label rows with ``cars`` as a set of slugs."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["cars"] = {c for c in row["cars"].split(";") if c}
    return rows


def load_examples(shared_dir: Path | None = None) -> tuple[list[dict] | None, str]:
    """Labelled rows with ``post`` (the raw post the mail source makes of the message,
    dated 1990-01-01 when its header had no date), or (None, why they are skipped)."""
    rows = load_labels()
    messages, status = read_messages({r["id"] for r in rows}, shared_dir)
    if messages is None:
        return None, status
    mapping = mailing_list.mapping_for(MAIL_FILE, mailing_list.load_mappings())
    for i, row in enumerate(rows):
        fields, _ = mailing_list.message_from_json(messages[row["id"]], mapping)
        fields["date"] = fields.get("date") or "1990-01-01T00:00:00"
        row["post"], _ = mailing_list.post_from_message(
            fields, f"labels:{i}", "list", mapping.author_is_hashed
        )
        row["author"] = messages[row["id"]].get("author_hash")
        row["thread"] = messages[row["id"]].get("thread_key")
    return rows, status


def load_captions(path: Path = CAPTIONS_FILE) -> list[dict]:
    """The captions with ``cars`` as a set, their ``split`` and the ``post`` a social export
    of them gives (kind ``post``, no car hint)."""
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    for i, row in enumerate(rows):
        bucket = int(hashlib.sha256(f"{CAPTIONS_SALT}{row['account']}".encode()).hexdigest(), 16)
        row["split"] = "test" if bucket % 100 < 45 else "dev"
        row["cars"] = set(row["cars"])
        row["author"] = row["account"]
        row["post"] = {
            "record_id": f"instagram:{row['id']}",
            "source": "instagram",
            "source_id": row["id"],
            "kind": "post",
            "thread_id": None,
            "community": None,
            "created_at": "2026-01-01T00:00:00",
            "author_hash": row["account"],
            "author_is_bot": False,
            "title": "",
            "text": row["text"],
            "url": None,
            "car_hint": None,
            "score": 0,
            "replies": 0,
            "locator": f"captions:{i + 1}",
        }
    return rows


def score_cars(gold: dict[str, set[str]], predicted: dict[str, set[str]]) -> dict:
    """Micro precision/recall/F1 over (message, car) pairs; ``porsche-911?`` not graded."""
    tp = fp = fn = 0
    for key, truth in gold.items():
        found = set(predicted.get(key, set()))
        if UNKNOWN_911 in truth:
            found -= GENERATIONS_911 - truth
        truth = truth - {UNKNOWN_911}
        tp += len(found & truth)
        fp += len(found - truth)
        fn += len(truth - found)
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return {
        "messages": len(gold),
        "pairs": tp + fn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / max(1e-9, precision + recall), 4),
    }
