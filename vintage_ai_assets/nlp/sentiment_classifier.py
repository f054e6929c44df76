"""car-sentiment-4: the text's embedding with the rule scorer's evidence, and the text's
words, each read by a classifier the team trained on its labelled car-community texts.

Two multinomial logistic regressions (class-balanced, their C chosen by cross-validation
on DEV only) give P(negative), P(neutral), P(positive):

- **embedding part** over ``[MiniLM embedding, rule features]``: the rules
  (``car-vader-2``, :mod:`vintage_ai_assets.nlp.sentiment`) see feeling words; the
  embedding sees what a lexicon cannot, such as a first-hand fault told without a feeling
  word ("fuses keep blowing", "car was vandalized");
- **word part** over TF-IDF word unigrams and bigrams of the text (sublinear term
  frequency, terms in at least ``WORD_MIN_DF`` DEV texts): the car community's own phrases
  ("check engine", "dealer", "anyone else", "finally", "excited") as they were labelled.

The two are blended as a weighted geometric mean of their probabilities
(``WORD_WEIGHT`` for the word part), renormalised. See
:mod:`vintage_ai_assets.evaluation.train_sentiment` for how ``data/sentiment_head.json``
is made and :mod:`vintage_ai_assets.evaluation.sentiment` for its held-out figures.

The score keeps the convention of the rule scorer: the most probable class decides the
label under the usual ±0.05 bands (neutral scores stay strictly inside them), and the
magnitude grows with P(positive) − P(negative).

The head is tied to the embedding model it was trained on (the shipped MiniLM); with
another embedding model the pipeline falls back to the rules.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from vintage_ai_assets.nlp import sentiment

METHOD = "car-sentiment-4"
CLASSES = ("negative", "neutral", "positive")
HEAD_FILE = Path(__file__).with_name("data") / "sentiment_head.json"
RULE_WEIGHT = 3.0  # rule features are scaled up to carry weight beside 384 embedding dims
NEUTRAL_SPAN = 0.049  # neutral scores stay inside the ±0.05 bands
SEED = 0
WORD_WEIGHT = 0.5  # the word part's share of the blend (log-probabilities)
WORD_NGRAMS = (1, 2)
WORD_MIN_DF = 3  # a term must occur in this many training texts
WORD_C = 2.0


def rule_features(texts: Sequence[str]) -> np.ndarray:
    """Per text: the rule score, its raw value, its size and its class (n × 5)."""
    scores, raw = sentiment.rule_scores(texts)
    return RULE_WEIGHT * np.column_stack(
        [
            scores,
            raw,
            np.abs(scores),
            scores > sentiment.POSITIVE,
            scores < sentiment.NEGATIVE,
        ]
    ).astype(np.float64)


def features(texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
    """The classifier's input: embedding then rule features, one row per text."""
    embeddings = np.asarray(embeddings, dtype=np.float64)
    if embeddings.shape[0] != len(texts):
        raise ValueError(f"{len(texts)} texts but {embeddings.shape[0]} embedding rows")
    return np.hstack([embeddings, rule_features(texts)])


def scores_from_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """Scores in [-1, 1] whose ±0.05 bands give the most probable class."""
    p = np.asarray(probabilities, dtype=np.float64)
    margin = p[:, 2] - p[:, 0]
    best = p.argmax(axis=1)
    out = NEUTRAL_SPAN * margin
    out[best == 2] = sentiment.POSITIVE + (1 - sentiment.POSITIVE) * margin[best == 2] + 1e-9
    out[best == 0] = sentiment.NEGATIVE + (1 - sentiment.POSITIVE) * margin[best == 0] - 1e-9
    return np.clip(out, -1.0, 1.0)


def _balanced_logistic_regression(c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=SEED)


def _class_order(model) -> list[int]:
    return [list(model.classes_).index(label) for label in CLASSES]


