"""Train the aboutness model on DEV and write ``cleaning/data/aboutness.json``.

DEV: the owners' mailing-list messages and the team's captions with split ``dev``
(:mod:`vintage_ai_assets.evaluation.owners_data`; TEST is never read here), each turned
into the post its source makes of it, reduced to its own words as the clean layer does,
and its candidates built as the clean layer builds them
(:func:`vintage_ai_assets.cleaning.aboutness.candidates`). A candidate
is positive when the message is labelled with its car; 911 generations of a message
labelled ``porsche-911?`` are left out. C and the threshold are chosen by grouped 5-fold
cross-validation (no author in two folds) for the best micro-F1 over (message, car) pairs,
candidates the text never reaches counted as misses. Then the model is refitted on all of
DEV.

Run ``python -m vintage_ai_assets.evaluation.train_aboutness`` (``--shared-dir``, ``--out``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from vintage_ai_assets.catalog import load_catalog
from vintage_ai_assets.cleaning import aboutness
from vintage_ai_assets.cleaning.mail import message_text, own_words
from vintage_ai_assets.cleaning.matching import CarMatcher
from vintage_ai_assets.evaluation.owners_data import (
    GENERATIONS_911,
    UNKNOWN_911,
    load_captions,
    load_examples,
)
from vintage_ai_assets.text import post_text

C_GRID = (0.1, 0.3, 1.0, 3.0)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.3, 0.81, 0.05))
FOLDS = 5


def post_candidates(matcher: CarMatcher, post: dict) -> list[aboutness.Candidate]:
    """A message's or post's candidates as the clean layer builds them (no thread context:
    the labelled texts are read one by one)."""
    if not str(post["source"]).startswith("mail:"):
        return aboutness.candidates(matcher, post_text(post.get("title"), post["text"]))
    reply = post["kind"] == "comment"
    title = post.get("title") or ""
    text = message_text(title, own_words(post["text"]), reply)
    community = post.get("community") or ""
    list_cars = matcher.cars(community)
    return aboutness.candidates(
        matcher,
        text,
        context_makes=matcher.makes_named(community) | matcher.makes_named(title),
        subject=title if reply else "",
        list_cars=list_cars if len(list_cars) == 1 else [],
        reply=reply,
    )


def candidate_table(examples: list[dict], matcher: CarMatcher):
    """Features, labels, author groups and (example index, car) of every graded candidate."""
    rows, labels, groups, keys = [], [], [], []
    for i, example in enumerate(examples):
        truth = example["cars"]
        for candidate in post_candidates(matcher, example["post"]):
            if UNKNOWN_911 in truth and candidate.car in GENERATIONS_911 - truth:
                continue
            rows.append([candidate.features[f] for f in aboutness.FEATURES])
            labels.append(candidate.car in truth)
            groups.append(example["author"] or example["id"])
            keys.append((i, candidate.car))
    return np.array(rows), np.array(labels), np.array(groups), keys


def pair_f1(keep: np.ndarray, labels: np.ndarray, gold_pairs: int) -> tuple[float, float, float]:
    tp = int((keep & labels).sum())
    fp = int((keep & ~labels).sum())
    precision, recall = tp / max(1, tp + fp), tp / max(1, gold_pairs)
    return precision, recall, 2 * precision * recall / max(1e-9, precision + recall)


def fit(x: np.ndarray, y: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000).fit(x, y)


def main(argv: list[str] | None = None) -> int:
    from sklearn.model_selection import GroupKFold

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=aboutness.MODEL_FILE)
    args = parser.parse_args(argv)
    examples, status = load_examples(args.shared_dir)
    if examples is None:
        raise SystemExit(f"cannot train: {status}")
    dev = [e for e in examples + load_captions() if e["split"] == "dev"]
    matcher = CarMatcher(load_catalog())
    x, y, groups, _ = candidate_table(dev, matcher)
    gold_pairs = sum(len(e["cars"] - {UNKNOWN_911}) for e in dev)
    table = {}
    for c in C_GRID:
        probability = np.zeros(len(y))
        for train, test in GroupKFold(FOLDS).split(x, y, groups):
            probability[test] = fit(x[train], y[train], c).predict_proba(x[test])[:, 1]
        for threshold in THRESHOLDS:
            table[(c, threshold)] = pair_f1(probability >= threshold, y, gold_pairs)
    (c, threshold), (precision, recall, f1) = max(table.items(), key=lambda kv: kv[1][2])
    print(
        f"{len(dev)} DEV messages, {len(y)} candidates ({int(y.sum())} about), {gold_pairs} labelled pairs"
    )
    print(
        f"chosen C={c} threshold={threshold}: out-of-fold P {precision:.3f} R {recall:.3f} F1 {f1:.3f}"
    )
    model = fit(x, y, c)
    trained = aboutness.AboutnessModel(
        model.coef_[0],
        float(model.intercept_[0]),
        threshold,
        {
            "messages": len(dev),
            "candidates": len(y),
            "C": c,
            "cv_precision": round(precision, 4),
            "cv_recall": round(recall, 4),
            "cv_f1": round(f1, 4),
        },
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(trained.to_json() + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
