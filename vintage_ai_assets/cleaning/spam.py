"""Spam and promotion detection by keyword and link patterns."""

from __future__ import annotations

import re

_URL = re.compile(r"https?://|www\.", re.IGNORECASE)
_SPAM_TERMS = re.compile(
    r"\b(replica watch(es)?|crypto|bitcoin|forex|trading signals?|signals group|dm me|"
    r"whats ?app|telegram|viagra|casino|betting|onlyfans|followers|promo code|click here|"
    r"work from home|earn \$?\d+|cheap (?:watches|bags|pills)|free giveaway|investment plan)\b",
    re.IGNORECASE,
)


def is_spam(text: str) -> bool:
    """Whether a text looks like spam: promotion terms together with links or repetition."""
    terms = len(_SPAM_TERMS.findall(text))
    if terms == 0:
        return False
    return terms >= 2 or bool(_URL.search(text))
