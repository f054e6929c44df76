"""Sentiment on −1..+1 per text, tuned for car-community writing ("car-vader-1").

Rule based and offline, built on VADER: its packaged lexicon, emoji descriptions,
booster words, negations and constants, and its sentence rules (boosters, negation within
three words, "but" clauses, ALL-CAPS and "!" emphasis, the x/√(x²+15) compound), re-run
here per sentence with car-community changes. Plain VADER scores about 0.4 macro-F1 on
real enthusiast posts; see :mod:`vintage_ai_assets.evaluation.sentiment` for the figures.

1. **Normalise**: URLs dropped, curly quotes straightened, emoji turned into tokens with
   car-talk valences (🔥 😍 👌 ❤️ 💯 praise; 😢 😭 🤦 🙄 complaint; VADER reads 🔥 as
   "fire", i.e. negative).
2. **Phrases**: multi-word expressions become one token with its own valence ("money pit",
   "rust bucket", "needs a rebuild", "won't start", "lives at the dealer", "no rust",
   "never had an issue", "stupid fast", "runs like a dream", "to die for"), or a neutral one
   where VADER's words mislead ("crash test", "feel free", "best way to", "clean title",
   "blind spot"); see :mod:`vintage_ai_assets.nlp.car_lexicon`.
3. **Lexicon**: VADER's valences shrunk by ``LEXICON_SHRINK`` (its weak general-English
   entries are noise in technical posts), then the car lexicon on top: slang praise
   ("beast", "sick", "killer", "mental", "bonkers", "mint"), faults ("leaking", "rattle",
   "misfire", "seized"), makes and models VADER knows as words (Kia, Fury, Escape) and
   help-thread politeness ("thanks", "please", "help") set to 0.
4. **Sentences**: questions ("?", or starting like one) keep little of their positive
   sentiment ("is it a good car?") and ranking words in them none ("worst brand?");
   wishes and hypotheticals ("would", "if", "hope": irrealis) keep little; negation stops
   at a clause break ("not starting, or dies"); "however"/"though" act like "but".
5. **Text**: the title weighs double; positive and negative sentence evidence are summed
   over a length normaliser (a long help post with a stray "great" stays near 0, a short
   "What a beast!" is clearly positive); posts that ask keep half their positive evidence.
6. **Ads and notices**: sale/want ads ("FS:", "WTB", "asking $", "price drop", "located
   in", "DM for details") and moderator megathreads are damped towards neutral unless they
   are clearly opinionated.
7. **Neutral band**: magnitudes inside a dead zone (``DEAD_ZONE_SHORT`` for one sentence,
   widening to ``DEAD_ZONE`` for longer texts, which collect incidental sentiment words)
   become exactly 0 and the rest is rescaled to fill −1..+1, so VADER's usual ±0.05 bands
   (``POSITIVE``/``NEGATIVE``, used by :func:`labels` and the daily series) give the three
   classes while the score stays continuous.

About 0.3 ms per forum-length text (10,000 in a few seconds), identical texts scored once
per call (:func:`score_rules`; :func:`score_texts` is the pipeline's classifier). The
lexicon is English: :func:`vintage_ai_assets.nlp.scoring.score_mentions` leaves texts in other languages unscored (NaN)
rather than giving them a confident wrong score.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Sequence
from functools import cache

import numpy as np
from vaderSentiment.vaderSentiment import BOOSTER_DICT, C_INCR, N_SCALAR, NEGATE

from vintage_ai_assets.nlp import car_lexicon

#: English, and texts without words of any language ("F40!!! 🔥"): the rules read emoji.
SCORED_LANGUAGES = frozenset({"en", "zxx"})
METHOD = "car-vader-2"

# Three classes from the continuous score, as for VADER's compound score.
POSITIVE = 0.05
NEGATIVE = -0.05

MAX_CHARS = 5000  # longer texts are scored on their beginning
MAX_SENTENCE_WORDS = 60  # VADER's rules are quadratic in sentence length

# Rule weights, tuned on the DEV split only (see vintage_ai_assets.evaluation.sentiment).
LEXICON_SHRINK = 1.0  # VADER's own valences lose this much magnitude: its weak general-
# English entries ("surely", "grand", "original", "ready") are noise in technical car talk;
# the car lexicon's entries are kept as they are.
NEGATED_NEGATIVE = -0.74  # "not bad", "isn't terrible": a negated negative word's factor
QUESTION_POSITIVE = 0.3  # share of a question's positive sentiment that counts ("good car?")
QUESTION_NEGATIVE = 1.0  # ... and of its negative sentiment ("why does it keep dying?")
IRREALIS_POSITIVE = 0.3  # share of a wish / hypothetical's positive sentiment that counts
IRREALIS_NEGATIVE = 0.8  # ... and of its negative sentiment
QUESTION_POST_POSITIVE = 0.5  # positive sentiment of a post that asks (title or 1/3 questions)
TITLE_WEIGHT = 2.0  # the first line (a post's title) counts more
LENGTH_POWER = 0.5  # sentence evidence is summed over (weights ** LENGTH_POWER + 1)
AD_DAMPING = 0.25  # share of an ad's (or moderator notice's) sentiment that counts ...
AD_KEEP_ABOVE = 0.8  # ... unless it is this opinionated
AD_CHARS = 1000  # ads and notices say so early
DEAD_ZONE_SHORT = 0.2  # |raw| below this is neutral for a one-sentence text ...
DEAD_ZONE = 0.35  # ... and below this for texts of DEAD_ZONE_SENTENCES + 1 sentences or more
DEAD_ZONE_SENTENCES = 2


@cache
def _resources() -> tuple[dict[str, float], dict[str, str], re.Pattern]:
    """The lexicon (VADER's, shrunk, plus the car lexicon) and the emoji → token map."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    lexicon = {
        word: math.copysign(max(0.0, abs(valence) - LEXICON_SHRINK), valence)
        for word, valence in vader.lexicon.items()
    }
    lexicon.update(car_lexicon.WORDS)
    lexicon.update(car_lexicon.TOKENS)
    emojis = {emoji: f" {description} " for emoji, description in vader.emojis.items()}
    for emoji, (token, valence) in car_lexicon.EMOJI.items():
        emojis[emoji] = f" {token} "
        lexicon[token] = valence
    # Words of valence 0 are left out, so they act as plain words (as boosters and
    # negations only plain words do).
    lexicon = {word: v for word, v in lexicon.items() if v != 0.0}
    pattern = re.compile("|".join(re.escape(e) for e in sorted(emojis, key=len, reverse=True)))
    return lexicon, emojis, pattern


