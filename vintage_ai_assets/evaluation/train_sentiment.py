"""Train the ``car-sentiment-3`` head on DEV and write ``nlp/data/sentiment_head.json``.

DEV is the team's texts plus every Reddit label with split ``dev`` (see
:mod:`vintage_ai_assets.evaluation.sentiment`); TEST is never read here. C is chosen by
stratified 5-fold cross-validation on DEV (out-of-fold macro-F1 on the Reddit rows,
averaged over three fold seeds), then the head is refitted on all of DEV. Needs the shared
Reddit file (the labels are ids only).

Run ``python -m vintage_ai_assets.evaluation.train_sentiment`` (``--shared-dir``, ``--out``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from vintage_ai_assets.evaluation.sentiment import load_reddit, load_team, metrics
from vintage_ai_assets.nlp.embeddings import DEFAULT_MODEL, embed_texts
from vintage_ai_assets.nlp.sentiment_classifier import (
    HEAD_FILE,
    cross_validated_labels,
    train_head,
)

C_GRID = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0)
CV_SEEDS = (0, 1, 2)


def dev_examples(shared_dir: Path | None = None) -> list[dict]:
    """Team texts and the Reddit DEV labels with their texts (raises without the file)."""
    reddit, status = load_reddit(shared_dir)
    if reddit is None:
        raise SystemExit(f"cannot train: {status}")
    team = [dict(e, origin="team") for e in load_team()]
    return team + [e for e in reddit if e["split"] == "dev"]


def choose_c(
    texts: list[str], labels: list[str], embeddings: np.ndarray, scored: np.ndarray
) -> tuple[float, dict[float, float]]:
    """The C with the best mean out-of-fold macro-F1 on the ``scored`` rows."""
    table = {}
    for c in C_GRID:
        f1s = [
            metrics(
                list(np.asarray(labels)[scored]),
                list(cross_validated_labels(texts, labels, embeddings, c, seed=seed)[scored]),
            )["macro_f1"]
            for seed in CV_SEEDS
        ]
        table[c] = round(float(np.mean(f1s)), 4)
    return max(table, key=lambda c: (table[c], -c)), table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=HEAD_FILE)
    args = parser.parse_args(argv)
    examples = dev_examples(args.shared_dir)
    texts = [e["text"] for e in examples]
    labels = [e["label"] for e in examples]
    reddit_rows = np.array([e["origin"] != "team" for e in examples])
    embeddings = embed_texts(texts)
    c, table = choose_c(texts, labels, embeddings, reddit_rows)
    for value, f1 in table.items():
        print(f"C={value:<6} out-of-fold macro-F1 on Reddit DEV {f1:.4f}{'  <-' * (value == c)}")
    counts = {label: labels.count(label) for label in sorted(set(labels))}
    head = train_head(
        texts,
        labels,
        embeddings,
        c,
        DEFAULT_MODEL,
        trained_on={
            "examples": len(examples),
            "team": int((~reddit_rows).sum()),
            "reddit_dev": int(reddit_rows.sum()),
            "labels": counts,
            "cv_macro_f1_reddit_dev": table[c],
        },
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(head.to_json() + "\n", encoding="utf-8")
    print(f"trained on {len(examples)} DEV texts {counts}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
