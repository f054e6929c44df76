"""Language identification from stop-word profiles and scripts (fast, offline, no model).

Good on texts of a few words and more; very short texts with no stop words are taken as
English when they are in Latin script (they are mostly names and numbers), since the
first sentiment scorer handles English only and such texts carry little sentiment.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "and",
            "is",
            "are",
            "was",
            "were",
            "it",
            "this",
            "that",
            "with",
            "for",
            "have",
            "has",
            "had",
            "not",
            "but",
            "you",
            "my",
            "i",
            "of",
            "to",
            "in",
            "on",
            "a",
            "an",
            "be",
            "been",
            "at",
            "they",
            "what",
            "which",
            "would",
            "could",
            "should",
            "just",
            "so",
            "if",
            "or",
            "its",
            "it's",
            "from",
            "by",
            "about",
            "me",
            "we",
            "he",
            "she",
            "them",
            "there",
            "their",
            "your",
            "our",
            "any",
            "anyone",
            "how",
            "do",
            "does",
            "did",
        ]
    ),
    "it": frozenset(
        [
            "il",
            "lo",
            "la",
            "le",
            "gli",
            "di",
            "che",
            "è",
            "e",
            "un",
            "una",
            "per",
            "con",
            "non",
            "sono",
            "della",
            "del",
            "nel",
            "questa",
            "questo",
            "ma",
            "molto",
            "più",
            "anche",
            "come",
            "ho",
            "ha",
            "mi",
            "si",
            "da",
            "al",
            "alla",
            "dei",
            "delle",
            "bellissima",
            "bellissimo",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "ist",
            "nicht",
            "ein",
            "eine",
            "mit",
            "für",
            "auf",
            "ich",
            "sie",
            "es",
            "den",
            "dem",
            "zu",
            "von",
            "sehr",
            "auch",
            "wie",
            "noch",
            "bei",
            "aus",
            "aber",
            "wir",
            "hat",
            "habe",
            "war",
            "schön",
            "wirklich",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "et",
            "est",
            "un",
            "une",
            "des",
            "pour",
            "avec",
            "pas",
            "que",
            "qui",
            "dans",
            "sur",
            "ce",
            "cette",
            "très",
            "mais",
            "je",
            "nous",
            "vous",
            "il",
            "elle",
            "du",
            "au",
            "sont",
            "été",
            "voiture",
            "magnifique",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "y",
            "es",
            "un",
            "una",
            "de",
            "que",
            "en",
            "por",
            "con",
            "para",
            "muy",
            "pero",
            "no",
            "se",
            "su",
            "al",
            "lo",
            "como",
            "más",
            "este",
            "esta",
            "tengo",
            "hermoso",
            "precioso",
            "coche",
        ]
    ),
    "pt": frozenset(
        [
            "o",
            "a",
            "os",
            "as",
            "e",
            "é",
            "um",
            "uma",
            "de",
            "que",
            "em",
            "por",
            "com",
            "para",
            "muito",
            "mas",
            "não",
            "carro",
            "lindo",
        ]
    ),
    "nl": frozenset(
        [
            "de",
            "het",
            "een",
            "en",
            "is",
            "niet",
            "van",
            "met",
            "voor",
            "op",
            "dat",
            "ik",
            "zijn",
            "wat",
            "mooi",
            "auto",
            "erg",
        ]
    ),
}


def _script(text: str) -> str | None:
    counts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "")
            if name.startswith(("HIRAGANA", "KATAKANA")):
                key = "ja"
            elif name.startswith("CJK"):
                key = "zh"
            elif name.startswith("HANGUL"):
                key = "ko"
            elif name.startswith("CYRILLIC"):
                key = "ru"
            elif name.startswith("ARABIC"):
                key = "ar"
            elif name.startswith("GREEK"):
                key = "el"
            else:
                key = "latin"
            counts[key] = counts.get(key, 0) + 1
    if not counts:
        return None
    best = max(counts, key=lambda k: counts[k])
    if best == "zh" and counts.get("ja"):
        best = "ja"  # Japanese mixes kana with kanji
    return best


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language, or ``"und"`` when it cannot be told."""
    script = _script(text)
    if script is None:
        return "und"
    if script != "latin":
        return script
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return "und"
    scores = {lang: sum(w in stop for w in words) for lang, stop in STOPWORDS.items()}
    best = max(scores, key=lambda k: (scores[k], k == "en"))
    if scores[best] == 0:
        return "en"
    # English wins ties and near-ties: car talk borrows Italian and German model names.
    if best != "en" and scores[best] <= scores["en"] + 1 and scores["en"] >= 2:
        return "en"
    return best