_URL = re.compile(r"https?://\S+|www\.\S+|\b\S+\.(?:com|org|net|co)/\S*", re.IGNORECASE)
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u200b": " "})
_NON_ASCII_SYMBOL = re.compile(r"[\u2000-\U0010ffff]")
_ZERO = re.compile(
    r"\b(?:zero|0) (?=(?:\w+ )?(?:issues?|problems?|rust|leaks?|complaints?|"
    r"regrets?|accidents?|damage|rattles?|drama)\b)",
    re.IGNORECASE,
)
_SINGLE = re.compile(r"\b(a|one|any) single\b", re.IGNORECASE)
_PHRASES = [
    (frozenset(triggers), re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE), token)
    for triggers, pattern, token in car_lexicon.PHRASES
]
# All trigger substrings in one scan; a match also covers the triggers it contains.
_TRIGGERS = sorted({t for triggers, _, _ in _PHRASES for t in triggers}, key=len, reverse=True)
_TRIGGER = re.compile("|".join(re.escape(t) for t in _TRIGGERS))
_COVERED = {literal: frozenset(t for t in _TRIGGERS if t in literal) for literal in _TRIGGERS}
_URL_MARKERS = ("http", "www.", ".com/", ".org/", ".net/", ".co/")
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+|(?<=[.!?])(?=[A-Z])|\s+[-–|]\s+")
_EXCLAMATIVE = re.compile(r"\W*(?:what an?|such an?) ", re.IGNORECASE)
_ELONGATED = re.compile(r"([a-z])\1{2,}")
_SENTENCE_END = re.compile(r"[.!]\s*\W*$")
_PUNCT = string.punctuation
_CONTRAST = frozenset({"but", "however", "although", "though", "yet"})


