"""Train the ``car-sentiment-4`` head on DEV and write ``nlp/data/sentiment_head.json``.

DEV is the team's texts plus every Reddit label with split ``dev`` (see
:mod:`vintage_ai_assets.evaluation.sentiment`); TEST is never read here. The two parts' C
are chosen together by stratified 5-fold cross-validation on all of DEV, scored by the
out-of-fold macro-F1 on the Reddit rows of the random draw (the texts picked for
``round4-extra-dev`` are trained on but not scored: they were chosen to be rich in
positives and negatives), averaged over three fold seeds; then the head is refitted on all
of DEV. Needs the shared Reddit file (the labels are ids only).

Run ``python -m vintage_ai_assets.evaluation.train_sentiment`` (``--shared-dir``, ``--out``).
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

from vintage_ai_assets.evaluation.sentiment import (
    CHOSEN_ORIGINS,
    load_reddit,
    load_team,
    metrics,
)
from vintage_ai_assets.nlp.embeddings import DEFAULT_MODEL, embed_texts
from vintage_ai_assets.nlp.sentiment_classifier import (
    HEAD_FILE,
    cross_validated_labels,
    train_head,
)

C_GRID = (0.25, 0.5, 1.0, 2.0)
WORD_C_GRID = (1.0, 2.0, 4.0)
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
) -> tuple[tuple[float, float], dict[tuple[float, float], float]]:
    """The (C, word C) with the best mean out-of-fold macro-F1 on the ``scored`` rows."""
    table = {}
    truth = list(np.asarray(labels)[scored])
    for c, word_c in itertools.product(C_GRID, WORD_C_GRID):
        f1s = [
            metrics(
                truth,
                list(
                    cross_validated_labels(texts, labels, embeddings, c, seed=seed, word_c=word_c)[
                        scored
                    ]
                ),
            )["macro_f1"]
            for seed in CV_SEEDS
        ]
        table[(c, word_c)] = round(float(np.mean(f1s)), 4)
    # Ties go to the stronger regularisation.
    return max(table, key=lambda k: (table[k], -k[0], -k[1])), table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=HEAD_FILE)
    args = parser.parse_args(argv)
    examples = dev_examples(args.shared_dir)
    texts = [e["text"] for e in examples]
    labels = [e["label"] for e in examples]
    reddit_rows = np.array([e["origin"] != "team" for e in examples])
    drawn_rows = reddit_rows & np.array([e["origin"] not in CHOSEN_ORIGINS for e in examples])
    embeddings = embed_texts(texts)
    (c, word_c), table = choose_c(texts, labels, embeddings, drawn_rows)
    for (value, word_value), f1 in table.items():
        mark = "  <-" * ((value, word_value) == (c, word_c))
        print(
            f"C={value:<5} word C={word_value:<4} out-of-fold macro-F1 on the drawn Reddit "
            f"DEV rows {f1:.4f}{mark}"
        )
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
            "reddit_dev_drawn": int(drawn_rows.sum()),
            "labels": counts,
            "cv_macro_f1_drawn_reddit_dev": table[(c, word_c)],
        },
        word_c=word_c,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(head.to_json() + "\n", encoding="utf-8")
    print(f"trained on {len(examples)} DEV texts {counts}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
