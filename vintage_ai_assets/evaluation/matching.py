"""Car matching quality: precision and recall of ``CarMatcher`` on hand-labelled texts.

Two labelled sets, each split once and for all into DEV (rules were tuned on it) and TEST
(held out, about half; never looked at while tuning):

- ``data/matching_team.jsonl``: texts the team wrote, ``{"text", "cars", "note", "split"}``,
  across all catalog cars with the hard cases (siblings, modern namesakes, people, places,
  numbers, parts, model years, several cars in one text).
- ``data/matching_reddit_labels.jsonl``: labels only, ``{"id", "cars", "split"}``, for
  submissions of the shared Reddit file (``../shared/data``, never copied here): every
  submission that names a catalog make or model word or that any matcher matches, plus a
  fixed sample of the rest. Texts are read from the shared file at run time; when it is
  absent that part is skipped and the report says so.

Labelling guideline: a text is labelled with every catalog car it talks about (owning,
seeing, buying, parts for it, comparing it), not with siblings the catalog keeps apart
(512 TR, Miura SV, Countach LP400/LPI 800-4, 997 911, E46 M3, R230 SL ...), replicas,
people, places, events or products that share a name. Generic names follow the catalog:
"Countach", "Diablo", "Daytona", "Dino" with their make mean the catalog car, while the
names of lines still built ("911", "M3", "SL") name a catalog car only when the text pins
the generation (a model year, a code, a period detail); "a 92 Porsche 911" is the 964.

Metrics are micro precision/recall/F1 over (text, car) pairs, per source and split, for
the matcher and, as the baseline in the same run, a plain alias matcher that counts every
alias, weak alias and generic alias wherever it appears, without any context rule.

Run ``python -m vintage_ai_assets.evaluation.matching`` (``--shared-dir``, ``--out``).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from vintage_ai_assets.catalog import DEFAULT_CATALOG_PATH, Catalog, load_catalog
from vintage_ai_assets.cleaning.matching import CarMatcher, _bounded, _key
from vintage_ai_assets.evaluation.shared_reddit import (
    REDDIT_FILE,
    read_submissions,
    submission_text,
)

DATA_DIR = Path(__file__).with_name("data")
TEAM_FILE = DATA_DIR / "matching_team.jsonl"
REDDIT_LABELS_FILE = DATA_DIR / "matching_reddit_labels.jsonl"
DEFAULT_OUT = Path("benchmarks/results/eval_matching.json")
SPLITS = ("dev", "test")
TARGET_PRECISION = 0.95
TARGET_RECALL = 0.90


class PlainAliasMatcher:
    """The baseline: every catalog name counts wherever it appears, with no context rule."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._by_key: dict[str, list[str]] = {}
        phrases: list[str] = []
        for car in catalog.cars:
            for name in (*car.aliases, *car.weak_aliases, *car.generic_aliases):
                slugs = self._by_key.setdefault(_key(name), [])
                if car.slug not in slugs:
                    slugs.append(car.slug)
                phrases.append(name)
        self._pattern = _bounded(phrases)
        self._order = {slug: i for i, slug in enumerate(catalog.slugs)}

    def cars(self, text: str) -> list[str]:
        found = {
            slug
            for hit in self._pattern.finditer(text or "")
            for slug in self._by_key.get(_key(hit.group("core")), [])
        }
        return sorted(found, key=self._order.__getitem__)


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_team() -> list[dict]:
    """The team-written examples: text, cars, note, split."""
    return [{"source": "team", "id": str(i), **row} for i, row in enumerate(_read_jsonl(TEAM_FILE))]


def load_reddit(shared_dir: Path | None = None) -> tuple[list[dict] | None, str]:
    """The labelled Reddit submissions with their texts, or (None, why they are skipped)."""
    labels = {row["id"]: row for row in _read_jsonl(REDDIT_LABELS_FILE)}
    records, status = read_submissions(set(labels), shared_dir)
    if records is None:
        return None, status
    texts = {rid: submission_text(record) for rid, record in records.items()}
    rows = [
        {
            "source": "reddit",
            "id": rid,
            "text": texts[rid],
            "cars": row["cars"],
            "split": row["split"],
        }
        for rid, row in sorted(labels.items())
    ]
    return rows, status


