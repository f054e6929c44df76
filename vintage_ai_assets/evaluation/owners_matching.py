"""Car matching on real owners' messages: which catalog cars each mailing-list message is about.

Data: the cars of ``data/owners_mail_labels.csv`` (guideline ``data/owners_guideline.md``
§3: the cars the author's own words are about — not those named only in quotes, in a
signature or in passing), for messages of the shared PorschePhiles/PorscheFans lists.
TEST (labelled by two annotators, disagreements adjudicated) is never read while the
matcher or the aboutness model is tuned; DEV figures of the pipeline are out-of-fold
(grouped by author) when the model was trained on them.

Methods, in the same run: the **pipeline** (each message through
:func:`vintage_ai_assets.cleaning.mentions.build_mentions` as the mail source delivers it:
own words, list context, candidates and the aboutness model), the **rules** (the matcher
on the own words and subject, every car it names, no aboutness), and the **plain alias**
baseline (every catalog name anywhere in the message as sent). Micro precision / recall
/ F1 over (message, car) pairs; ``porsche-911?`` (a 911 of untold generation) not graded.

Both TESTs (420 messages, 174 captions) were run once, on 2026-12-03, with the method of
that day frozen (README, Evaluation). A later change to the matcher or the aboutness model
is tuned on them as DEV and judged on a freshly drawn and labelled TEST.

Run ``python -m vintage_ai_assets.evaluation.owners_matching`` (``--shared-dir``, ``--out``,
``--test`` to run TEST: once per frozen method).
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

from vintage_ai_assets.catalog import load_catalog
from vintage_ai_assets.cleaning import aboutness
from vintage_ai_assets.cleaning.mail import message_text, own_words
from vintage_ai_assets.cleaning.matching import CarMatcher
from vintage_ai_assets.cleaning.mentions import build_mentions
from vintage_ai_assets.evaluation.matching import PlainAliasMatcher
from vintage_ai_assets.evaluation.owners_data import load_captions, load_examples, score_cars
from vintage_ai_assets.evaluation.report import publish
from vintage_ai_assets.evaluation.train_aboutness import FOLDS, candidate_table, fit
from vintage_ai_assets.sources.records import posts_frame
from vintage_ai_assets.text import post_text

DEFAULT_OUT = Path("benchmarks/results/eval_owners_matching.json")
TARGET_PRECISION, TARGET_RECALL = 0.95, 0.90


def pipeline_cars(examples: list[dict], catalog) -> dict[str, set[str]]:
    """The cars the clean layer gives each labelled message."""
    posts = posts_frame([e["post"] for e in examples])
    result = build_mentions(posts, catalog)
    by_record = {e["post"]["record_id"]: e["id"] for e in examples}
    out: dict[str, set[str]] = {e["id"]: set() for e in examples}
    for record, car in zip(result.mentions["record_id"], result.mentions["car"], strict=True):
        out[by_record[record]].add(car)
    return out


def rule_cars(examples: list[dict], matcher: CarMatcher) -> dict[str, set[str]]:
    """Every car the matcher finds in the own words (and subject) of a message, or in the
    text of a post."""
    out = {}
    for e in examples:
        post = e["post"]
        if post["source"].startswith("mail:"):
            text = message_text(post["title"], own_words(post["text"]), post["kind"] == "comment")
        else:
            text = post_text(post.get("title"), post["text"])
        context = matcher.makes_named(post.get("community") or "")
        out[e["id"]] = set(matcher.cars(text, context))
    return out


def out_of_fold_cars(examples: list[dict], matcher: CarMatcher) -> dict[str, set[str]]:
    """DEV cars from aboutness models that never saw the message's author."""
    from sklearn.model_selection import GroupKFold

    model = aboutness.load_model()
    x, y, groups, keys = candidate_table(examples, matcher)
    keep = np.zeros(len(y), dtype=bool)
    for train, test in GroupKFold(FOLDS).split(x, y, groups):
        fitted = fit(x[train], y[train], model.trained_on.get("C", 1.0))
        keep[test] = fitted.predict_proba(x[test])[:, 1] >= model.threshold
    out: dict[str, set[str]] = {e["id"]: set() for e in examples}
    for (i, car), kept in zip(keys, keep, strict=True):
        if kept:
            out[examples[i]["id"]].add(car)
    return out


def evaluate(shared_dir: Path | None = None, run_test: bool = False) -> dict:
    examples, status = load_examples(shared_dir)
    result: dict = {"messages": status, "splits": {}}
    if examples is None:
        return result
    catalog = load_catalog()
    matcher = CarMatcher(catalog)
    plain = PlainAliasMatcher(catalog)
    captions = load_captions()
    dev_cars = out_of_fold_cars([e for e in examples + captions if e["split"] == "dev"], matcher)
    splits = ("dev", "test") if run_test else ("dev",)
    for (name, texts), split in itertools.product(
        (("mail", examples), ("captions", captions)), splits
    ):
        rows = [e for e in texts if e["split"] == split]
        gold = {e["id"]: e["cars"] for e in rows}
        if split == "dev":
            pipeline = {e["id"]: dev_cars[e["id"]] for e in rows}
        else:
            pipeline = pipeline_cars(rows, catalog)
        result["splits"][f"{name} {split}"] = {
            "pipeline": score_cars(gold, pipeline),
            "rules": score_cars(gold, rule_cars(rows, matcher)),
            "plain_alias": score_cars(
                gold,
                {
                    e["id"]: set(plain.cars(f"{e['post']['title']}\n{e['post']['text']}"))
                    for e in rows
                },
            ),
        }
    return result


def format_table(result: dict) -> str:
    lines = [
        f"owners' car matching (targets P ≥ {TARGET_PRECISION}, R ≥ {TARGET_RECALL} on TEST); "
        "DEV pipeline figures out-of-fold",
        f"messages: {result['messages']}",
        f"{'set':<14}{'method':<13}{'texts':>6}{'pairs':>7}{'P':>8}{'R':>8}{'F1':>8}",
    ]
    for split, methods in result["splits"].items():
        for name, m in methods.items():
            lines.append(
                f"{split:<14}{name:<13}{m['messages']:>6}{m['pairs']:>7}{m['precision']:>8.3f}"
                f"{m['recall']:>8.3f}{m['f1']:>8.3f}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report path")
    parser.add_argument("--test", action="store_true", help="also run TEST (frozen method)")
    args = parser.parse_args(argv)
    result = evaluate(args.shared_dir, args.test)
    publish(result, format_table(result), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