def _softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class WordModel:
    """The word part: logistic-regression weights over TF-IDF word n-grams of the text."""

    terms: tuple[str, ...]
    idf: np.ndarray  # per term
    coef: np.ndarray  # classes × terms
    intercept: np.ndarray  # classes
    c: float

    @cached_property
    def _vectorizer(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(
            vocabulary={term: i for i, term in enumerate(self.terms)},
            ngram_range=WORD_NGRAMS,
            sublinear_tf=True,
            dtype=np.float64,
        )
        vectorizer.idf_ = self.idf
        return vectorizer

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Class logits (negative, neutral, positive) per text from its words alone."""
        texts = [t if isinstance(t, str) else "" for t in texts]
        return np.asarray(self._vectorizer.transform(texts) @ self.coef.T) + self.intercept

    @classmethod
    def fit(cls, texts: Sequence[str], labels: np.ndarray, c: float) -> WordModel | None:
        """Fit on labelled texts; None when too few terms recur to build a vocabulary."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(
            ngram_range=WORD_NGRAMS, min_df=WORD_MIN_DF, sublinear_tf=True, dtype=np.float64
        )
        try:
            matrix = vectorizer.fit_transform([t if isinstance(t, str) else "" for t in texts])
        except ValueError:  # empty vocabulary: no term in WORD_MIN_DF texts
            return None
        model = _balanced_logistic_regression(c).fit(matrix, labels)
        terms = vectorizer.get_feature_names_out()
        return cls(
            terms=tuple(str(t) for t in terms),
            idf=np.asarray(vectorizer.idf_, dtype=np.float64),
            coef=model.coef_[_class_order(model)],
            intercept=model.intercept_[_class_order(model)],
            c=c,
        )

    def to_dict(self) -> dict:
        return {
            "ngram_range": list(WORD_NGRAMS),
            "min_df": WORD_MIN_DF,
            "C": self.c,
            "terms": list(self.terms),
            "idf": [round(float(v), 5) for v in self.idf],
            "intercept": [round(float(v), 6) for v in self.intercept],
            "coef": [[round(float(v), 5) for v in row] for row in self.coef],
        }

    @classmethod
    def from_dict(cls, data: dict) -> WordModel:
        if tuple(data["ngram_range"]) != WORD_NGRAMS:
            raise ValueError("sentiment head file does not match this version of the code")
        return cls(
            terms=tuple(data["terms"]),
            idf=np.asarray(data["idf"], dtype=np.float64),
            coef=np.asarray(data["coef"], dtype=np.float64),
            intercept=np.asarray(data["intercept"], dtype=np.float64),
            c=float(data["C"]),
        )


