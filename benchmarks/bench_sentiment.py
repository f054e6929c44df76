"""Sentiment throughput on owners' messages: ``score_texts`` (the pipeline's classifier,
embedding included) and ``score_rules``, 10,000 real messages, models loaded beforehand.

The texts are messages of the shared PorschePhiles/PorscheFans lists as the clean layer
keeps them (own words, under a thread starter's subject), distinct, in file order from
the start; without ``../shared/data`` the benchmark says so and stops. One-time costs
(loading or building the int8 ONNX encoder, loading the classifier) are excluded by a
warm-up on 50 other messages; the timed call embeds every text (the cache of
``nlp.text_embeddings`` is not used: a notebook's call pays the embedding).

    python benchmarks/bench_sentiment.py [--n 10000]

Prints a table and writes ``benchmarks/results/sentiment.json``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline_runs import write_results  # noqa: E402

from vintage_ai_assets.cleaning.mail import message_text, own_words  # noqa: E402
from vintage_ai_assets.evaluation.shared_mail import iter_messages, mail_file  # noqa: E402
from vintage_ai_assets.nlp.scoring import score_texts  # noqa: E402
from vintage_ai_assets.nlp.sentiment import score_rules  # noqa: E402
from vintage_ai_assets.sources.mailing_list import thread_subject  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "sentiment.json"
TARGET_SECONDS = 60.0


def owners_texts(n: int) -> list[str]:
    """The first ``n`` distinct non-empty own-words texts of the shared lists."""
    seen: dict[str, None] = {}
    for message in iter_messages(mail_file()):
        subject = message.get("subject") or ""
        reply = thread_subject(subject) != subject.strip().lower()
        text = message_text(subject, own_words(message.get("text") or ""), reply)
        if text:
            seen.setdefault(text)
        if len(seen) >= n:
            break
    return list(seen)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args(argv)
    if not mail_file().is_file():
        print(f"skipped: {mail_file()} not found (needs ../shared/data)")
        return 0
    texts = owners_texts(args.n + 50)
    warm, texts = texts[:50], texts[50:]
    start = time.perf_counter()
    score_texts(warm)
    score_rules(warm)
    load_seconds = time.perf_counter() - start
    timings = {}
    for name, scorer in (("score_texts (classifier)", score_texts), ("score_rules", score_rules)):
        start = time.perf_counter()
        scorer(texts)
        timings[name] = time.perf_counter() - start
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(
        f"{len(texts)} owners' messages (mean {words:.0f} words); warm-up and loading {load_seconds:.1f} s"
    )
    print(f"{'scorer':<28}{'seconds':>9}{'texts/s':>9}")
    for name, seconds in timings.items():
        print(f"{name:<28}{seconds:>9.1f}{len(texts) / seconds:>9.0f}")
    classifier = timings["score_texts (classifier)"]
    verdict = "met" if classifier <= TARGET_SECONDS else "not met"
    print(
        f"target: {args.n:,} messages in ≤ {TARGET_SECONDS:.0f} s with the models loaded — {verdict}"
    )
    write_results(
        RESULTS,
        {
            "texts": len(texts),
            "mean_words": round(words, 1),
            "load_seconds": round(load_seconds, 2),
            "seconds": {k: round(v, 2) for k, v in timings.items()},
            "texts_per_second": {k: round(len(texts) / v, 1) for k, v in timings.items()},
            "target_seconds": TARGET_SECONDS,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
