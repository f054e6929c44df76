"""The pipeline's sentiment scores: the trained classifier over the texts' embeddings
(:mod:`vintage_ai_assets.nlp.sentiment_classifier`), or the rules
(:mod:`vintage_ai_assets.nlp.sentiment`) where the classifier does not apply."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vintage_ai_assets.nlp import sentiment_classifier
from vintage_ai_assets.nlp.embeddings import configured_model
from vintage_ai_assets.nlp.sentiment import SCORED_LANGUAGES, score_rules


def score_texts(texts: Sequence[str], embeddings: np.ndarray | None = None) -> np.ndarray:
    """Sentiment of each text in [-1, 1] (float64), in the order given, by the pipeline's
    method: what ``nlp.mention_sentiment`` holds for these texts when they are English.

    That is the trained classifier (:mod:`vintage_ai_assets.nlp.sentiment_classifier`)
    over the texts' embeddings — ``embeddings`` when given (one row per text, as in
    ``nlp.text_embeddings``), else computed with the configured embedding model — or, when
    the classifier was trained on other embeddings than the configured model's, the rules
    (:func:`score_rules`), as the pipeline does.
    """
    if embeddings is None:
        if len(texts) == 0 or not sentiment_classifier.head_applies(configured_model()):
            return score_rules(texts)
        from vintage_ai_assets.nlp.embeddings import embed_texts

        embeddings = embed_texts([t if isinstance(t, str) else "" for t in texts])
    return sentiment_classifier.load_head().score(texts, embeddings)


def score_mentions(
    texts: Sequence[str],
    langs: Sequence[str] | None = None,
    embeddings: np.ndarray | None = None,
) -> np.ndarray:
    """The pipeline's scores: NaN where the language is not one the scorer supports.

    ``langs`` are the texts' language codes (the clean layer's ``lang``); when omitted they
    are detected with :func:`vintage_ai_assets.cleaning.language.detect_language`.
    With ``embeddings`` (one row per text) the trained classifier scores, without them the
    rules.
    """
    if langs is None:
        from vintage_ai_assets.cleaning.language import detect_language

        langs = [detect_language(t) if isinstance(t, str) else "" for t in texts]
    langs_arr = np.asarray(langs, dtype=object)
    supported = np.isin(langs_arr, list(SCORED_LANGUAGES))
    out = np.full(len(texts), np.nan)
    if supported.any():
        idx = np.flatnonzero(supported)
        picked = [texts[i] for i in idx]
        if embeddings is None:
            out[idx] = score_rules(picked)
        else:
            out[idx] = score_texts(picked, np.asarray(embeddings)[idx])
    return out
