"""Which of the cars a text names it is about: the main car, a second only when discussed.

Owners name many cars in passing ("it has the running gear of the early 944s"), list
members' signatures name theirs, captions tag other cars for reach (``#xj220
#ferrarif50``) and a reply inherits its thread's car. Every car the text, its hashtags,
its subject, its thread or its list names is a *candidate*; a logistic regression over
what is known of each candidate — how often and where the text names it, by which kind of
name, with "my" or a model year before it, only in hashtags or the subject, how many other
cars compete — gives the probability that the text is about it, and the candidates at or
above the model's threshold are kept. The model is trained on the team's labelled DEV
texts (:mod:`vintage_ai_assets.evaluation.train_aboutness`) and shipped as
``data/aboutness.json``; without it every candidate the text itself names is kept.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from vintage_ai_assets.cleaning.matching import CarMatcher, Match

MODEL_FILE = Path(__file__).with_name("data") / "aboutness.json"
FEATURES = (
    "in_text",
    "alias",
    "weak",
    "generic",
    "year_elsewhere",
    "hashtag",
    "hashtag_only",
    "subject",
    "thread",
    "list",
    "mentions",
    "share",
    "first_position",
    "in_opening",
    "possessive",
    "year_before",
    "other_cars",
    "other_max_mentions",
    "words",
    "reply",
    "make_named",
)
_POSSESSIVE = re.compile(
    r"\b(?:my|our|mine|his|her|i\s+(?:have|own|had|bought|sold|drive|drove|got)|"
    r"(?:bought|sold|selling|buying|drive|driving|drove|restoring|owned?)\s+(?:a|an|the|my)?)"
    r"\s*(?:[\w'’-]+\s+){0,3}$",
    re.IGNORECASE,
)
_YEAR_BEFORE = re.compile(r"(?:\b(?:19|20)\d\d|['’‘]\d\d)\s*(?:[\w-]+\s+){0,2}$")
_OPENING_CHARS = 200


@dataclass(frozen=True)
class Candidate:
    """A car a text may be about, how it was found (``alias``, ``weak`` or ``generic`` when
    the text names it, else ``hashtag``, ``thread``, ``subject`` or ``list``), and its
    features."""

    car: str
    how: str
    features: dict[str, float]


def _in_hashtag(text: str, start: int) -> bool:
    return start > 0 and text[start - 1] == "#"


def candidates(
    matcher: CarMatcher,
    text: str,
    *,
    context_makes: frozenset[str] = frozenset(),
    subject: str = "",
    thread_cars: Sequence[str] = (),
    list_cars: Sequence[str] = (),
    reply: bool = False,
) -> list[Candidate]:
    """Every car the text, its hashtags, subject, thread or list names, with features."""
    found: dict[str, Match] = {m.car: m for m in matcher.find(text, context_makes)}
    tags = matcher.hashtags(text)
    # a line name whose generation a model year elsewhere in the text tells
    for car, car_spans in matcher.by_year_elsewhere(text).items():
        if car not in found and matcher.catalog[car].make in (
            context_makes | matcher.makes_named(text)
        ):
            found[car] = Match(car, "", "year", tuple(car_spans))
    subject_cars = set(matcher.cars(subject, context_makes)) if subject else set()
    cars = list(dict.fromkeys([*found, *tags, *subject_cars, *thread_cars, *list_cars]))
    if not cars:
        return []
    spans = {
        car: sorted(set((found[car].spans if car in found else ()) + tuple(tags.get(car, ()))))
        for car in cars
    }
    counts = {car: len(s) for car, s in spans.items()}
    total = sum(counts.values()) or 1
    length = max(1, len(text))
    named_makes = matcher.makes_named(text)
    out = []
    for car in cars:
        match = found.get(car)
        car_spans = spans[car]
        text_spans = [s for s in car_spans if not _in_hashtag(text, s[0])]
        before = [text[max(0, s - 60) : s] for s, _ in car_spans]
        others = [counts[c] for c in cars if c != car]
        features = {
            "in_text": float(bool(text_spans)),
            "alias": float(match is not None and match.strength == "alias"),
            "weak": float(match is not None and match.strength == "weak"),
            "generic": float(match is not None and match.strength == "generic"),
            "year_elsewhere": float(match is not None and match.strength == "year"),
            "hashtag": float(len(car_spans) > len(text_spans)),
            "hashtag_only": float(bool(car_spans) and not text_spans),
            "subject": float(car in subject_cars),
            "thread": float(car in thread_cars),
            "list": float(car in list_cars),
            "mentions": math.log1p(counts[car]),
            "share": counts[car] / total,
            "first_position": car_spans[0][0] / length if car_spans else 1.0,
            "in_opening": float(bool(car_spans) and car_spans[0][0] < _OPENING_CHARS),
            "possessive": float(any(_POSSESSIVE.search(b) for b in before)),
            "year_before": float(any(_YEAR_BEFORE.search(b) for b in before)),
            "other_cars": math.log1p(len(others)),
            "other_max_mentions": math.log1p(max(others, default=0)),
            "words": math.log1p(len(text.split())),
            "reply": float(reply),
            "make_named": float(matcher.catalog[car].make in named_makes),
        }
        how = (
            match.strength.replace("year", "generic")
            if match is not None and text_spans
            else (
                "hashtag"
                if car in tags
                else "thread"
                if car in thread_cars
                else "subject"
                if car in subject_cars
                else "list"
            )
        )
        out.append(Candidate(car, how, features))
    return out


@dataclass(frozen=True)
class AboutnessModel:
    """Logistic-regression weights over :data:`FEATURES` and the decision threshold."""

    coef: np.ndarray
    intercept: float
    threshold: float
    trained_on: dict

    def probabilities(self, found: Sequence[Candidate]) -> np.ndarray:
        if not found:
            return np.zeros(0)
        x = np.array([[c.features[f] for f in FEATURES] for c in found], dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-(x @ self.coef + self.intercept)))

    def to_json(self) -> str:
        return json.dumps(
            {
                "features": list(FEATURES),
                "coef": [round(float(v), 6) for v in self.coef],
                "intercept": round(float(self.intercept), 6),
                "threshold": self.threshold,
                "trained_on": self.trained_on,
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> AboutnessModel:
        data = json.loads(text)
        if data.get("features") != list(FEATURES):
            raise ValueError("aboutness model file does not match this version of the code")
        return cls(
            np.asarray(data["coef"], dtype=np.float64),
            float(data["intercept"]),
            float(data["threshold"]),
            data.get("trained_on", {}),
        )


@cache
def load_model(path: Path = MODEL_FILE) -> AboutnessModel | None:
    """The shipped model, or None when there is none."""
    return AboutnessModel.from_json(path.read_text("utf-8")) if path.is_file() else None


def about(found: Sequence[Candidate], model: AboutnessModel | None = None) -> list[Candidate]:
    """The candidates the text is about (all those the text names without a model)."""
    model = model if model is not None else load_model()
    if model is None:
        return [c for c in found if c.features["in_text"]]
    keep = model.probabilities(found) >= model.threshold
    return [c for c, k in zip(found, keep, strict=True) if k]
