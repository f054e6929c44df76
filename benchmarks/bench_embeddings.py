"""Embedding throughput: ``embed_texts`` (default backend) against plain sentence-transformers.

Both embed the same real texts in one process: plain ``SentenceTransformer.encode``
(torch, ``batch_size=32``) and :func:`vintage_ai_assets.nlp.embeddings.embed_texts`. The
texts come from the shared Reddit file (``../shared/data``): each submission as the clean
layer builds it, its title alone, and its body's paragraphs and lines, distinct, shuffled
with a fixed seed. Without the shared data the synthetic demo texts are used (and the
output says so). The texts are distinct, so de-duplication gives ``embed_texts`` nothing.

One-time costs (the ONNX export or loading it from the cache, loading the torch model, a
warm-up batch) are measured separately and excluded from the timed runs. Each timed round
embeds every text with both, in 10 chunks (of at least 1,000 texts), alternating which
goes first (torch, fast, fast, torch, ...), so changes of machine load hit both alike; a
round's speed-up is its total torch time over its total fast time, and the headline is
the median over rounds.

    python benchmarks/bench_embeddings.py [--n 10000] [--rounds 2] [--fresh-export]

Prints a table and writes ``benchmarks/results/embeddings.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vintage_ai_assets.evaluation.shared_reddit import DEFAULT_SHARED_DIR, REDDIT_FILE  # noqa: E402
from vintage_ai_assets.text import (  # noqa: E402
    MAX_TEXT_CHARS,
    is_removed,
    post_text,
    strip_markup,
)

RESULTS = ROOT / "benchmarks" / "results" / "embeddings.json"
BUCKETS = ((1, 16), (17, 32), (33, 64), (65, 128), (129, 255), (256, 10**9))


def reddit_texts(path: Path) -> list[str]:
    """Distinct texts from the Reddit submissions: posts, titles, paragraphs and lines."""
    records = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    seen: dict[str, None] = {}

    def add(text: str) -> None:
        text = text.strip()
        if len(text) >= 3:
            seen.setdefault(text[:MAX_TEXT_CHARS], None)

    for record in records:
        add(post_text(record.get("title"), record.get("selftext")))
    for record in records:
        add(strip_markup(record.get("title") or ""))
    bodies = [
        strip_markup(r.get("selftext") or "")
        for r in records
        if not is_removed(r.get("selftext") or "")
    ]
    for body in bodies:
        for paragraph in body.split("\n\n"):
            add(paragraph)
    for body in bodies:
        for line in body.split("\n"):
            add(line)
    return list(seen)


def demo_texts() -> list[str]:
    """Distinct texts from the synthetic demo inbox (when the shared data is absent)."""
    from vintage_ai_assets.catalog import load_catalog
    from vintage_ai_assets.demo.generator import write_demo_inbox

    seen: dict[str, None] = {}
    with tempfile.TemporaryDirectory() as folder:
        write_demo_inbox(Path(folder), load_catalog())
        for file in sorted(Path(folder).glob("*/*.*json*")):
            for line in file.open(encoding="utf-8"):
                if not line.strip():
                    continue
                record = json.loads(line)
                if "text" in record:
                    text = strip_markup(record["text"] or "")
                elif "body" in record:
                    text = strip_markup(record["body"] or "")
                else:
                    text = post_text(record.get("title"), record.get("selftext"))
                if len(text.strip()) >= 3:
                    seen.setdefault(text.strip(), None)
    return list(seen)


def load_texts(n: int) -> tuple[list[str], str]:
    path = DEFAULT_SHARED_DIR / REDDIT_FILE
    if path.is_file():
        texts, source = reddit_texts(path), f"real Reddit texts from {path}"
    else:
        texts = demo_texts()
        source = f"SYNTHETIC demo texts ({path} not found; real data would be more varied)"
    random.Random(7).shuffle(texts)
    if len(texts) < n:
        source += f"; only {len(texts)} distinct texts available (asked for {n})"
    return texts[:n], source


def _timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="number of texts (10000)")
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds of each (2)")
    parser.add_argument(
        "--chunks", type=int, default=10, help="interleaved chunks per round (>= 1,000 texts each)"
    )
    parser.add_argument("--batch-size", type=int, default=32, help="plain encode's batch size")
    parser.add_argument(
        "--fresh-export",
        action="store_true",
        help="export the ONNX model into a new temporary cache (measures the export cost)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from vintage_ai_assets.nlp import embeddings, onnx_encoder

    backend = embeddings.resolve_backend()
    fresh = tempfile.TemporaryDirectory(prefix="bench-onnx-") if args.fresh_export else None
    if fresh is not None:
        os.environ["VINTAGE_AI_MODEL_CACHE"] = fresh.name
    texts, source = load_texts(args.n)
    load_before = os.getloadavg()
    print(f"texts: {len(texts)} {source}")
    print(f"backend: {backend}; cpus: {os.cpu_count()}; load average: {load_before[0]:.2f}")

    exports_before = onnx_encoder.export_count
    fast, fast_load = _timed(embeddings.load_encoder)
    exported = onnx_encoder.export_count > exports_before
    plain, plain_load = _timed(embeddings.load_model)
    warm = texts[:64]
    _, fast_warm = _timed(embeddings.embed_texts, warm)
    _, plain_warm = _timed(plain.encode, warm)
    meta = getattr(fast, "meta", None)
    cache_dir = str(getattr(fast, "directory", "")) or None
    export_seconds = None
    if cache_dir:
        stored = json.loads((Path(cache_dir) / onnx_encoder.META_FILE).read_text())
        export_seconds = stored.get("export_seconds")

    def run_plain(chunk):
        return plain.encode(
            chunk,
            batch_size=args.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    # Each round embeds all the texts with both, chunk by chunk, alternating which goes
    # first, so a change of machine load hits both alike. Chunks keep >= 1,000 texts: plain
    # encode sorts each call by length, and smaller calls would pad more (1,000 measured
    # as fast as 3,000 in one call; 100 was 25% slower).
    count = max(1, min(args.chunks, len(texts) // 1000))
    chunks = [c for c in np.array_split(np.arange(len(texts)), count) if len(c)]
    reference = np.zeros((len(texts), 384), dtype=np.float32)
    candidate = np.zeros_like(reference)
    rounds = []
    for index in range(args.rounds):
        seconds = {"plain": 0.0, "fast": 0.0}
        chunk_ratios = []
        for number, rows in enumerate(chunks):
            chunk = [texts[i] for i in rows]
            order = ("plain", "fast") if (index + number) % 2 == 0 else ("fast", "plain")
            took = {}
            for which in order:
                if which == "plain":
                    vectors, took["plain"] = _timed(run_plain, chunk)
                    reference = _widen(reference, vectors.shape[1])
                    reference[rows] = vectors
                else:
                    vectors, took["fast"] = _timed(embeddings.embed_texts, chunk)
                    candidate = _widen(candidate, vectors.shape[1])
                    candidate[rows] = vectors
            seconds["plain"] += took["plain"]
            seconds["fast"] += took["fast"]
            chunk_ratios.append(took["plain"] / took["fast"])
        rounds.append(
            {
                "plain_seconds": round(seconds["plain"], 3),
                "fast_seconds": round(seconds["fast"], 3),
                "plain_texts_per_s": round(len(texts) / seconds["plain"], 1),
                "fast_texts_per_s": round(len(texts) / seconds["fast"], 1),
                "speedup": round(seconds["plain"] / seconds["fast"], 3),
                "chunk_speedup_min_max": [round(min(chunk_ratios), 2), round(max(chunk_ratios), 2)],
                "load_average": round(os.getloadavg()[0], 2),
            }
        )
    cosine = (np.asarray(reference, dtype=np.float64) * candidate).sum(axis=1)

    tokenizer = plain.tokenizer
    lengths = np.array(
        [len(ids) for ids in tokenizer(texts, truncation=True, max_length=512)["input_ids"]]
    )
    max_len = int(plain.max_seq_length or 512)
    lengths = np.minimum(lengths, max_len)
    buckets = []
    for low, high in BUCKETS:
        inside = (lengths >= low) & (lengths <= high)
        if inside.any():
            label = f"{low}-{high}" if high < 10**9 else f"{low} (truncated)"
            buckets.append(
                {
                    "tokens": label,
                    "texts": int(inside.sum()),
                    "mean_cosine": round(float(cosine[inside].mean()), 4),
                    "min_cosine": round(float(cosine[inside].min()), 4),
                }
            )

    speedup = statistics.median(r["speedup"] for r in rounds)
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "texts": len(texts),
        "source": source,
        "backend": backend,
        "model": embeddings.resolve_model(),
        "plain": f"SentenceTransformer.encode(batch_size={args.batch_size}), torch, CPU",
        "rounds": rounds,
        "plain_texts_per_s": statistics.median(r["plain_texts_per_s"] for r in rounds),
        "fast_texts_per_s": statistics.median(r["fast_texts_per_s"] for r in rounds),
        "speedup_median": round(speedup, 3),
        "mean_cosine": round(float(cosine.mean()), 5),
        "min_cosine": round(float(cosine.min()), 5),
        "cosine_by_tokens": buckets,
        "one_time_seconds": {
            "fast_load": round(fast_load, 2),
            "fast_exported_now": exported,
            "export_recorded": export_seconds,
            "fast_warmup_64": round(fast_warm, 2),
            "plain_load": round(plain_load, 2),
            "plain_warmup_64": round(plain_warm, 2),
        },
        "onnx": None if meta is None else {"cache": cache_dir, "workers": _threads(fast)},
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "versions": {p: _version(p) for p in onnx_encoder._VERSIONED},
        },
        "target_met": bool(speedup >= 3.0 and cosine.mean() >= 0.98),
    }

    print()
    print(
        f"{'round':>5} {'plain texts/s':>14} {'fast texts/s':>13} {'speed-up':>9} "
        f"{'chunks min-max':>15} {'load':>6}"
    )
    for index, r in enumerate(rounds, 1):
        low, high = r["chunk_speedup_min_max"]
        print(
            f"{index:>5} {r['plain_texts_per_s']:>14.1f} {r['fast_texts_per_s']:>13.1f} "
            f"{r['speedup']:>8.2f}x {f'{low:.2f}-{high:.2f}x':>15} {r['load_average']:>6.2f}"
        )
    print(
        f"{'median':>5} {result['plain_texts_per_s']:>14.1f} {result['fast_texts_per_s']:>13.1f} "
        f"{speedup:>8.2f}x"
    )
    print(f"\ncosine to plain: mean {cosine.mean():.4f}, min {cosine.min():.4f}")
    print(f"{'tokens':>16} {'texts':>6} {'mean cos':>9} {'min cos':>8}")
    for b in buckets:
        print(f"{b['tokens']:>16} {b['texts']:>6} {b['mean_cosine']:>9.4f} {b['min_cosine']:>8.4f}")
    one = result["one_time_seconds"]
    how = "exported now" if exported else "loaded from cache"
    print(
        f"\none-time (not timed above): fast encoder {one['fast_load']:.1f} s ({how}; "
        f"export recorded {export_seconds} s), torch model {one['plain_load']:.1f} s"
    )
    print(f"target (>= 3x, mean cosine >= 0.98): {'met' if result['target_met'] else 'NOT met'}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    if fresh is not None:
        fresh.cleanup()
    return 0


def _widen(matrix: np.ndarray, width: int) -> np.ndarray:
    """``matrix`` with ``width`` columns (a model other than the 384-dimensional default)."""
    return matrix if matrix.shape[1] == width else np.zeros((len(matrix), width), np.float32)


def _threads(encoder) -> int | None:
    workers = getattr(encoder, "workers", None)
    return None if workers is None else int(workers)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


if __name__ == "__main__":
    sys.exit(main())
