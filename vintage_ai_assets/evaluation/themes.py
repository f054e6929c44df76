"""Theme quality: do the themes group messages the way their threads do?

Messages of one thread share a topic, so the agreement (normalised mutual information,
NMI) between a car's theme labels and the threads its messages belong to measures how
well themes follow topics. The baseline, in the same run and on the same embeddings, is
PCA to 5 dimensions + KMeans with 10 clusters. Messages the theme finder leaves without a
theme (hdbscan noise) count as one more cluster, which is the conservative choice.

NMI grows with the number of clusters, so each car also reports a fairer second
baseline: KMeans on the same 5 PCA dimensions with as many clusters as the theme finder
found themes.

Ground truth: threads of at least ``MIN_THREAD`` messages. This machine has no real
multi-message threads (the shared Reddit file holds submissions only), so the default
run evaluates two stand-ins:

- **real posts** (:func:`reddit_post_threads`): the longer self-posts of the shared r/cars
  and r/teslamotors file, each cut into messages of two sentences; the passages of one
  post share its topic as the messages of one thread do. Real enthusiast text; the
  subreddit plays the car. Skipped when ``../shared/data`` is absent.
- **demo threads**: the threads of the synthetic demo data (6 cars).

``--threads FILE`` evaluates any JSONL of {car, thread_id, text} (e.g. real forum
threads) instead.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import normalized_mutual_info_score

from vintage_ai_assets.cleaning.text import is_removed
from vintage_ai_assets.evaluation.shared_reddit import REDDIT_FILE, iter_submissions, shared_file
from vintage_ai_assets.nlp.embeddings import embed_texts
from vintage_ai_assets.nlp.topics import fit_topics

MIN_THREAD = 4
MIN_CAR_MESSAGES = 40
POST_MESSAGE_SENTENCES = 2  # a real post is cut into messages of this many sentences ...
POST_MAX_MESSAGES = 10  # ... and at most this many messages are kept per post
MIN_SENTENCE_WORDS = 6
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
DEFAULT_OUT = Path("benchmarks/results/eval_themes.json")
DEMO_CARS = (
    "ferrari-355-gtb",
    "ferrari-testarossa",
    "porsche-993",
    "bmw-e30-m3",
    "lamborghini-countach-25th",
    "mercedes-sl-r107",
)


def baseline_labels(embeddings: np.ndarray, seed: int = 0, clusters: int = 10) -> np.ndarray:
    """PCA to 5 dimensions, then KMeans with 10 clusters (or ``clusters``)."""
    k = max(1, min(clusters, len(embeddings)))
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
        same_k = baseline_labels(vectors, clusters=max(2, len(topics)))
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
                "nmi_kmeans_same_k": float(normalized_mutual_info_score(threads, same_k)),
            }
        )
    table = pd.DataFrame(per_car)
    if table.empty:
        return {"cars": [], "nmi_themes": None, "nmi_baseline": None, "nmi_kmeans_same_k": None}
    weights = table["messages"]
    return {
        "cars": per_car,
        "messages": int(weights.sum()),
        **{
            column: float(np.average(table[column], weights=weights))
            for column in ("nmi_themes", "nmi_baseline", "nmi_kmeans_same_k")
        },
    }


def post_messages(body: str) -> list[str]:
    """A post's body cut into messages of ``POST_MESSAGE_SENTENCES`` sentences (sentences
    under ``MIN_SENTENCE_WORDS`` words are dropped), at most ``POST_MAX_MESSAGES``."""
    sentences = [
        s.strip() for s in _SENTENCE_BREAK.split(body) if len(s.split()) >= MIN_SENTENCE_WORDS
    ]
    step = POST_MESSAGE_SENTENCES
    messages = [" ".join(sentences[i : i + step]) for i in range(0, len(sentences), step)]
    return messages[:POST_MAX_MESSAGES]


def reddit_post_threads(shared_dir: Path | None = None) -> pd.DataFrame | None:
    """Real posts as threads: (car = subreddit, thread_id = post id, text = a passage) for
    each self-post of the shared Reddit file with at least ``MIN_THREAD`` passages; None
    without the file."""
    path = shared_file(shared_dir)
    if not path.is_file():
        return None
    rows = []
    for record in iter_submissions(path):
        body = record.get("selftext") or ""
        messages = [] if is_removed(body) else post_messages(body)
        if len(messages) >= MIN_THREAD:
            car = f"r/{record['subreddit']}"
            rows += [{"car": car, "thread_id": record["id"], "text": m} for m in messages]
    return pd.DataFrame(rows, columns=["car", "thread_id", "text"])


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


def _print(name: str, result: dict) -> None:
    print(f"Themes vs threads: {name}")
    print(pd.DataFrame(result["cars"]).round(3).to_string(index=False))
    print(
        f"weighted NMI: themes {result['nmi_themes']:.3f}  baseline (PCA5+KMeans10) "
        f"{result['nmi_baseline']:.3f}  (PCA5+KMeans, as many clusters as themes: "
        f"{result['nmi_kmeans_same_k']:.3f})"
    )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--threads",
        type=Path,
        help="JSONL of {car, thread_id, text} (default: real posts and demo threads)",
    )
    parser.add_argument("--shared-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    runs: dict[str, dict] = {}
    if args.threads:
        runs[str(args.threads)] = evaluate_threads(pd.read_json(args.threads, lines=True))
    else:
        posts = reddit_post_threads(args.shared_dir)
        if posts is None:
            runs["real posts"] = {"skipped": f"{REDDIT_FILE} not found (needs ../shared/data)"}
        else:
            runs["real posts"] = {
                "source": "self-posts of the shared r/cars + r/teslamotors file, "
                "each cut into passages of two sentences",
                **evaluate_threads(posts),
            }
        runs["demo threads"] = {
            "source": "synthetic demo threads",
            **evaluate_threads(demo_threads()),
        }
    for name, result in runs.items():
        if "skipped" in result:
            print(f"Themes vs threads: {name}: skipped, {result['skipped']}")
        else:
            _print(name, result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"runs": runs}, indent=2))
    return runs


if __name__ == "__main__":
    main()
