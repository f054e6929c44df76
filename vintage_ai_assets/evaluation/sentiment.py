"""Sentiment quality: the car-community scorers against plain VADER on labelled enthusiast text.

Labelling guideline (one label per text: the author's attitude to the car, the brand or the
ownership/driving/buying experience the text is about)
---------------------------------------------------------------------------------------
- **positive**: the author is pleased: praise, joy, excitement, pride, satisfaction,
  relief ("what a beast", "best money I've spent", "no rust, no leaks", "finally mine!",
  good news they welcome, a fix that "works great").
- **negative**: the author is unhappy or reports a bad experience: complaints, criticism,
  disappointment, frustration, regret, worry about their own car, and first-hand accounts
  of a fault, breakdown, damage, accident, bad service or bad deal that is *actually
  happening* to them, even when the post ends with a request for help ("my car won't start
  after ...", "leaking oil out the wazoo, getting expensive", "a whole month for a service
  appointment"). A title that states such a problem ("Water leaking from glove
  compartment") counts too.
- **neutral**: everything else: questions and requests for advice that report no bad
  experience (buying advice, how-to, "is it normal that ...?", "which is more reliable?",
  a title that only names a symptom as a question), sale/want ads, news and facts told
  without a stance, feature requests and hypotheticals ("it would be cool if ..."),
  recurring moderator threads, jokes, and texts whose praise and complaint balance out.
  Questions and ads are neutral unless they express clear feeling.
- Mixed texts take the dominant attitude, usually the verdict the author ends on; a real
  tie is neutral. Sarcasm is labelled by what is meant.

Data (``vintage_ai_assets/evaluation/data``)
-------------------------------------------
- ``sentiment_team.csv`` (``text,label``): 150 car-community texts the team wrote (slang,
  emoji, negation, "but" clauses, questions, ads; many makes and eras). All DEV.
- ``sentiment_reddit_labels.csv`` (``id,split,label,origin``): labels only, for submissions
  of the shared r/cars + r/teslamotors file (``../shared/data``, never copied here). The
  text is built as the clean layer builds it (title, then the body unless ``[removed]``).
  Submissions are ordered by SHA-256 of ``"vintage-ai/sentiment-sample:" + id`` and taken
  per subreddit by rank in that order (:func:`draw_sample` redraws the table):

  ========== ================ ===== ==================================================
  ranks      origin           split how it was used
  ========== ================ ===== ==================================================
  1-225      core-dev         dev   SHA-256 of ``"vintage-ai/sentiment-split:" + id`` % 3 == 0
  1-225      round1-test      dev   the rest: TEST of round 1 (see below), now training data
  226-300    extra-dev        dev   added after the first tuning round
  301-450    round2-test      dev   TEST of round 2, now training data
  451-550    round3-test      dev   TEST of round 3, now training data
  551-750    round4-test      test  TEST of round 4: labelled before any method ran on it
  > 750      round4-extra-dev dev   320 picked for round 4 (below), not a random draw
  ========== ================ ===== ==================================================

- ``owners_mail_labels.csv`` (:mod:`vintage_ai_assets.evaluation.owners_data`): real
  messages of the classic-Porsche owners' lists, labelled for the author's own words by
  the owners' guideline (``owners_guideline.md`` §2, the same three classes): 2,100 DEV
  (one annotator each) and 420 TEST (two annotators, Cohen's kappa 0.945, 24
  disagreements adjudicated), split by thread and author. Reported here: ``owners_dev``
  (the shipped classifier never saw it). The owners' TEST is kept for the first method
  trained for owners' text (targets: macro-F1 ≥ 0.78, negative and positive F1 ≥ 0.65).

Protocol, honestly: round 1 tuned the rules ``car-vader-1`` on DEV, froze them, labelled
round1-test and ran it once: macro-F1 0.569 against VADER's 0.418. Round 2 folded it into
DEV, tuned ``car-vader-2``, labelled a fresh round2-test and ran it once: 0.518 against
0.356; the rules had hit their limit (most misses were first-hand problem reports told
without feeling words). Round 3 folded round2-test into DEV and trained
``car-sentiment-3`` (logistic regression over the MiniLM embedding and the rule
evidence), froze it, and ran it once on round3-test (200 posts, 51/139/10): 0.641 against
VADER's 0.364 and the rules' 0.589; retrained on the int8 ONNX vectors the pipeline
uses, 0.611. Only 10 positives made its positive F1 (and so the macro-F1) swing by 0.07
a text. Round 4 folded round3-test into DEV and added ``round4-extra-dev``: 320
submissions from ranks above 750, the 220 that ``car-sentiment-3`` found most likely
positive and the next 100 most likely negative (to give the rare classes more examples;
the labellers did not see the scores). It trained ``car-sentiment-4``
(:mod:`vintage_ai_assets.nlp.sentiment_classifier`: the round-3 model plus a word-n-gram
model, blended; both C chosen by 5-fold CV on DEV in
:mod:`vintage_ai_assets.evaluation.train_sentiment`, scored on the randomly drawn DEV rows
only), froze it, and ran it once on round4-test: 400 posts (200 per subreddit, twice the
round-3 size) labelled by the guideline, with 36 agreed DEV examples as calibration,
before any scorer ran on them. TEST texts identical to a DEV text (reposts) are left out
of the TEST figures and counted (1 of 400). Result, n=399 (92/281/26): macro-F1 0.733
(accuracy 0.830; F1 negative 0.762, neutral 0.882, positive 0.556) against VADER's 0.417
and the rules' 0.592; r/cars 0.751, r/teslamotors 0.718. DEV figures of
``car_sentiment`` below are out-of-fold predictions (the head never scores texts it was
fitted on).

Metrics per split (scikit-learn): macro-F1 over negative/neutral/positive, accuracy,
per-class F1 and n, for the classifier, the rules (``score_rules`` with its ±0.05 bands)
and, as the baseline in the same run, plain VADER (``SentimentIntensityAnalyzer().polarity_scores``
compound with its ±0.05 bands). When the shared file is absent the Reddit splits are
skipped and the report says so. Reports never contain Reddit text, only ids.

Run ``python -m vintage_ai_assets.evaluation.sentiment`` (``--shared-dir``, ``--out``).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from vintage_ai_assets.cleaning.language import detect_language
from vintage_ai_assets.cleaning.mail import message_text, own_words
from vintage_ai_assets.evaluation.owners_data import load_examples
from vintage_ai_assets.evaluation.shared_reddit import (
    REDDIT_FILE,
    read_submissions,
    submission_text,
)
from vintage_ai_assets.nlp import sentiment
from vintage_ai_assets.nlp import sentiment_classifier as classifier
from vintage_ai_assets.nlp.embeddings import embed_texts
from vintage_ai_assets.nlp.sentiment_classifier import load_head

DATA_DIR = Path(__file__).with_name("data")
TEAM_FILE = DATA_DIR / "sentiment_team.csv"
REDDIT_LABELS_FILE = DATA_DIR / "sentiment_reddit_labels.csv"
DEFAULT_OUT = Path("benchmarks/results/eval_sentiment.json")
LABELS = ("negative", "neutral", "positive")
TARGET_MACRO_F1 = 0.70
SAMPLE_SALT = "vintage-ai/sentiment-sample:"
SPLIT_SALT = "vintage-ai/sentiment-split:"
#: The draw per subreddit, in rank order: (texts, split, origin). The first block is split
#: between core-dev and round1-test by a second hash (see the module docstring).
DRAW_BLOCKS = (
    (225, "dev", "core-dev"),
    (75, "dev", "extra-dev"),
    (150, "dev", "round2-test"),
    (100, "dev", "round3-test"),
    (200, "test", "round4-test"),
)
#: DEV texts picked by a model rather than drawn: trained on, reported apart.
CHOSEN_ORIGINS = frozenset({"round4-extra-dev"})
DRAWN_DEV_ORIGINS = ("core-dev", "round1-test", "extra-dev", "round2-test", "round3-test")
ROUND3 = {
    "method": "car-sentiment-3",
    "split": "round3-test (now DEV)",
    "n": 200,
    "macro_f1": {"car_sentiment": 0.611, "car_vader": 0.589, "vader": 0.364},
}
ROUND2 = {
    "method": "car-vader-2",
    "split": "round2-test (now DEV)",
    "n": 300,
    "macro_f1": {"car_vader": 0.518, "vader": 0.356},
}
ROUND1 = {
    "method": "car-vader-1",
    "split": "round1-test (now DEV)",
    "n": 300,
    "macro_f1": {"car_vader": 0.569, "vader": 0.418},
    "report": "benchmarks/results/eval_sentiment_round1.json",
}


def _hash(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16)


def draw_sample(records: Iterable[dict]) -> dict[str, tuple[str, str]]:
    """id → (split, origin) of the randomly drawn labelled sample (see the module
    docstring), from the file; the picked ``round4-extra-dev`` texts are not part of it."""
    bounds = np.cumsum([size for size, _, _ in DRAW_BLOCKS])
    taken: Counter[str] = Counter()
    out: dict[str, tuple[str, str]] = {}
    for record in sorted(records, key=lambda r: _hash(SAMPLE_SALT + r["id"])):
        taken[record["subreddit"]] += 1
        block = int(np.searchsorted(bounds, taken[record["subreddit"]]))
        if block == len(DRAW_BLOCKS):
            continue  # beyond the draw
        _, split, origin = DRAW_BLOCKS[block]
        if origin == "core-dev" and _hash(SPLIT_SALT + record["id"]) % 3 != 0:
            origin = "round1-test"
        out[record["id"]] = (split, origin)
    return out


def _read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_team() -> list[dict]:
    return [{"text": row["text"], "label": row["label"]} for row in _read_csv(TEAM_FILE)]


def load_reddit_labels() -> list[dict]:
    return _read_csv(REDDIT_LABELS_FILE)


def load_reddit(shared_dir: Path | None = None) -> tuple[list[dict] | None, str]:
    """The labelled submissions with their texts, or (None, why they are skipped)."""
    labels = load_reddit_labels()
    records, status = read_submissions({row["id"] for row in labels}, shared_dir)
    if records is None:
        return None, status
    out = [
        {
            "id": row["id"],
            "split": row["split"],
            "origin": row["origin"],
            "label": row["label"],
            "subreddit": records[row["id"]]["subreddit"],
            "text": submission_text(records[row["id"]]),
        }
        for row in labels
    ]
    return out, status


def vader_scores(texts: list[str]) -> np.ndarray:
    """The baseline: plain VADER compound scores."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return np.array([analyzer.polarity_scores(text)["compound"] for text in texts], dtype=float)


