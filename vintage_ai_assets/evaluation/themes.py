"""Theme quality: do the themes group messages the way their threads do?

Messages of one thread share a topic, so the agreement (normalised mutual information,
NMI) between a car's theme labels and the threads its messages belong to measures how
well themes follow topics. The baseline, in the same run and on the same embeddings, is
PCA to 5 dimensions + KMeans with 10 clusters. Messages the theme finder leaves without a
theme (hdbscan noise) count as one more cluster, which is the conservative choice.

Ground truth: threads of at least ``MIN_THREAD`` messages. This machine has no real
multi-message threads (the shared Reddit file holds submissions only), so the default
run uses the threads of the synthetic demo data; ``--threads FILE`` evaluates any JSONL
of {car, thread_id, text} (e.g. real forum threads) instead.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import normalized_mutual_info_score

from vintage_ai_assets.nlp.embeddings import embed_texts
from vintage_ai_assets.nlp.topics import fit_topics

MIN_THREAD = 4
MIN_CAR_MESSAGES = 40
DEFAULT_OUT = Path("benchmarks/results/eval_themes.json")
DEMO_CARS = (
    "ferrari-355-gtb",
    "ferrari-testarossa",
    "porsche-993",
    "bmw-e30-m3",
    "lamborghini-countach-25th",
    "mercedes-sl-r107",
)


def baseline_labels(embeddings: np.ndarray, seed: int = 0) -> np.ndarray:
    """PCA to 5 dimensions, then KMeans with 10 clusters."""
    k = min(10, len(embeddings))
    reduced = PCA(
        n_components=min(5, embeddings.shape[1], len(embeddings)), random_state=seed
    ).fit_transform(embeddings)
    return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(reduced)


def evaluate_threads(messages: pd.DataFrame) -> dict:
    """NMI against threads per car, for the theme finder and the baseline.

    ``messages``: car, thread_id, text. Only threads with at least ``MIN_THREAD``
    messages and cars with at least ``MIN_CAR_MESSAGES`` such messages are used.
    """
    sizes = messages.groupby(["car", "thread_id"])["text"].transform("size")
    data = messages[sizes >= MIN_THREAD]
    per_car = []
    for car, group in data.groupby("car"):
        if len(group) < MIN_CAR_MESSAGES:
            continue
        texts = group["text"].tolist()
        vectors = embed_texts(texts)
        labels, topics = fit_topics(texts, vectors)
        base = baseline_labels(vectors)
        threads = group["thread_id"].astype(str).to_numpy()
        per_car.append(
            {
                "car": car,
                "messages": len(group),
                "threads": int(group["thread_id"].nunique()),
                "themes": int(len(topics)),
                "noise_share": float(np.mean(labels < 0)),
                "nmi_themes": float(normalized_mutual_info_score(threads, labels)),
                "nmi_baseline": float(normalized_mutual_info_score(threads, base)),
            }
        )
    table = pd.DataFrame(per_car)
    if table.empty:
        return {"cars": [], "nmi_themes": None, "nmi_baseline": None}
    weights = table["messages"]
    return {
        "cars": per_car,
        "messages": int(weights.sum()),
        "nmi_themes": float(np.average(table["nmi_themes"], weights=weights)),
        "nmi_baseline": float(np.average(table["nmi_baseline"], weights=weights)),
    }


def demo_threads(cars: tuple[str, ...] = DEMO_CARS) -> pd.DataFrame:
    """Messages of the synthetic demo's Reddit and forum threads (car, thread_id, text)."""
    from vintage_ai_assets.catalog import load_catalog
    from vintage_ai_assets.cleaning.mentions import build_mentions
    from vintage_ai_assets.demo.generator import DemoSpec, write_demo_inbox
    from vintage_ai_assets.sources import reddit_archive, social_export
    from vintage_ai_assets.sources.records import TimeWindow

    catalog = load_catalog()
    spec = DemoSpec(start=date(2025, 11, 1), end=date(2026, 4, 30), cars=cars)
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp)
        write_demo_inbox(inbox, catalog, spec)
        window = TimeWindow(
            pd.Timestamp(spec.start).to_pydatetime(),
            pd.Timestamp(spec.end + pd.Timedelta(days=1)).to_pydatetime(),
        )
        posts = pd.concat(
            [
                reddit_archive.read_inbox(inbox / "reddit", window).accepted,
                social_export.read_inbox(inbox / "social", window).accepted,
            ],
            ignore_index=True,
        )
    mentions = build_mentions(posts, catalog).mentions
    threaded = mentions[mentions["thread_id"].notna() & (mentions["lang"] == "en")]
    return threaded[["car", "thread_id", "text"]].reset_index(drop=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--threads", type=Path, help="JSONL of {car, thread_id, text} (default: demo threads)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.threads:
        messages = pd.read_json(args.threads, lines=True)
        source = str(args.threads)
    else:
        messages = demo_threads()
        source = "synthetic demo threads (no real multi-message threads on this machine)"
    result = {"source": source, **evaluate_threads(messages)}
    print(f"Themes vs threads ({source})")
    print(pd.DataFrame(result["cars"]).round(3).to_string(index=False))
    print(
        f"weighted NMI: themes {result['nmi_themes']:.3f}  baseline (PCA5+KMeans10) {result['nmi_baseline']:.3f}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
