"""How the demo writes things: articles, slugs, and numbers no catalog car is named by."""

from __future__ import annotations

import random
import re

from vintage_ai_assets.catalog import Car, Catalog

#: Digits and lower-case letters: base-36 ids and random codes.
B36 = "0123456789abcdefghijklmnopqrstuvwxyz"

_A_BEFORE_VOWEL_SOUND = re.compile(r"\b([Aa]) (?=[AEIO]|[FHLMNRSX][A-Z0-9])")


def articles(text: str) -> str:
    """'a F40' -> 'an F40', 'a E-Type' -> 'an E-Type' (names read letter by letter)."""
    return _A_BEFORE_VOWEL_SOUND.sub(lambda m: m.group(1) + "n ", text)


def word_pattern(phrase: str) -> re.Pattern[str]:
    """``phrase`` as a whole word or words, any case."""
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(phrase)}(?![A-Za-z0-9])", re.IGNORECASE)


def slugify(text: str, sep: str, limit: int) -> str:
    """Lower-case words of ``text`` joined by ``sep``, at most ``limit`` characters."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    out = sep.join(words)[:limit].strip(sep)
    return out or "post"


class Numbers:
    """Prices, counts, mileages and years as texts write them, never one that is a car's name
    (a "308" in a text would be a mention of the Ferrari 308)."""

    def __init__(self, catalog: Catalog) -> None:
        self.numeric_aliases = {
            a for c in catalog.cars for a in (*c.aliases, *c.weak_aliases) if a.isdigit()
        }

    def money(self, value: float) -> str:
        """``$1,250``, ``$45k``, ``$1.2M``: rounded, nudged up past any numeric alias."""
        value = max(50.0, value)
        for _ in range(25):
            if value >= 1e6:
                text = f"${value / 1e6:.1f}M".replace(".0M", "M")
                step = 1e5
            elif value >= 1e4:
                rounded = int(round(value / 500.0) * 500)
                text = f"${rounded:,}" if rounded % 1000 else f"${rounded // 1000}k"
                step = 500
            else:
                rounded = int(round(value / 50.0) * 50)
                text = f"${rounded:,}"
                step = 50
            if not set(re.findall(r"\d+", text)) & self.numeric_aliases:
                return text
            value += step
        return text

    def number(self, value: int) -> str:
        """``value``, or the next number that is no numeric alias."""
        while str(value) in self.numeric_aliases:
            value += 1
        return str(value)

    def miles(self, value: float) -> str:
        """``45k miles`` or ``120,000 miles``, nudged up past any numeric alias."""
        value = max(1000.0, value)
        for _ in range(25):
            k = int(round(value / 1000.0))
            text = f"{k}k miles" if k < 100 or k % 10 else f"{k},000 miles"
            if not set(re.findall(r"\d+", text)) & self.numeric_aliases:
                return text
            value += 1000
        return text

    def year(self, rng: random.Random, car: Car) -> str:
        """A model year of ``car`` (one draw)."""
        lo, hi = car.years
        return self.number(rng.randint(lo, hi))