def to_labels(scores: np.ndarray, band: float = 0.05) -> list[str]:
    """VADER's convention: ≥ +band positive, ≤ −band negative, else neutral."""
    return ["positive" if s >= band else "negative" if s <= -band else "neutral" for s in scores]


def metrics(truth: list[str], predicted: list[str]) -> dict:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    per_class = f1_score(truth, predicted, labels=list(LABELS), average=None, zero_division=0)
    return {
        "n": len(truth),
        "macro_f1": round(
            float(
                f1_score(truth, predicted, labels=list(LABELS), average="macro", zero_division=0)
            ),
            4,
        ),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "f1": {label: round(float(v), 4) for label, v in zip(LABELS, per_class, strict=True)},
        "confusion": {
            "labels": list(LABELS),
            "rows_true_cols_predicted": confusion_matrix(
                truth, predicted, labels=list(LABELS)
            ).tolist(),
        },
    }


METHODS = ("vader", "car_vader", "car_sentiment")


def evaluate_examples(
    examples: list[dict], head_labels: Sequence[str] | None = None, with_errors: bool = False
) -> dict:
    """The three methods on ``examples`` (dicts with text, label; Reddit ones also id).

    ``head_labels`` are the classifier's labels for the examples: out-of-fold predictions
    on DEV; by default the shipped head's, as on TEST.
    """
    texts = [e["text"] for e in examples]
    if head_labels is None:
        head_labels = sentiment.labels(load_head().score(texts, embed_texts(texts)))
    truth = [e["label"] for e in examples]
    rules = sentiment.score_rules(texts)
    predicted = {
        "vader": to_labels(vader_scores(texts)),
        "car_vader": list(sentiment.labels(rules)),
        "car_sentiment": list(head_labels),
    }
    out = {
        "n": len(examples),
        "label_counts": {label: truth.count(label) for label in LABELS},
        **{method: metrics(truth, labels) for method, labels in predicted.items()},
    }
    if with_errors:
        out["errors"] = [
            {
                # Reddit texts stay out of the report (ids only); team texts are ours.
                **({"id": e["id"]} if "id" in e else {"text": e["text"]}),
                "label": e["label"],
                "car_sentiment": p,
                "car_vader": r,
            }
            for e, p, r in zip(
                examples, predicted["car_sentiment"], predicted["car_vader"], strict=True
            )
            if p != e["label"]
        ]
    return out


