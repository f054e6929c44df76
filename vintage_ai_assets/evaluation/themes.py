"""Theme quality: do the themes group messages the way their threads do?

Messages of one thread share a topic, so the agreement (normalised mutual information,
NMI) between a car's theme labels and the threads its messages belong to measures how
well themes follow topics. The baseline, in the same run and on the same embeddings, is
PCA to 5 dimensions + KMeans with 10 clusters. Messages the theme finder leaves without a
theme (hdbscan noise) count as one more cluster, which is the conservative choice.

NMI grows with the number of clusters, so each car also reports a fairer second
baseline: KMeans on the same 5 PCA dimensions with as many clusters as the theme finder
found themes.

Ground truth: threads of at least ``MIN_THREAD`` messages. The default run evaluates:

- **owners' threads** (:func:`owner_threads`): real threads of the shared classic-Porsche
  mailing lists (the list plays the car), DEV side of a fixed thread split; ``--test``
  adds the TEST side, run once per frozen method. A car's themes are capped at
  ``max_themes`` (15), and NMI against hundreds of threads cannot be high with 15
  clusters, so each list's threads are scored in fixed groups of ``GROUP_THREADS`` (15)
  threads — the scale of a car's talk over a stretch of time.
- **real posts** (:func:`reddit_post_threads`): the longer self-posts of the shared r/cars
  and r/teslamotors file, each cut into messages of two sentences; the passages of one
  post share its topic as the messages of one thread do.
- **demo threads**: the threads of the synthetic demo data (6 cars).

Parts that need ``../shared/data`` are skipped without it. ``--threads FILE`` evaluates
any JSONL of {car, thread_id, text} instead.
"""

from __future__ import annotations

import argparse
import hashlib
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

from vintage_ai_assets.cleaning.mail import is_list_admin, own_words
from vintage_ai_assets.evaluation.shared_mail import MAIL_FILE, iter_messages, mail_file
from vintage_ai_assets.evaluation.shared_reddit import REDDIT_FILE, iter_submissions, shared_file
from vintage_ai_assets.nlp.embeddings import embed_texts
from vintage_ai_assets.nlp.themes import ThemeModelConfig, fit_themes
from vintage_ai_assets.text import is_removed

MIN_THREAD = 4
MIN_CAR_MESSAGES = 40
POST_MESSAGE_SENTENCES = 2  # a real post is cut into messages of this many sentences ...
POST_MAX_MESSAGES = 10  # ... and at most this many messages are kept per post
MIN_SENTENCE_WORDS = 6
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
DEFAULT_OUT = Path("benchmarks/results/eval_themes.json")
OWNER_THREAD_SALT = "vintage-ai/owners-themes:"
OWNER_TEST_PERCENT = 40
OWNER_MIN_MESSAGES = 6
OWNER_MIN_WORDS = 8
#: Owners' threads are scored in groups of as many threads as a car may show themes.
GROUP_THREADS = ThemeModelConfig().max_themes
_VAGUE_SUBJECTS = frozenset(
    ["help", "question", "questions", "tires", "tire", "for sale", "wanted", "test", "misc"]
    + ["unsubscribe", "subscribe", "info", "hello", "hi", "thanks", "update", "fyi", "none"]
    + ["no subject", "parts", "911", "944", "928", "914", "356", "924"]
)
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


def _thread_groups(threads: np.ndarray, size: int | None) -> list[np.ndarray]:
    """Row indices of groups of at most ``size`` threads (threads ordered by a hash of
    their key, so the groups are fixed); one group of everything when ``size`` is None."""
    if not size:
        return [np.arange(len(threads))]
    keys = sorted(set(threads.tolist()), key=lambda k: hashlib.sha256(str(k).encode()).digest())
    chunks = [keys[i : i + size] for i in range(0, len(keys), size)]
    return [np.flatnonzero(np.isin(threads, chunk)) for chunk in chunks]


def _score_group(texts: list[str], threads: np.ndarray) -> dict:
    vectors = embed_texts(texts)
    labels, topics = fit_themes(texts, vectors)
    base = baseline_labels(vectors)
    same_k = baseline_labels(vectors, clusters=max(2, len(topics)))
    return {
        "messages": len(texts),
        "threads": int(len(set(threads.tolist()))),
        "themes": int(len(topics)),
        "noise_share": float(np.mean(labels < 0)),
        "nmi_themes": float(normalized_mutual_info_score(threads, labels)),
        "nmi_baseline": float(normalized_mutual_info_score(threads, base)),
        "nmi_kmeans_same_k": float(normalized_mutual_info_score(threads, same_k)),
    }


_NMI_COLUMNS = ("nmi_themes", "nmi_baseline", "nmi_kmeans_same_k")