def _prepare(text: str) -> str:
    """URLs out, quotes straightened, emoji and phrases turned into lexicon tokens."""
    text = text[:MAX_CHARS].translate(_QUOTES)
    lowered = text.lower()
    if any(marker in lowered for marker in _URL_MARKERS):
        text = _URL.sub(" ", text)
    if not text.isascii() and _NON_ASCII_SYMBOL.search(text):
        _, emojis, pattern = _resources()
        text = pattern.sub(lambda m: emojis[m.group(0)], text)
    if "zero" in lowered or "0 " in lowered:
        text = _ZERO.sub("no ", text)
    if " single" in lowered:
        text = _SINGLE.sub(r"\1", text)
    found: set[str] = set()
    for literal in _TRIGGER.findall(lowered):
        found |= _COVERED[literal]
    if found:
        for triggers, pattern, token in _PHRASES:
            if not found.isdisjoint(triggers):
                text = pattern.sub(token, text)
    return text


def _is_question(sentence: str) -> bool:
    stripped = sentence.rstrip()
    if "?" in stripped[-4:]:
        return True
    if _EXCLAMATIVE.match(stripped):  # "What a beast", "What an absolute joy to drive"
        return False
    return bool(car_lexicon.QUESTION_START.match(stripped)) and not _SENTENCE_END.search(stripped)


def _is_irrealis(sentence: str) -> bool:
    return any(word.strip(_PUNCT) in car_lexicon.IRREALIS for word in sentence.lower().split())


def _sentences(text: str) -> list[str]:
    out = []
    for part in _SENTENCES.split(text):
        words = part.split()
        if not words:
            continue
        for start in range(0, len(words), MAX_SENTENCE_WORDS):
            out.append(" ".join(words[start : start + MAX_SENTENCE_WORDS]))
    return out


def _strip_word(token: str) -> str:
    stripped = token.strip(_PUNCT)  # as VADER: keep short tokens (emoticons) as they are
    return stripped if len(stripped) > 2 else token


def _sentence_compound(sentence: str, lexicon: dict[str, float], question: bool = False) -> float:
    """VADER's rules on one sentence (lexicon, boosters, negation, "but", caps, "!"),
    with a negated negative word softened ("not bad" is mildly positive)."""
    raw_words = sentence.split()
    words = [_strip_word(w) for w in raw_words]
    lower = [w.lower() for w in words]
    # A word ending a clause ("not starting, or dies") ends the reach of a negation.
    clause_end = [w[-1] in ",;:" for w in raw_words]
    n = len(words)
    caps = sum(1 for w in words if w.isupper())
    cap_diff = 0 < caps < n
    values = [0.0] * n
    any_value = False
    for i, word in enumerate(lower):
        valence = lexicon.get(word)
        if valence is None and _ELONGATED.search(word):  # "Happyyyy", "sooo good"
            elongated = word
            word = _ELONGATED.sub(r"\1\1", elongated)
            valence = lexicon.get(word)
            if valence is None:
                word = _ELONGATED.sub(r"\1", elongated)
                valence = lexicon.get(word)
            lower[i] = word
        if valence is None or word in BOOSTER_DICT:
            continue
        if word == "kind" and i + 1 < n and lower[i + 1] == "of":
            continue
        if question and word in car_lexicon.SURVEY_WORDS:
            continue
        if cap_diff and words[i].isupper():
            valence += C_INCR if valence > 0 else -C_INCR
        negate = False
        for k in (1, 2, 3):
            if i - k < 0:
                break
            previous = lower[i - k]
            if clause_end[i - k]:
                break
            if previous in lexicon:
                continue
            boost = BOOSTER_DICT.get(previous)
            if boost is not None:
                boost = boost if valence > 0 else -boost
                if cap_diff and words[i - k].isupper():
                    boost += C_INCR if valence > 0 else -C_INCR
                valence += boost * (1.0, 0.95, 0.9)[k - 1]
            if previous in NEGATE or previous == "no" or "n't" in previous:
                negate = True
        if negate:
            valence *= N_SCALAR if valence > 0 else NEGATED_NEGATIVE
        if i > 0 and lower[i - 1] == "least" and (i < 2 or lower[i - 2] not in ("at", "very")):
            valence *= N_SCALAR
        values[i] = valence
        any_value = True
    if not any_value:
        return 0.0
    cut = next((j for j, w in enumerate(lower) if w in _CONTRAST), -1)
    if cut >= 0:
        values = [v * 0.5 for v in values[:cut]] + [0.0] + [v * 1.5 for v in values[cut + 1 :]]
    total = sum(values)
    if total:
        emphasis = min(sentence.count("!"), 4) * 0.292
        total += emphasis if total > 0 else -emphasis
    return total / math.sqrt(total * total + 15.0)


