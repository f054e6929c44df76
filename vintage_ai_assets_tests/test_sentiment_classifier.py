"""car-sentiment-3: the trained blend of rule evidence and embeddings."""

import numpy as np
import pytest

from vintage_ai_assets.nlp import sentiment
from vintage_ai_assets.nlp.embeddings import embed_texts
from vintage_ai_assets.nlp.sentiment_classifier import (
    CLASSES,
    SentimentHead,
    head_applies,
    load_head,
    scores_from_probabilities,
    train_head,
)


def test_scores_keep_the_most_probable_class_under_the_usual_bands():
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet([1, 1, 1], size=2000)
    probabilities[:3] = [[0.34, 0.33, 0.33], [0.33, 0.33, 0.34], [0.2, 0.6, 0.2]]
    scores = scores_from_probabilities(probabilities)
    expected = np.asarray(CLASSES)[probabilities.argmax(axis=1)]
    assert (sentiment.labels(scores) == expected).all()
    assert ((scores >= -1) & (scores <= 1)).all()
    # Confidence orders the scores within a class.
    positive = expected == "positive"
    margin = probabilities[positive, 2] - probabilities[positive, 0]
    assert np.all(np.diff(scores[positive][np.argsort(margin)]) >= 0)


def test_classifier_reads_faults_told_without_feeling_words():
    texts = [
        "Fuses keep blowing on my 308 every time I turn on the headlights",
        "What a beast, the Integrale pulls like a train",
        "Anyone know a good shop for Alfa work near Boston?",
        "FS: 1991 Miata, asking $6,500, located in Denver",
    ]
    rules = sentiment.labels(sentiment.score_texts(texts))
    blended = sentiment.labels(sentiment.score_texts(texts, embed_texts(texts)))
    assert rules[0] == "neutral"  # no feeling word for the lexicon ...
    assert list(blended) == ["negative", "positive", "neutral", "neutral"]  # ... but a fault


def test_unscored_languages_stay_unscored_with_embeddings():
    texts = ["I love it, what a car", "Bellissima macchina"]
    out = sentiment.score_mentions(texts, ["en", "it"], embed_texts(texts))
    assert out[0] > sentiment.POSITIVE and np.isnan(out[1])


def test_shipped_head_round_trips_and_names_its_embedding_model():
    head = load_head()
    again = SentimentHead.from_json(head.to_json())
    np.testing.assert_allclose(again.coef, head.coef)
    assert head.dim == 384 and head.trained_on["examples"] >= 1000
    assert head_applies("all-MiniLM-L6-v2")
    assert not head_applies("/models/some-other-encoder")
    with pytest.raises(ValueError, match="384-dim"):
        head.score(["text"], np.zeros((1, 10)))


def test_training_rejects_unknown_labels_and_learns_a_separable_set():
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(3, 384))
    labels = [CLASSES[i % 3] for i in range(90)]
    vectors = np.array([centres[i % 3] + 0.1 * rng.normal(size=384) for i in range(90)])
    texts = ["the car"] * 90  # same rule evidence: only the embeddings separate them
    head = train_head(texts, labels, vectors, 1.0, "test-model")
    predicted = np.asarray(CLASSES)[head.probabilities(texts, vectors).argmax(axis=1)]
    assert (predicted == np.asarray(labels)).mean() > 0.95
    with pytest.raises(ValueError, match="unknown sentiment labels"):
        train_head(texts, ["good"] * 90, vectors, 1.0, "test-model")