@dataclass(frozen=True)
class SentimentHead:
    """A trained blend: the embedding part's logistic-regression weights over
    :func:`features`, and the word part."""

    embedding_model: str
    coef: np.ndarray  # classes × features
    intercept: np.ndarray  # classes
    c: float
    words: WordModel | None = None
    trained_on: dict = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return int(self.coef.shape[1] - rule_features([""]).shape[1])

    def probabilities(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        """P(negative), P(neutral), P(positive) per text."""
        if len(texts) == 0:
            return np.zeros((0, 3))
        embeddings = np.asarray(embeddings)
        if embeddings.ndim != 2 or embeddings.shape[1] != self.dim:
            raise ValueError(
                f"the sentiment head expects {self.dim}-dim embeddings of "
                f"{self.embedding_model}, got shape {embeddings.shape}"
            )
        logits = features(texts, embeddings) @ self.coef.T + self.intercept
        if self.words is None:
            return _softmax(logits)
        # Weighted geometric mean of the parts' probabilities, renormalised: a softmax of the
        # weighted logits (each row's normalising constants cancel).
        return _softmax((1 - WORD_WEIGHT) * logits + WORD_WEIGHT * self.words.logits(texts))

    def score(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        """Scores in [-1, 1], one per text (see the module docstring)."""
        if len(texts) == 0:
            return np.zeros(0)
        return scores_from_probabilities(self.probabilities(texts, embeddings))

    def to_json(self) -> str:
        return json.dumps(
            {
                "method": METHOD,
                "classes": list(CLASSES),
                "embedding_model": self.embedding_model,
                "rule_weight": RULE_WEIGHT,
                "C": self.c,
                "word_weight": WORD_WEIGHT,
                "trained_on": self.trained_on,
                "intercept": [round(float(v), 6) for v in self.intercept],
                "coef": [[round(float(v), 6) for v in row] for row in self.coef],
                "words": None if self.words is None else self.words.to_dict(),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> SentimentHead:
        data = json.loads(text)
        if (
            data.get("method") != METHOD
            or data.get("classes") != list(CLASSES)
            or data.get("rule_weight") != RULE_WEIGHT
            or data.get("word_weight") != WORD_WEIGHT
        ):
            raise ValueError("sentiment head file does not match this version of the code")
        return cls(
            embedding_model=data["embedding_model"],
            coef=np.asarray(data["coef"], dtype=np.float64),
            intercept=np.asarray(data["intercept"], dtype=np.float64),
            c=float(data["C"]),
            words=None if data.get("words") is None else WordModel.from_dict(data["words"]),
            trained_on=data.get("trained_on", {}),
        )


def train_head(
    texts: Sequence[str],
    labels: Sequence[str],
    embeddings: np.ndarray,
    c: float,
    embedding_model: str,
    trained_on: dict | None = None,
    word_c: float = WORD_C,
) -> SentimentHead:
    """Fit both parts on labelled texts (labels from :data:`CLASSES`); ``c`` and ``word_c``
    are the embedding and word parts' inverse regularisation strengths."""
    unknown = sorted(set(labels) - set(CLASSES))
    if unknown:
        raise ValueError(f"unknown sentiment labels: {unknown}")
    labels_arr = np.asarray(labels)
    model = _balanced_logistic_regression(c).fit(features(texts, embeddings), labels_arr)
    return SentimentHead(
        embedding_model=embedding_model,
        coef=model.coef_[_class_order(model)],
        intercept=model.intercept_[_class_order(model)],
        c=c,
        words=WordModel.fit(texts, labels_arr, word_c),
        trained_on=trained_on or {},
    )


def cross_validated_labels(
    texts: Sequence[str],
    labels: Sequence[str],
    embeddings: np.ndarray,
    c: float,
    folds: int = 5,
    seed: int = SEED,
    word_c: float = WORD_C,
) -> np.ndarray:
    """Out-of-fold predicted labels (stratified folds), for choosing C and honest DEV figures."""
    from sklearn.model_selection import StratifiedKFold

    labels_arr = np.asarray(labels)
    embeddings = np.asarray(embeddings)
    out = np.empty(len(texts), dtype=object)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(embeddings, labels_arr):
        head = train_head(
            [texts[i] for i in train], labels_arr[train], embeddings[train], c, "cv", word_c=word_c
        )
        probabilities = head.probabilities([texts[i] for i in test], embeddings[test])
        out[test] = np.asarray(CLASSES, dtype=object)[probabilities.argmax(axis=1)]
    return out


@cache
def load_head(path: Path = HEAD_FILE) -> SentimentHead:
    """The shipped head (read once per process)."""
    return SentimentHead.from_json(Path(path).read_text(encoding="utf-8"))


def head_applies(embedding_model: str) -> bool:
    """Whether the shipped head was trained on ``embedding_model``'s embeddings."""
    from vintage_ai_assets.nlp.embeddings import DEFAULT_MODEL

    names = {embedding_model, embedding_model.removeprefix("sentence-transformers/")}
    if not HEAD_FILE.is_file():
        return False
    return load_head().embedding_model in names or (
        load_head().embedding_model == DEFAULT_MODEL and not embedding_model
    )