def owners_dev_examples(shared_dir: Path | None = None) -> tuple[list[dict] | None, str]:
    """The owners' DEV messages (``data/owners_mail_labels.csv``) as the clean layer keeps
    them — own words under a thread starter's subject — with their labels. The shipped
    classifier was not trained on them, so its figures there are held out; the owners'
    TEST is not read."""
    examples, status = load_examples(shared_dir)
    if examples is None:
        return None, status
    out = []
    for e in examples:
        if e["split"] != "dev":
            continue
        post = e["post"]
        text = message_text(post["title"], own_words(post["text"]), post["kind"] == "comment")
        out.append({"id": e["id"], "text": text or post["title"], "label": e["label"]})
    return out, status


def held_out_examples(reddit: list[dict], dev: list[dict]) -> tuple[list[dict], int]:
    """The TEST examples, less those whose text is also a DEV text (a repost), and how
    many were left out."""
    seen = {e["text"] for e in dev}
    test = [e for e in reddit if e["split"] == "test"]
    kept = [e for e in test if e["text"] not in seen]
    return kept, len(test) - len(kept)


def _subset(examples: list[dict], labels: Sequence[str], keep) -> tuple[list[dict], list[str]]:
    rows = [(e, label) for e, label in zip(examples, labels, strict=True) if keep(e)]
    return [e for e, _ in rows], [label for _, label in rows]


