"""Embeddings, sentiment and themes on real models (the shipped MiniLM, VADER)."""

from __future__ import annotations

import numpy as np

from vintage_ai_assets.nlp.embeddings import embed_texts
from vintage_ai_assets.nlp.scoring import score_mentions, score_texts
from vintage_ai_assets.nlp.themes import (
    find_themes,
    fit_themes,
    growing_themes,
    label_themes,
    monthly_shares,
)

THEMES = {
    "valve": [
        "the valve guides failed again and the engine is smoking badly",
        "valve guide wear means a full engine out rebuild, terrible news",
        "mine burns oil because of worn valve guides, avoid this one",
        "another owner with failed valve guides and a cracked exhaust manifold",
        "the manifold cracked and then the valve guides went, nightmare",
        "valve guides replaced at huge cost, engine smoking stopped",
        "smoking on startup is the classic sign of worn valve guides",
        "cracked exhaust manifolds and valve guides are the known weak spots",
    ],
    "auction": [
        "sold at auction for a record hammer price last weekend",
        "the auction result was well above the estimate, bidding was fierce",
        "hammer price at the auction came in under the low estimate",
        "auction house listed it with no reserve and it sold quickly",
        "record auction price for a low mileage example with original paint",
        "bidding war at the auction pushed the price past the estimate",
        "the auction estimate seems optimistic for one with this history",
        "no sale at auction, the reserve was not met this time",
    ],
}


def test_embeddings_are_normalised_deduplicated_and_ordered():
    texts = ["Ferrari F40 at the track", "a rusty old pickup", "Ferrari F40 at the track"]
    vectors = embed_texts(texts)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(vectors[0], vectors[2])
    alone = embed_texts(["a rusty old pickup"])
    np.testing.assert_allclose(alone[0], vectors[1], atol=1e-5)
    assert embed_texts([]).shape == (0, 384)


def test_sentiment_direction_and_range():
    scores = score_texts(
        [
            "What an absolute joy to drive, I love it",
            "Total disaster, the engine failed, terrible",
            "It is blue.",
        ]
    )
    assert scores[0] > 0.5 and scores[1] < -0.5 and abs(scores[2]) < 0.05
    assert ((scores >= -1) & (scores <= 1)).all()


def test_unsupported_languages_stay_unscored():
    out = score_mentions(["I love it", "Bellissima macchina"], ["en", "it"])
    assert out[0] > 0 and np.isnan(out[1])


def test_themes_separate_and_are_labelled_by_distinctive_terms():
    texts = [t for group in THEMES.values() for t in group] * 2
    group = np.array([0] * 8 + [1] * 8 + [0] * 8 + [1] * 8)
    labels, topics = find_themes(texts)
    assert len(topics) >= 2 and (labels >= 0).mean() >= 0.9
    for topic in topics["topic_id"]:
        assert len(set(group[labels == topic])) == 1  # no theme mixes the two subjects
    assert topics["label"].str.contains("valve").any()
    assert topics["label"].str.contains("auction").any()
    assert set(topics.columns) >= {"topic_id", "label", "size"}


def test_themes_are_deterministic_and_small_inputs_have_none():
    texts = [t for group in THEMES.values() for t in group] * 2
    vectors = embed_texts(texts)
    first, _ = fit_themes(texts, vectors)
    second, _ = fit_themes(texts, vectors)
    np.testing.assert_array_equal(first, second)
    labels, topics = fit_themes(texts[:5], vectors[:5])
    assert (labels == -1).all() and topics.empty


def test_labels_leave_out_car_names():
    texts = [
        "Testarossa valve guides failed",
        "Testarossa valve guides smoking",
        "Testarossas at auction: a record",
        "Testarossa auction estimate",
    ]
    terms = label_themes(texts, np.array([0, 0, 1, 1]), exclude_terms=["Testarossa"])
    assert all("testarossa" not in t for words in terms.values() for t in words)
    assert any("valve" in t for t in terms[0])


def test_growing_theme_flag():
    import pandas as pd

    months = pd.to_datetime(
        ["2026-01-10"] * 10
        + ["2026-02-10"] * 10
        + ["2026-03-10"] * 10
        + ["2026-04-10"] * 10
        + ["2026-05-10"] * 10
    )
    labels = np.array(
        [0] * 10 + [0] * 10 + [0] * 5 + [1] * 5 + [1] * 5 + [0] * 5 + [1] * 6 + [0] * 4
    )
    shares = monthly_shares(labels, pd.Series(months))
    assert growing_themes(shares) == {1}