def score(examples: Iterable[dict], predict: Callable[[str], list[str]]) -> tuple[dict, list]:
    """Micro precision/recall/F1 over (text, car) pairs and the examples with errors."""
    tp = fp = fn = texts = 0
    errors = []
    for ex in examples:
        texts += 1
        gold, pred = set(ex["cars"]), set(predict(ex["text"]))
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
        if gold != pred:
            error = {"source": ex["source"], "id": ex["id"]}
            if ex["source"] == "team":
                error["text"] = ex["text"]
            error |= {
                "gold": sorted(gold),
                "false_positives": sorted(pred - gold),
                "false_negatives": sorted(gold - pred),
            }
            errors.append(error)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    metrics = {
        "texts": texts,
        "pairs": tp + fn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }
    return metrics, errors


def evaluate(shared_dir: Path | None = None, catalog: Catalog | None = None) -> dict:
    """Precision/recall per source and split for the matcher and the plain-alias baseline."""
    catalog = catalog or load_catalog(DEFAULT_CATALOG_PATH)  # the labels use its slugs
    team = load_team()
    reddit, reddit_status = load_reddit(shared_dir)
    sources = {"team": team, **({"reddit": reddit} if reddit is not None else {})}
    matchers = {"matcher": CarMatcher(catalog), "baseline": PlainAliasMatcher(catalog)}
    result: dict = {
        "targets": {"precision": TARGET_PRECISION, "recall": TARGET_RECALL, "on": "test"},
        "reddit": reddit_status,
        "examples": {
            name: {split: sum(ex["split"] == split for ex in rows) for split in SPLITS}
            for name, rows in sources.items()
        },
        "metrics": {},
        "dev_errors": {},
    }
    for name, matcher in matchers.items():
        per: dict = {}
        dev_errors: list = []
        for source, rows in sources.items():
            per[source] = {}
            for split in SPLITS:
                chosen = [ex for ex in rows if ex["split"] == split]
                metrics, errors = score(chosen, matcher.cars)
                per[source][split] = metrics
                if split == "dev":
                    dev_errors.extend(errors)
        for split in SPLITS:
            chosen = [ex for rows in sources.values() for ex in rows if ex["split"] == split]
            per.setdefault("all", {})[split] = score(chosen, matcher.cars)[0]
        result["metrics"][name] = per
        result["dev_errors"][name] = dev_errors
    texts = [ex["text"] for rows in sources.values() for ex in rows]
    started = time.perf_counter()
    for text in texts:
        matchers["matcher"].cars(text)
    elapsed = max(time.perf_counter() - started, 1e-9)
    result["matcher_texts_per_second"] = round(len(texts) / elapsed)
    return result


def format_table(result: dict) -> str:
    lines = [
        f"{'matcher':<10} {'source':<7} {'split':<5} {'texts':>5} {'pairs':>5} "
        f"{'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7} {'f1':>6}"
    ]
    for name, per in result["metrics"].items():
        for source, splits in per.items():
            for split, m in splits.items():
                lines.append(
                    f"{name:<10} {source:<7} {split:<5} {m['texts']:>5} {m['pairs']:>5} "
                    f"{m['tp']:>4} {m['fp']:>4} {m['fn']:>4} {m['precision']:>9.3f} "
                    f"{m['recall']:>7.3f} {m['f1']:>6.3f}"
                )
    lines.append(f"reddit part: {result['reddit']}")
    lines.append(
        f"targets on test: precision >= {TARGET_PRECISION}, recall >= {TARGET_RECALL}; "
        f"matcher speed ~{result['matcher_texts_per_second']} texts/s"
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
    for error in result["dev_errors"]["matcher"]:
        what = error.get("text") or error["id"]
        print(
            f"  dev error [{error['source']}] FP={error['false_positives']} "
            f"FN={error['false_negatives']}: {what[:110]}"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