def evaluate_threads(messages: pd.DataFrame, group_threads: int | None = None) -> dict:
    """NMI against threads per car, for the theme finder and the baselines.

    ``messages``: car, thread_id, text. Only threads with at least ``MIN_THREAD``
    messages and cars with at least ``MIN_CAR_MESSAGES`` such messages are used. With
    ``group_threads``, each car's threads are scored in fixed groups of that many threads
    (a car's mentions over a stretch of time hold a few threads' topics, not hundreds)
    and the car's figures are the message-weighted means over its groups.
    """
    sizes = messages.groupby(["car", "thread_id"])["text"].transform("size")
    data = messages[sizes >= MIN_THREAD]
    per_car = []
    groups = 0
    for car, frame in data.groupby("car"):
        if len(frame) < MIN_CAR_MESSAGES:
            continue
        threads = frame["thread_id"].astype(str).to_numpy()
        texts = frame["text"].tolist()
        scored = pd.DataFrame(
            [
                _score_group([texts[i] for i in rows], threads[rows])
                for rows in _thread_groups(threads, group_threads)
            ]
        )
        groups += len(scored)
        weights = scored["messages"]
        per_car.append(
            {
                "car": car,
                "messages": int(weights.sum()),
                "threads": int(len(set(threads.tolist()))),
                "groups": int(len(scored)),
                "themes": int(scored["themes"].max()),
                "noise_share": float(np.average(scored["noise_share"], weights=weights)),
                **{c: float(np.average(scored[c], weights=weights)) for c in _NMI_COLUMNS},
            }
        )
    table = pd.DataFrame(per_car)
    if table.empty:
        return {"cars": [], **{c: None for c in _NMI_COLUMNS}}
    weights = table["messages"]
    return {
        "cars": per_car,
        "messages": int(weights.sum()),
        "threads": int(table["threads"].sum()),
        "groups": groups,
        **{c: float(np.average(table[c], weights=weights)) for c in _NMI_COLUMNS},
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


def owner_threads(shared_dir: Path | None = None, side: str = "dev") -> pd.DataFrame | None:
    """Real owners' threads of the shared mailing lists (car = list, thread_id = thread key,
    text = a message's own words) on one ``side`` of the fixed thread split; None without
    the file.

    Kept: threads with a specific subject (at least two words, not a bare model number or
    "for sale") and at least ``OWNER_MIN_MESSAGES`` messages of at least
    ``OWNER_MIN_WORDS`` own words that are not list administration. A thread is TEST when
    SHA-256(``OWNER_THREAD_SALT`` + key) % 100 < ``OWNER_TEST_PERCENT``.
    """
    path = mail_file(shared_dir)
    if not path.is_file():
        return None
    by_thread: dict[str, list[dict]] = {}
    for message in iter_messages(path):
        by_thread.setdefault(message["thread_key"], []).append(message)
    rows = []
    for key, thread in by_thread.items():
        subject = key.split("::", 1)[-1].strip()
        if subject in _VAGUE_SUBJECTS or len(re.findall(r"[a-z0-9]+", subject)) < 2:
            continue
        bucket = int(hashlib.sha256(f"{OWNER_THREAD_SALT}{key}".encode()).hexdigest(), 16) % 100
        if (bucket < OWNER_TEST_PERCENT) != (side == "test"):
            continue
        texts = [own_words(m["text"]) for m in thread]
        texts = [t for t in texts if len(t.split()) >= OWNER_MIN_WORDS and not is_list_admin(t)]
        if len(texts) >= OWNER_MIN_MESSAGES:
            rows += [{"car": thread[0]["list"], "thread_id": key, "text": t} for t in texts]
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
    parser.add_argument(
        "--test", action="store_true", help="also run the owners' TEST threads (frozen method)"
    )
    args = parser.parse_args(argv)
    runs: dict[str, dict] = {}
    if args.threads:
        runs[str(args.threads)] = evaluate_threads(
            pd.read_json(args.threads, lines=True), GROUP_THREADS
        )
    else:
        posts = reddit_post_threads(args.shared_dir)
        if posts is None:
            runs["real posts"] = {"skipped": f"{REDDIT_FILE} not found (needs ../shared/data)"}
        else:
            runs["real posts"] = {
                "source": "self-posts of the shared r/cars + r/teslamotors file, "
                "each cut into passages of two sentences, scored in groups of "
                f"{GROUP_THREADS} posts",
                **evaluate_threads(posts, GROUP_THREADS),
            }
        runs["demo threads"] = {
            "source": f"synthetic demo threads, scored in groups of {GROUP_THREADS} threads",
            **evaluate_threads(demo_threads(), GROUP_THREADS),
        }
        for side in ("dev", "test") if args.test else ("dev",):
            name = f"owners' threads {side.upper()}"
            owners = owner_threads(args.shared_dir, side)
            if owners is None:
                runs[name] = {"skipped": f"{MAIL_FILE} not found (needs ../shared/data)"}
                continue
            runs[name] = {
                "source": f"mailing-list threads, {side.upper()} side of the thread split, "
                f"scored in groups of {GROUP_THREADS} threads",
                **evaluate_threads(owners, GROUP_THREADS),
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
