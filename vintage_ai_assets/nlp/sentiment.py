"""Sentiment on −1..+1 per text (first version: VADER's compound score).

VADER's lexicon is English only: texts in other languages are left unscored (NaN)
rather than given a confident wrong score.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

SCORED_LANGUAGES = frozenset({"en"})
METHOD = "vader-3.3.2"


@cache
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def score_texts(texts: Sequence[str]) -> np.ndarray:
    """Sentiment of each text in [-1, 1] (float64), in the order given."""
    analyzer = _analyzer()
    cache_: dict[str, float] = {}
    out = np.empty(len(texts), dtype=np.float64)
    for i, text in enumerate(texts):
        text = text if isinstance(text, str) else ""
        value = cache_.get(text)
        if value is None:
            value = cache_[text] = analyzer.polarity_scores(text[:5000])["compound"]
        out[i] = value
    return np.clip(out, -1.0, 1.0)


def score_mentions(texts: Sequence[str], langs: Sequence[str]) -> np.ndarray:
    """Like :func:`score_texts`, NaN where the language is not one the scorer supports."""
    langs_arr = np.asarray(langs, dtype=object)
    supported = np.isin(langs_arr, list(SCORED_LANGUAGES))
    out = np.full(len(texts), np.nan)
    if supported.any():
        idx = np.flatnonzero(supported)
        out[idx] = score_texts([texts[i] for i in idx])
    return out