def test_theme_ids_are_kept_across_refits_and_other_languages_left_out():
    from vintage_ai_assets.nlp.themes import fit_car_themes

    texts = [t for group in THEMES.values() for t in group] * 2
    vectors = embed_texts(texts)
    first_labels, first = fit_car_themes(texts, vectors, ["en"] * len(texts))
    # Refit with more data in which the auction theme is now the bigger one: ids must follow
    # the themes, not their sizes.
    more = texts + THEMES["auction"] * 2 + ["Questa Ferrari è bellissima e molto veloce"]
    langs = ["en"] * (len(more) - 1) + ["it"]
    labels, topics = fit_car_themes(more, embed_texts(more), langs, previous=first)
    assert labels[-1] == -1
    valve_before = first.loc[first["label"].str.contains("valve"), "topic_id"].item()
    valve_after = topics.loc[topics["label"].str.contains("valve"), "topic_id"].item()
    assert valve_before == valve_after
    assert set(first["topic_id"]) <= set(topics["topic_id"])
    new_ids = set(topics["topic_id"]) - set(first["topic_id"])
    assert all(i > first["topic_id"].max() for i in new_ids)
    assert (
        abs(topics["share"].sum() - (len(more) - 1 - (labels[:-1] == -1).sum()) / len(more)) < 1e-9
    )


def _blobs(centres: np.ndarray, per: int, spread: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = np.repeat(centres, per, axis=0) + rng.normal(
        0, spread, (len(centres) * per, centres.shape[1])
    )
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_alike_themes_merge_to_at_most_the_cap():
    from vintage_ai_assets.nlp.themes import merge_themes

    centres = np.eye(20, 32)
    vectors = _blobs(centres, 10, 0.01)
    labels = np.repeat(np.arange(20), 10)
    merged = merge_themes(vectors, labels, max_themes=15, similarity=0.9)
    assert len(set(merged.tolist())) == 15
    assert all(len(set(merged[labels == t].tolist())) == 1 for t in range(20))  # none split
    # Two near-duplicates are merged even under the cap; distinct themes are not.
    twin = centres.copy()
    twin[1] = centres[0] + 0.05 * centres[1]
    merged = merge_themes(_blobs(twin[:4], 10, 0.01), labels[:40], 15, 0.9)
    assert len(set(merged.tolist())) == 3 and merged[0] == merged[10]
    assert (merge_themes(vectors, np.full(200, -1), 15, 0.9) == -1).all()


def test_noise_joins_nearest_themes_until_the_coverage():
    from vintage_ai_assets.nlp.themes import _assign_noise

    vectors = _blobs(np.eye(2, 8), 50, 0.6, seed=1)
    labels = np.full(100, -1)
    labels[:10], labels[50:60] = 0, 1
    covered = _assign_noise(vectors, labels, threshold=0.99, min_coverage=0.8)
    assert (covered >= 0).mean() == 0.8
    assert (covered[:10] == 0).all() and (covered[50:60] == 1).all()
    joined = np.flatnonzero((covered >= 0) & (labels < 0))
    assert (covered[joined] == (joined >= 50)).mean() > 0.9  # each to its nearest theme
    assert (_assign_noise(vectors, labels, 0.99, 0.0) == labels).all()


def test_quotes_are_short_and_cut_at_sentence_or_word():
    from vintage_ai_assets.nlp.themes import shorten_quote

    assert shorten_quote("  Short   and\nsweet. ") == "Short and sweet."
    long = "The clutch cable snapped again on the way home. " * 3 + "word " * 60
    cut = shorten_quote(long, 120)
    assert cut.endswith("home.") and len(cut) <= 120
    words = shorten_quote("alpha " * 80, 100)
    assert words.endswith("alpha…") and len(words) <= 100


def test_labels_leave_out_people_but_keep_words_that_are_also_names():
    texts = [
        "Ted, the brake caliper seized again. Ted says rebuild the brake caliper.",
        "Thanks Ted, a brake caliper rebuild kit fixed mine.",
        "Use a floor jack under the rear jack point, then the jack stand.",
        "The jack point rusted; the jack slipped off the jack pad.",
    ]
    terms = label_themes(texts, np.array([0, 0, 1, 1]), exclude_terms=["Porsche"])
    assert "ted" not in " ".join(terms[0]) and "caliper" in " ".join(terms[0])
    assert "jack" in " ".join(terms[1])
