"""Car-community vocabulary for the sentiment scorer, on VADER's −4..+4 valence scale.

Four parts, all applied by :mod:`vintage_ai_assets.nlp.sentiment` on top of VADER's packaged
lexicon (tuned on the DEV split of ``vintage_ai_assets/evaluation/data`` only):

- ``PHRASES``: multi-word expressions rewritten to one token before scoring ("money pit" →
  ``money_pit``), each token with its valence in ``TOKENS``; a valence of 0 marks a phrase
  whose words would otherwise mislead VADER ("crash test", "feel free", "best way to").
- ``WORDS``: single words added or re-weighted for car talk (slang praise such as "beast",
  "sick", "mental"; faults such as "misfire", "rattle"; help-thread politeness such as
  "thanks" and "please" set to 0 because it says nothing about the car).
- ``EMOJI``: emoji mapped to tokens with a valence (VADER reads 🔥 as "fire", i.e. negative).
- ``AD_PATTERN`` / ``QUESTION_START``: cues for sale/want ads and questions, which the scorer
  damps towards neutral unless they carry strong sentiment.

The vocabulary itself lives in ``data/car_lexicon.yaml`` (with a comment on each group),
read once at import.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load() -> dict[str, Any]:
    """The package's ``nlp/data/car_lexicon.yaml``."""
    path = resources.files("vintage_ai_assets.nlp").joinpath("data/car_lexicon.yaml")
    return yaml.load(path.read_text("utf-8"), Loader=_Loader)


def _regex(value: str | list[str]) -> str:
    """A regex written whole, or in pieces joined as they are (like adjacent literals)."""
    return value if isinstance(value, str) else "".join(value)


def _valences(mapping: dict[str, float]) -> dict[str, float]:
    return {key: float(value) for key, value in mapping.items()}


_DATA = _load()

# (triggers, regex, token): the regex is tried (case-insensitively, on word boundaries, in
# this order) only when one of the trigger substrings occurs in the lower-cased text, which
# keeps a 10,000-text call fast.
PHRASES: list[tuple[tuple[str, ...], str, str]] = [
    (tuple(entry["triggers"]), _regex(entry["pattern"]), entry["token"])
    for entry in _DATA["phrases"]
]

# Tokens made by PHRASES and EMOJI, with their valence (−4..+4).
TOKENS: dict[str, float] = _valences(_DATA["tokens"])

# Single words: added, or re-weighted where VADER's general-English valence misleads on
# car talk. 0.0 removes a word's sentiment (it stays a plain word). General-English VADER
# entries that are mostly names, specs or forum boilerplate here are set to 0.0 too.
WORDS: dict[str, float] = _valences(_DATA["words"])
WORDS.update({word: 0.0 for word in _DATA["neutral_words"].split() if word not in WORDS})

# Emoji → (token, valence). Other emoji keep VADER's own description.
EMOJI: dict[str, tuple[str, float]] = {
    emoji: (token, float(valence)) for emoji, (token, valence) in _DATA["emoji"].items()
}

# Superlatives that in a question ask for a ranking rather than judge ("best first 911?").
SURVEY_WORDS = frozenset(_DATA["survey_words"].split())

# Irrealis: in a sentence with one of these the sentiment is wished, supposed or asked for
# rather than reported ("it would be stunning", "I hope it's reliable").
IRREALIS = frozenset(_DATA["irrealis"].split())

# Recurring moderator threads (rules and links, not opinions): damped like ads.
NOTICE_PATTERN = re.compile(_regex(_DATA["notice_pattern"]), re.IGNORECASE)

# Sale / want ads (the scorer damps these towards neutral unless clearly opinionated).
AD_PATTERN = re.compile(_regex(_DATA["ad_pattern"]), re.IGNORECASE)

# A sentence that starts like this and has no full stop or "!" is a question even without "?".
QUESTION_START = re.compile(_regex(_DATA["question_start"]), re.IGNORECASE)

del _DATA
