"""Mail cleaning quality: which lines of real owners' messages are the author's own words.

Data: ``data/owners_lines.jsonl`` — ``{"id", "split", "labels"}``, one letter per line of
the message's body (``O`` own, ``Q`` quoted, ``S`` signature, ``F`` footer, ``H`` header
or markup, ``B`` blank; guideline ``data/owners_guideline.md`` §1), for 480 messages of the
shared PorschePhiles/PorscheFans lists (texts read from ``../shared/data`` at run time,
never stored here), drawn by :data:`~vintage_ai_assets.evaluation.shared_mail.LINES_DRAW`
(no author or thread on both sides of DEV and TEST). Two annotators labelled every line
independently; the messages where they disagreed on own words were adjudicated by a
third. Origins:

- ``core-dev`` (60, DEV) and ``round1-test`` (210: the first TEST, own-words F1 between the
  annotators 0.990): the first rules were written on other messages and core-dev, frozen
  and run once on round1-test: F1 0.933 (P 0.887, R 0.983) against the quote filter's
  0.809 — below the target, so round1-test became DEV.
- ``round2-test`` (210, TEST; agreement 0.995): labelled while the rules were revised on
  the 270 DEV messages (a second message glued on after the list's end-of-message dot,
  wrapped quote lines, Outlook-style original messages, sign-off names with signature
  blocks under them), then run once with the rules frozen: F1 0.951 (P 0.920, R 0.984)
  against the quote filter's 0.806 (2026-12-03).

Metrics: precision, recall and F1 of the class ``O`` over non-blank lines (what
:func:`~vintage_ai_assets.cleaning.mail.own_words` keeps), for the cleaner and, in the
same run, the baseline that drops only ``>``-quoted lines. Also the share of messages
whose own words come out exactly.

Run ``python -m vintage_ai_assets.evaluation.mail_cleaning`` (``--shared-dir``, ``--out``).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from vintage_ai_assets.cleaning.mail import OWN, classify_lines
from vintage_ai_assets.evaluation.report import publish
from vintage_ai_assets.evaluation.shared_mail import read_messages

DATA_FILE = Path(__file__).with_name("data") / "owners_lines.jsonl"
DEFAULT_OUT = Path("benchmarks/results/eval_mail_cleaning.json")
TARGET_F1 = 0.95
_QUOTED = re.compile(r"^\s*>")


def load_labels(path: Path = DATA_FILE) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def quote_filter(text: str) -> list[str]:
    """The baseline: every line is the author's except those starting with ``>``."""
    return ["Q" if _QUOTED.match(line) else OWN for line in text.split("\n")]


def score(pairs: list[tuple[str, str]]) -> dict:
    """Own-words precision/recall/F1 over (gold, predicted) letters of non-blank lines."""
    tp = sum(g == OWN and p == OWN for g, p in pairs)
    fp = sum(g != OWN and p == OWN for g, p in pairs)
    fn = sum(g == OWN and p != OWN for g, p in pairs)
    precision = tp / max(1, tp + fp)
    recall = tp / max(1, tp + fn)
    return {
        "lines": len(pairs),
        "own_lines": tp + fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / max(1e-9, precision + recall), 4),
    }


def evaluate(shared_dir: Path | None = None) -> dict:
    labels = load_labels()
    messages, status = read_messages({row["id"] for row in labels}, shared_dir)
    result: dict = {"messages": status, "target_f1": TARGET_F1, "splits": {}}
    if messages is None:
        return result
    methods = {"cleaner": classify_lines, "quote_filter": quote_filter}
    for split in ("dev", "test"):
        rows = [row for row in labels if row["split"] == split]
        out: dict = {"messages": len(rows)}
        for name, method in methods.items():
            pairs, exact = [], 0
            for row in rows:
                text = messages[row["id"]]["text"]
                predicted = method(text)
                if len(predicted) != len(row["labels"]):
                    raise ValueError(
                        f"{row['id']}: {len(row['labels'])} labels for {len(predicted)} lines"
                    )
                kept = [(g, p) for g, p in zip(row["labels"], predicted, strict=True) if g != "B"]
                pairs += kept
                exact += all((g == OWN) == (p == OWN) for g, p in kept)
            out[name] = {**score(pairs), "messages_exact": round(exact / max(1, len(rows)), 4)}
        result["splits"][split] = out
    return result


def format_table(result: dict) -> str:
    lines = [
        f"mail cleaning: own-words lines of real owners' messages (target F1 ≥ {TARGET_F1} on TEST)",
        f"messages: {result['messages']}",
        f"{'split':<6}{'method':<14}{'lines':>7}{'own':>6}{'P':>8}{'R':>8}{'F1':>8}{'exact':>8}",
    ]
    for split, out in result["splits"].items():
        for name in ("cleaner", "quote_filter"):
            m = out[name]
            lines.append(
                f"{split:<6}{name:<14}{m['lines']:>7}{m['own_lines']:>6}{m['precision']:>8.3f}"
                f"{m['recall']:>8.3f}{m['f1']:>8.3f}{m['messages_exact']:>8.3f}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report path")
    args = parser.parse_args(argv)
    result = evaluate(args.shared_dir)
    publish(result, format_table(result), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
