"""car-sentiment-4: the trained blend of rule evidence, embeddings and word n-grams."""

import json

import numpy as np
import pytest

from vintage_ai_assets.nlp import scoring, sentiment
from vintage_ai_assets.nlp.embeddings import embed_texts
from vintage_ai_assets.nlp.sentiment_classifier import (
    CLASSES,
    METHOD,
    SentimentHead,
    WordModel,
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
    rules = sentiment.labels(sentiment.score_rules(texts))
    blended = sentiment.labels(scoring.score_texts(texts, embed_texts(texts)))
    # without embeddings, score_texts computes them: what a notebook gets is the pipeline's
    np.testing.assert_allclose(
        scoring.score_texts(texts), scoring.score_texts(texts, embed_texts(texts))
    )
    assert rules[0] == "neutral"  # no feeling word for the lexicon ...
    assert list(blended) == ["negative", "positive", "neutral", "neutral"]  # ... but a fault


def test_unscored_languages_stay_unscored_with_embeddings():
    texts = ["I love it, what a car", "Bellissima macchina"]
    out = scoring.score_mentions(texts, ["en", "it"], embed_texts(texts))
    assert out[0] > sentiment.POSITIVE and np.isnan(out[1])


def test_shipped_head_round_trips_and_names_its_embedding_model():
    head = load_head()
    again = SentimentHead.from_json(head.to_json())
    np.testing.assert_allclose(again.coef, head.coef)
    assert again.words.terms == head.words.terms and len(head.words.terms) > 1000
    texts = ["money pit, the dealer never fixed it", "love my car", "what oil?"]
    vectors = embed_texts(texts)
    np.testing.assert_allclose(
        again.probabilities(texts, vectors), head.probabilities(texts, vectors)
    )
    assert head.dim == 384 and head.trained_on["examples"] >= 1500
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


def test_word_part_matches_the_fitted_vectorizer_and_model():
    """The word part rebuilt from its stored terms and idf gives sklearn's own logits."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(2)
    words = {
        "negative": ["leaking", "broke", "dealer", "again", "rust"],
        "neutral": ["which", "tires", "should", "buy", "oil"],
        "positive": ["love", "beast", "finally", "mine", "great"],
    }
    labels = [CLASSES[i % 3] for i in range(120)]
    texts = [" ".join(rng.choice(words[label], size=4)) + " the car" for label in labels]
    model = WordModel.fit(texts, np.asarray(labels), 2.0)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=3, sublinear_tf=True)
    reference = LogisticRegression(C=2.0, class_weight="balanced", max_iter=3000)
    reference.fit(vectorizer.fit_transform(texts), labels)
    fresh = ["the dealer broke it again", "love this beast", "which oil should I buy", ""]
    expected = reference.decision_function(vectorizer.transform(fresh))
    order = [list(reference.classes_).index(label) for label in CLASSES]
    again = WordModel.from_dict(model.to_dict())
    np.testing.assert_allclose(again.logits(fresh), expected[:, order], atol=1e-3)
    assert list(np.asarray(CLASSES)[again.logits(fresh)[:3].argmax(axis=1)]) == [
        "negative",
        "positive",
        "neutral",
    ]
    # Too few texts for a vocabulary: no word part, the embedding part alone.
    assert WordModel.fit(["one text", "another"], np.asarray(labels[:2]), 2.0) is None


def test_head_file_of_another_version_is_refused():
    data = json.loads(load_head().to_json())
    data["method"] = "car-sentiment-3"
    with pytest.raises(ValueError, match="does not match this version"):
        SentimentHead.from_json(json.dumps(data))
    assert METHOD == "car-sentiment-4"