def _raw_score(text: str) -> tuple[float, int]:
    """The score before the dead zone, in (−1, 1), and the number of sentences."""
    lexicon = _resources()[0]
    sentences = _sentences(_prepare(text))
    if not sentences:
        return 0.0, 0
    questions = [_is_question(sentence) for sentence in sentences]
    question_post = questions[0] or sum(questions) * 3 >= len(sentences)
    positive = negative = weights = 0.0
    for i, (sentence, question) in enumerate(zip(sentences, questions, strict=True)):
        compound = _sentence_compound(sentence, lexicon, question)
        if not compound:
            continue
        magnitude = abs(compound)
        if question:
            magnitude *= QUESTION_POSITIVE if compound > 0 else QUESTION_NEGATIVE
        elif _is_irrealis(sentence):
            magnitude *= IRREALIS_POSITIVE if compound > 0 else IRREALIS_NEGATIVE
        weight = TITLE_WEIGHT if i == 0 and len(sentences) > 1 else 1.0
        if compound > 0:
            positive += weight * magnitude
        else:
            negative += weight * magnitude
        weights += weight
    if question_post:
        positive *= QUESTION_POST_POSITIVE
    raw = math.tanh(2.0 * (positive - negative) / (weights**LENGTH_POWER + 1.0))
    head = text[:AD_CHARS]
    if (
        raw
        and abs(raw) < AD_KEEP_ABOVE
        and (car_lexicon.AD_PATTERN.search(head) or car_lexicon.NOTICE_PATTERN.search(head))
    ):
        raw *= AD_DAMPING
    return raw, len(sentences)


def _dead_zone(raw: float, n_sentences: int) -> float:
    """Magnitudes below the dead zone become 0, the rest is rescaled to reach ±1. The zone
    widens with length: a long post collects incidental sentiment words."""
    share = min(1.0, max(0, n_sentences - 1) / DEAD_ZONE_SENTENCES)
    zone = DEAD_ZONE_SHORT + (DEAD_ZONE - DEAD_ZONE_SHORT) * share
    magnitude = (abs(raw) - zone) / (1.0 - zone)
    return math.copysign(min(1.0, magnitude), raw) if magnitude > 0 else 0.0


def score_rules(texts: Sequence[str]) -> np.ndarray:
    """Sentiment of each text in [-1, 1] by the rules alone (``car-vader-2``): no model,
    about 0.3 ms a text. Identical texts are scored once per call."""
    return rule_scores(texts)[0]


def rule_scores(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(scores, raw scores before the neutral band) of the rule scorer, one per text."""
    cache_: dict[str, tuple[float, float]] = {}
    out = np.empty((len(texts), 2), dtype=np.float64)
    for i, text in enumerate(texts):
        key = text if isinstance(text, str) else ""
        value = cache_.get(key)
        if value is None:
            raw, n_sentences = _raw_score(key) if key.strip() else (0.0, 0)
            value = cache_[key] = (_dead_zone(raw, n_sentences), raw)
        out[i] = value
    return np.clip(out[:, 0], -1.0, 1.0), out[:, 1]


def labels(scores: np.ndarray) -> np.ndarray:
    """negative / neutral / positive for each score (NaN → "unscored")."""
    scores = np.asarray(scores, dtype=np.float64)
    out = np.full(scores.shape, "neutral", dtype=object)
    out[scores > POSITIVE] = "positive"
    out[scores < NEGATIVE] = "negative"
    out[np.isnan(scores)] = "unscored"
    return out