def evaluate(shared_dir: Path | None = None) -> dict:
    """Macro-F1, accuracy, per-class F1 and n for VADER, the rules and the classifier."""
    head = load_head()
    team = load_team()
    reddit, reddit_note = load_reddit(shared_dir)
    result: dict = {
        "method": classifier.METHOD,
        "rules": sentiment.METHOD,
        "baseline": "vader (SentimentIntensityAnalyzer compound, bands ±0.05)",
        "target_macro_f1": TARGET_MACRO_F1,
        "head": {
            "C": head.c,
            "word_C": head.words.c if head.words else None,
            "word_terms": len(head.words.terms) if head.words else 0,
            "trained_on": head.trained_on,
        },
        "reddit": reddit_note,
        "earlier_rounds": [ROUND1, ROUND2, ROUND3],
        "splits": {},
    }
    dev = team + [e for e in reddit or [] if e["split"] == "dev"]
    dev_texts = [e["text"] for e in dev]
    dev_labels = list(
        classifier.cross_validated_labels(
            dev_texts,
            [e["label"] for e in dev],
            embed_texts(dev_texts),
            head.c,
            word_c=head.words.c if head.words else classifier.WORD_C,
        )
    )
    team_part = _subset(dev, dev_labels, lambda e: "id" not in e)
    result["splits"]["team_dev"] = evaluate_examples(*team_part, with_errors=True)
    owners, owners_note = owners_dev_examples(shared_dir)
    result["splits"]["owners_dev"] = (
        evaluate_examples(owners) if owners is not None else {"skipped": owners_note}
    )
    if reddit is None:
        result["splits"]["reddit_dev"] = {"skipped": reddit_note}
        result["splits"]["reddit_test"] = {"skipped": reddit_note}
        return result
    reddit_dev = _subset(dev, dev_labels, lambda e: e.get("origin") in DRAWN_DEV_ORIGINS)
    result["splits"]["reddit_dev"] = evaluate_examples(*reddit_dev, with_errors=True)
    result["splits"]["reddit_dev"]["by_origin"] = {
        origin: evaluate_examples(*_subset(*reddit_dev, lambda e, o=origin: e["origin"] == o))
        for origin in DRAWN_DEV_ORIGINS
    }
    result["splits"]["reddit_dev_picked"] = evaluate_examples(
        *_subset(dev, dev_labels, lambda e: e.get("origin") in CHOSEN_ORIGINS)
    )
    result["splits"]["dev"] = evaluate_examples(dev, dev_labels)
    test, reposts = held_out_examples(reddit, dev)
    result["test_reposts_of_dev_left_out"] = reposts
    test_texts = [e["text"] for e in test]
    test_labels = sentiment.labels(head.score(test_texts, embed_texts(test_texts)))
    result["splits"]["reddit_test"] = evaluate_examples(test, test_labels)
    result["splits"]["reddit_test"]["by_subreddit"] = {
        sub: evaluate_examples(*_subset(test, test_labels, lambda e, s=sub: e["subreddit"] == s))
        for sub in sorted({e["subreddit"] for e in test})
    }
    langs = Counter(detect_language(e["text"]) for e in reddit)
    result["language_check"] = {
        "detected": dict(langs),
        "note": "texts the clean layer would take as non-English stay unscored in the "
        "pipeline; the splits above score every text (the sample is English)",
    }
    texts = [e["text"] for e in reddit] * max(1, 10_000 // len(reddit) + 1)
    texts = [f"{t} #{i}" for i, t in enumerate(texts[:10_000])]  # distinct: no cache hits
    start = time.perf_counter()
    sentiment.score_rules(texts)
    result["seconds_for_10k_reddit_texts_rules"] = round(time.perf_counter() - start, 2)
    return result


def format_table(result: dict) -> str:
    lines = [
        f"sentiment: {result['method']} (rules {result['rules']} + MiniLM embedding, "
        f"C={result['head']['C']}, + word n-grams) vs VADER; target macro-F1 ≥ "
        f"{TARGET_MACRO_F1} on TEST (round4-test); DEV figures of car_sentiment are "
        "out-of-fold; reddit_dev = the drawn rows, reddit_dev_picked = round4-extra-dev",
        f"reddit: {result['reddit']}",
        f"{'split':<22}{'n':>5}  {'method':<14}{'macro-F1':>9}{'acc':>7}"
        f"{'F1 neg':>8}{'F1 neu':>8}{'F1 pos':>8}",
    ]
    rows = []
    for name, split in result["splits"].items():
        rows.append((name, split))
        rows += [(f"  {name[:6]} {o}", part) for o, part in split.get("by_origin", {}).items()]
        rows += [(f"  {name[:6]} r/{s}", part) for s, part in split.get("by_subreddit", {}).items()]
    for name, split in rows:
        if "skipped" in split:
            lines.append(f"{name:<22}  {split['skipped']}")
            continue
        for method in METHODS:
            m = split[method]
            lines.append(
                f"{name:<22}{m['n']:>5}  {method:<14}{m['macro_f1']:>9.3f}{m['accuracy']:>7.3f}"
                f"{m['f1']['negative']:>8.3f}{m['f1']['neutral']:>8.3f}{m['f1']['positive']:>8.3f}"
            )
    for name, split in result["splits"].items():
        if "label_counts" in split:
            lines.append(f"labels {name}: {split['label_counts']}")
    for r in result["earlier_rounds"]:
        lines.append(
            f"earlier: {r['method']}, run once on {r['split']}, n={r['n']}: macro-F1 "
            f"{r['macro_f1'].get('car_sentiment', r['macro_f1']['car_vader'])} "
            f"vs VADER {r['macro_f1']['vader']}"
        )
    if "seconds_for_10k_reddit_texts_rules" in result:
        lines.append(
            f"10,000 Reddit texts scored by the rules in "
            f"{result['seconds_for_10k_reddit_texts_rules']} s"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared-dir",
        type=Path,
        default=None,
        help=f"folder with {REDDIT_FILE} (default ../shared/data)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report path")
    args = parser.parse_args(argv)
    result = evaluate(args.shared_dir)
    print(format_table(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
