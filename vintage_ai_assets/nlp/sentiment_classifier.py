"""car-sentiment-3: the rule scorer's evidence and the text's embedding, blended by a
classifier the team trained on its labelled car-community texts.

The rules (``car-vader-2``, :mod:`vintage_ai_assets.nlp.sentiment`) see feeling words; the
MiniLM embedding sees what a lexicon cannot, such as a first-hand fault told without a
feeling word ("fuses keep blowing", "car was vandalized"). A multinomial logistic
regression (class-balanced, C chosen by cross-validation on DEV only) over
``[embedding, rule features]`` gives P(negative), P(neutral), P(positive); see
:mod:`vintage_ai_assets.evaluation.train_sentiment` for how ``data/sentiment_head.json`` is
made and :mod:`vintage_ai_assets.evaluation.sentiment` for its held-out figures.

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
from functools import cache
from pathlib import Path

import numpy as np

from vintage_ai_assets.nlp import sentiment

METHOD = "car-sentiment-3"
CLASSES = ("negative", "neutral", "positive")
HEAD_FILE = Path(__file__).with_name("data") / "sentiment_head.json"
RULE_WEIGHT = 3.0  # rule features are scaled up to carry weight beside 384 embedding dims
NEUTRAL_SPAN = 0.049  # neutral scores stay inside the ±0.05 bands
SEED = 0


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


@dataclass(frozen=True)
class SentimentHead:
    """A trained blend: logistic-regression weights over :func:`features`."""

    embedding_model: str
    coef: np.ndarray  # classes × features
    intercept: np.ndarray  # classes
    c: float
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
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

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
                "trained_on": self.trained_on,
                "intercept": [round(float(v), 6) for v in self.intercept],
                "coef": [[round(float(v), 6) for v in row] for row in self.coef],
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> SentimentHead:
        data = json.loads(text)
        if data.get("classes") != list(CLASSES) or data.get("rule_weight") != RULE_WEIGHT:
            raise ValueError("sentiment head file does not match this version of the code")
        return cls(
            embedding_model=data["embedding_model"],
            coef=np.asarray(data["coef"], dtype=np.float64),
            intercept=np.asarray(data["intercept"], dtype=np.float64),
            c=float(data["C"]),
            trained_on=data.get("trained_on", {}),
        )


def train_head(
    texts: Sequence[str],
    labels: Sequence[str],
    embeddings: np.ndarray,
    c: float,
    embedding_model: str,
    trained_on: dict | None = None,
) -> SentimentHead:
    """Fit the blend on labelled texts (labels from :data:`CLASSES`)."""
    from sklearn.linear_model import LogisticRegression

    unknown = sorted(set(labels) - set(CLASSES))
    if unknown:
        raise ValueError(f"unknown sentiment labels: {unknown}")
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=SEED)
    model.fit(features(texts, embeddings), np.asarray(labels))
    order = [list(model.classes_).index(label) for label in CLASSES]
    return SentimentHead(
        embedding_model=embedding_model,
        coef=model.coef_[order],
        intercept=model.intercept_[order],
        c=c,
        trained_on=trained_on or {},
    )


def cross_validated_labels(
    texts: Sequence[str],
    labels: Sequence[str],
    embeddings: np.ndarray,
    c: float,
    folds: int = 5,
    seed: int = SEED,
) -> np.ndarray:
    """Out-of-fold predicted labels (stratified folds), for choosing C and honest DEV figures."""
    from sklearn.model_selection import StratifiedKFold

    labels_arr = np.asarray(labels)
    embeddings = np.asarray(embeddings)
    out = np.empty(len(texts), dtype=object)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(embeddings, labels_arr):
        head = train_head([texts[i] for i in train], labels_arr[train], embeddings[train], c, "cv")
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
