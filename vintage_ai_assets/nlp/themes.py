"""Themes: clusters of a car's mentions with readable labels.

Embeddings are reduced with PCA (hdbscan is slow and unreliable on 384 raw dimensions),
clustered with hdbscan on a bounded, deterministic sample, and the rest of the texts are
assigned to the fitted clusters. Near-duplicate themes are merged (at most 15 per car)
and the closest unclustered texts join their nearest theme until 80% of the texts have
one. Each theme is labelled with its most distinctive terms by class-based
TF-IDF, leaving out stop words and the names of the car, and quoted by three of its texts.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

MIN_TEXTS = 12
THEME_COLUMNS = ["topic_id", "label", "terms", "size", "share", "representatives", "centroid"]
NAME_TITLE_SHARE = 0.8  # a first name written capitalised this often is a person's name
QUOTE_CHARS = 240  # a theme's quotes are cut to this length
QUOTE_MIN_WORDS = 8  # texts this long or longer are preferred as quotes
SAME_THEME_SIMILARITY = 0.85  # centroid cosine above which a refitted theme keeps its id
_NOISE = re.compile(r"https?://\S+|www\.\S+|[#@]\w+")
# Words of car talk that say nothing about a theme.
GENERIC_TERMS = frozenset(
    [
        "car",
        "cars",
        "just",
        "really",
        "like",
        "think",
        "know",
        "got",
        "get",
        "one",
        "really",
        "also",
        "would",
        "could",
        "im",
        "ive",
        "dont",
        "thats",
        "its",
        "it's",
        "youre",
        "theyre",
        "thing",
        "things",
        "anyone",
        "people",
        "way",
        "lot",
        "much",
        "still",
        "even",
        "mine",
        "yes",
        "yeah",
        "lol",
        "ok",
        "good",
        "great",
        "new",
        "old",
        "time",
        "year",
        "years",
        "day",
        # contractions, written without their apostrophe (see _APOSTROPHE)
        "doesnt",
        "didnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "cant",
        "wont",
        "wouldnt",
        "couldnt",
        "shouldnt",
        "havent",
        "hasnt",
        "hadnt",
        "ill",
        "id",
        "youve",
        "youll",
        "hes",
        "shes",
        "theres",
        "whats",
        "lets",
        # mail talk: months and the list itself
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "thanks",
        "thank",
        "list",
        "message",
        "messages",
        "post",
        "posted",
        "mail",
        "email",
        "e-mail",
        "reply",
        "wrote",
        "subject",
        "com",  # what is left of addresses and links
        "net",
        "org",
    ]
)
_APOSTROPHE = re.compile(r"['’](?=\w)")
_TOKEN = r"(?u)\b[a-zA-Z][a-zA-Z0-9'\-]{1,}\b"


@dataclass(frozen=True)
class ThemeModelConfig:
    """Knobs of the theme finder; the defaults suit 20 to 200,000 texts."""

    dims: int = 15
    max_fit: int = 4000  # texts the clusterer is fitted on; the rest are assigned
    min_cluster_share: float = 0.0075  # of the fitted sample (≥ min_cluster_size texts)
    min_cluster_size: int = 5
    min_samples: int = 2
    selection: str = "leaf"  # hdbscan cluster selection: fine-grained themes
    assign_similarity: float = 0.3  # noise joins its nearest theme at this cosine or above
    max_themes: int = 15  # alike themes are merged until a car has at most this many
    merge_similarity: float = 0.9  # themes whose mean embeddings are this alike are merged
    min_coverage: float = 0.8  # share of texts given a theme (nearest first) at the least
    top_terms: int = 5
    seed: int = 0


def _reduce(embeddings: np.ndarray, config: ThemeModelConfig, fit_rows: np.ndarray) -> np.ndarray:
    from sklearn.decomposition import PCA

    dims = min(config.dims, embeddings.shape[1], max(2, len(fit_rows) - 1))
    pca = PCA(n_components=dims, random_state=config.seed, svd_solver="full")
    pca.fit(embeddings[fit_rows])
    reduced = pca.transform(embeddings)
    return reduced.astype(np.float64)


def _fit_rows(n: int, config: ThemeModelConfig, texts: Sequence[str]) -> np.ndarray:
    if n <= config.max_fit:
        return np.arange(n)
    # Deterministic for the same input: pick by a hash of the text, not by position.
    keys = np.array([hash_text(t) for t in texts], dtype=np.uint64)
    return np.sort(np.argsort(keys, kind="stable")[: config.max_fit])


def hash_text(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def cluster(
    embeddings: np.ndarray, texts: Sequence[str], config: ThemeModelConfig
) -> tuple[np.ndarray, np.ndarray]:
    """hdbscan labels (−1 = noise) for every row, fitted on a bounded sample, and the
    reduced coordinates they were clustered in."""
    import hdbscan

    n = len(embeddings)
    fit_rows = _fit_rows(n, config, texts)
    reduced = _reduce(embeddings, config, fit_rows)
    size = max(config.min_cluster_size, int(round(len(fit_rows) * config.min_cluster_share)))
    clusterer = hdbscan.HDBSCAN(
        min_cluster_size=size,
        min_samples=config.min_samples,
        cluster_selection_method=config.selection,
        prediction_data=n > len(fit_rows),
    )
    fitted = clusterer.fit_predict(reduced[fit_rows])
    labels = np.full(n, -1, dtype=np.int64)
    labels[fit_rows] = fitted
    if n > len(fit_rows) and fitted.max() >= 0:
        rest = np.setdiff1d(np.arange(n), fit_rows)
        assigned, _ = hdbscan.approximate_predict(clusterer, reduced[rest])
        labels[rest] = assigned
    merged = merge_themes(embeddings, labels, config.max_themes, config.merge_similarity)
    covered = _assign_noise(embeddings, merged, config.assign_similarity, config.min_coverage)
    return _renumber_by_size(covered), reduced


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


def merge_themes(
    embeddings: np.ndarray, labels: np.ndarray, max_themes: int, similarity: float
) -> np.ndarray:
    """Merge near-duplicate themes: while two themes' mean embeddings are at least
    ``similarity`` alike, or there are more than ``max_themes``, the most alike pair
    becomes one theme (keeping the larger one's id)."""
    ids = [int(i) for i in np.unique(labels[labels >= 0])]
    sums = {i: embeddings[labels == i].sum(axis=0).astype(np.float64) for i in ids}
    sizes = {i: int((labels == i).sum()) for i in ids}
    into = {i: i for i in ids}
    while len(sums) > 1:
        keys = list(sums)
        centres = _unit(np.vstack([sums[k] for k in keys]))
        alike = centres @ centres.T
        np.fill_diagonal(alike, -np.inf)
        a, b = np.unravel_index(int(np.argmax(alike)), alike.shape)
        if alike[a, b] < similarity and len(keys) <= max_themes:
            break
        keep, drop = (keys[a], keys[b]) if sizes[keys[a]] >= sizes[keys[b]] else (keys[b], keys[a])
        sums[keep] += sums.pop(drop)
        sizes[keep] += sizes.pop(drop)
        for old, new in into.items():
            if new == drop:
                into[old] = keep
    return np.array([into.get(int(x), -1) for x in labels], dtype=np.int64)


def _assign_noise(
    embeddings: np.ndarray, labels: np.ndarray, threshold: float, min_coverage: float = 0.0
) -> np.ndarray:
    """Give each unclustered text its nearest theme (cosine to the theme's mean embedding)
    when it is at least ``threshold`` similar; if fewer than ``min_coverage`` of the texts
    then have a theme, the closest of the rest join theirs until that share is reached.
    The others stay −1."""
    if labels.max() < 0 or not (labels < 0).any():
        return labels
    ids = np.unique(labels[labels >= 0])
    centres = _unit(np.vstack([embeddings[labels == i].mean(axis=0) for i in ids]))
    noise = np.flatnonzero(labels < 0)
    similarity = embeddings[noise] @ centres.T
    best = similarity.argmax(axis=1)
    closeness = similarity[np.arange(len(noise)), best]
    wanted = int(np.ceil(min_coverage * len(labels))) - int((labels >= 0).sum())
    order = np.argsort(-closeness, kind="stable")
    joins = max(int((closeness >= threshold).sum()), min(wanted, len(noise)))
    chosen = order[:joins]
    out = labels.copy()
    out[noise[chosen]] = ids[best[chosen]]
    return out


def _renumber_by_size(labels: np.ndarray) -> np.ndarray:
    ids, counts = np.unique(labels[labels >= 0], return_counts=True)
    order = ids[np.lexsort((ids, -counts))]
    mapping = {old: new for new, old in enumerate(order)}
    return np.array([mapping.get(x, -1) for x in labels], dtype=np.int64)


def person_names(texts: Sequence[str], title_share: float = NAME_TITLE_SHARE) -> set[str]:
    """Words of ``texts`` that are people's first names (gender-guesser's list) and are
    written capitalised at least ``title_share`` of the time ("Ted", "Vince"), lowercased.
    A name that is also a common word keeps it when written in lower case ("jack")."""
    counts: dict[str, list[int]] = {}
    for text in texts:
        for word in re.findall(r"[A-Za-z]{2,}", text):
            tally = counts.setdefault(word.lower(), [0, 0])
            tally[0] += word[0].isupper() and not word.isupper()
            tally[1] += 1
    detector = _name_detector()
    return {
        word
        for word, (titled, total) in counts.items()
        if titled >= title_share * total and detector.get_gender(word) != "unknown"
    }


@functools.cache
def _name_detector():
    import gender_guesser.detector

    return gender_guesser.detector.Detector(case_sensitive=False)


def label_themes(
    texts: Sequence[str], labels: np.ndarray, exclude_terms: Sequence[str] = (), top: int = 5
) -> dict[int, list[str]]:
    """Top class-based TF-IDF terms (unigrams and bigrams) of each cluster."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    topic_ids = sorted(int(t) for t in set(labels.tolist()) if t >= 0)
    if not topic_ids:
        return {}
    excluded = {w.lower() for term in exclude_terms for w in re.findall(r"[a-zA-Z0-9]+", term)}
    excluded |= {term.lower() for term in exclude_terms if re.fullmatch(r"[\w'\-]+", term)}
    excluded |= {f"{word}s" for word in excluded}  # "Porsches"
    stop = sorted(set(ENGLISH_STOP_WORDS) | GENERIC_TERMS | excluded)
    docs = [
        _APOSTROPHE.sub(
            "", _NOISE.sub(" ", " ".join(texts[i] for i in np.flatnonzero(labels == t)))
        )
        for t in topic_ids
    ]
    vectorizer = CountVectorizer(
        stop_words=stop, ngram_range=(1, 2), token_pattern=_TOKEN, lowercase=True, min_df=1
    )
    try:
        counts = vectorizer.fit_transform(docs).astype(np.float64)
    except ValueError:  # nothing left after stop words
        return {t: [] for t in topic_ids}
    terms = vectorizer.get_feature_names_out()
    names = person_names(docs)
    keep = np.array(
        [
            not any(ch.isdigit() for ch in term) and not names.intersection(term.split())
            for term in terms
        ]
    )
    tf = counts.multiply(1.0 / np.maximum(counts.sum(axis=1), 1)).tocsr()
    frequency = np.asarray(counts.sum(axis=0)).ravel()
    average = frequency.sum() / len(topic_ids)
    idf = np.log1p(average / np.maximum(frequency, 1))
    scores = tf.multiply(idf).toarray()
    scores[:, ~keep] = 0
    result: dict[int, list[str]] = {}
    for row, topic in enumerate(topic_ids):
        best = np.argsort(-scores[row], kind="stable")
        chosen: list[str] = []
        for j in best:
            if scores[row, j] <= 0 or len(chosen) >= top:
                break
            term = str(terms[j])
            if any(term in c or c in term for c in chosen):
                continue
            chosen.append(term)
        result[topic] = chosen
    return result


def shorten_quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` on one line, cut to at most ``limit`` characters: at the last sentence end
    when that keeps at least half, else at a word, marked with "…"."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    head = line[: limit - 1]
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s)", head)]
    if ends and ends[-1] >= limit // 2:
        return head[: ends[-1]]
    return head.rsplit(" ", 1)[0].rstrip(",;:-") + "…"


def _representatives(
    reduced: np.ndarray, labels: np.ndarray, texts: Sequence[str], k: int = 3
) -> dict[int, list[str]]:
    """Up to ``k`` quotes per theme: its texts nearest the theme's centre, those of
    ``QUOTE_MIN_WORDS`` words or more first, without repeats, shortened."""
    reps: dict[int, list[str]] = {}
    for topic in sorted(set(labels.tolist()) - {-1}):
        members = np.flatnonzero(labels == topic)
        centre = reduced[members].mean(axis=0)
        distance = np.linalg.norm(reduced[members] - centre, axis=1)
        short = np.array([len(texts[i].split()) < QUOTE_MIN_WORDS for i in members])
        picked: list[str] = []
        for i in members[np.lexsort((distance, short))]:
            quote = shorten_quote(texts[i])
            if quote and quote not in picked:
                picked.append(quote)
            if len(picked) == k:
                break
        reps[int(topic)] = picked
    return reps


def fit_themes(
    texts: Sequence[str],
    embeddings: np.ndarray,
    exclude_terms: Sequence[str] = (),
    config: ThemeModelConfig | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Cluster ``texts`` by their ``embeddings``: (label per text, table of themes)."""
    config = config or ThemeModelConfig()
    texts = [t if isinstance(t, str) else "" for t in texts]
    n = len(texts)
    if n < MIN_TEXTS:
        return np.full(n, -1, dtype=np.int64), pd.DataFrame(columns=THEME_COLUMNS)
    embeddings = np.asarray(embeddings, dtype=np.float32)
    labels, reduced = cluster(embeddings, texts, config)
    terms = label_themes(texts, labels, exclude_terms, config.top_terms)
    reps = _representatives(reduced, labels, texts)
    rows = []
    for topic, words in terms.items():
        members = labels == topic
        centre = embeddings[members].mean(axis=0)
        rows.append(
            {
                "topic_id": topic,
                "label": " · ".join(words[:3]) if words else f"theme {topic}",
                "terms": words,
                "size": int(members.sum()),
                "share": float(members.sum()) / n,
                "representatives": reps.get(topic, []),
                "centroid": (centre / max(np.linalg.norm(centre), 1e-12)).astype(np.float32),
            }
        )
    return labels, pd.DataFrame(rows, columns=THEME_COLUMNS)


def keep_theme_ids(
    labels: np.ndarray, topics: pd.DataFrame, previous: pd.DataFrame | None
) -> tuple[np.ndarray, pd.DataFrame]:
    """Give refitted themes the ids of the previous run's themes they match.

    Themes are paired by centroid cosine similarity (best one-to-one assignment); a pair
    at or above ``SAME_THEME_SIMILARITY`` keeps the old id, other themes get new ids above
    every id used before. ``previous`` has topic_id and centroid.
    """
    if previous is None or previous.empty or topics.empty:
        return labels, topics
    from scipy.optimize import linear_sum_assignment

    new = np.vstack(topics["centroid"].to_numpy()).astype(np.float64)
    old = np.vstack(previous["centroid"].to_numpy()).astype(np.float64)
    similarity = new @ old.T
    rows, cols = linear_sum_assignment(-similarity)
    mapping: dict[int, int] = {}
    for r, c in zip(rows, cols, strict=True):
        if similarity[r, c] >= SAME_THEME_SIMILARITY:
            mapping[int(topics["topic_id"].iloc[r])] = int(previous["topic_id"].iloc[c])
    next_id = int(max(previous["topic_id"].max(), topics["topic_id"].max())) + 1
    for topic in topics["topic_id"]:
        if int(topic) not in mapping:
            mapping[int(topic)] = next_id
            next_id += 1
    relabelled = np.array([mapping.get(int(x), -1) for x in labels], dtype=np.int64)
    return relabelled, topics.assign(topic_id=topics["topic_id"].map(mapping).astype("int64"))


def fit_car_themes(
    texts: Sequence[str],
    embeddings: np.ndarray,
    langs: Sequence[str],
    exclude_terms: Sequence[str] = (),
    previous: pd.DataFrame | None = None,
    config: ThemeModelConfig | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """One car's themes: fitted on its English mentions (labels of other languages are
    −1, since the labels and stop words are English), with ids kept from ``previous``."""
    english = np.asarray(langs, dtype=object) == "en"
    labels = np.full(len(texts), -1, dtype=np.int64)
    index = np.flatnonzero(english)
    fitted, topics = fit_themes(
        [texts[i] for i in index], np.asarray(embeddings)[index], exclude_terms, config
    )
    labels[index] = fitted
    if len(topics):
        topics = topics.assign(share=topics["size"] / max(len(texts), 1))
    return keep_theme_ids(labels, topics, previous)


def find_themes(texts: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Themes of ``texts``: one label per text (−1 = no theme) and a table of themes.

    Embeds the texts with the configured model, then runs :func:`fit_themes`.
    """
    from vintage_ai_assets.nlp.embeddings import embed_texts

    texts = list(texts)
    return fit_themes(texts, embed_texts(texts))


def monthly_shares(labels: np.ndarray, dates: pd.Series) -> pd.DataFrame:
    """Each theme's share of the car's mentions per month (columns: month, topic_id, share)."""
    frame = pd.DataFrame(
        {"month": pd.to_datetime(dates).dt.to_period("M").dt.to_timestamp(), "topic_id": labels}
    )
    totals = frame.groupby("month").size().rename("total")
    counts = frame[frame["topic_id"] >= 0].groupby(["month", "topic_id"]).size().rename("n")
    out = counts.reset_index().join(totals, on="month")
    out["share"] = out["n"] / out["total"]
    return (
        out[["month", "topic_id", "n", "share"]]
        .sort_values(["topic_id", "month"])
        .reset_index(drop=True)
    )


def growing_themes(shares: pd.DataFrame, recent_months: int = 3, ratio: float = 1.5) -> set[int]:
    """Themes whose share in the last ``recent_months`` is ``ratio``× their earlier share."""
    if shares.empty:
        return set()
    months = sorted(shares["month"].unique())
    if len(months) <= recent_months:
        return set()
    cutoff = months[-recent_months]
    growing = set()
    for topic, group in shares.groupby("topic_id"):
        recent = group.loc[group["month"] >= cutoff, "share"].sum() / recent_months
        earlier = group.loc[group["month"] < cutoff, "share"].sum() / (len(months) - recent_months)
        if recent >= 0.05 and recent >= ratio * max(earlier, 1e-9):
            growing.add(int(topic))
    return growing
