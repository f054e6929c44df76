"""Match free text to catalog cars through aliases, make-qualified weak aliases and vetoes.

- ``aliases`` identify a car on their own ("Testarossa", "F40", "E30 M3").
- ``weak_aliases`` are ambiguous alone ("308", "Daytona", "Dino") and count only when
  the car's make is named in the same text.
- ``exclude`` phrases are blanked out before matching ("Countach LPI 800-4" is not the
  classic Countach, "Daytona SP3" is not the 365 GTB/4).

All aliases are searched with one compiled pattern per kind, so a text costs one scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vintage_ai_assets.catalog import Car, Catalog

_LEFT = r"(?<![A-Za-z0-9])"
_RIGHT = r"(?:s|'s|’s)?(?![A-Za-z0-9])"


def _alternation(phrases: list[str]) -> str:
    ordered = sorted(set(phrases), key=lambda p: (-len(p), p))
    parts = [
        r"[\s\-_/]*".join(re.escape(tok) for tok in re.split(r"[\s\-_/]+", p)) for p in ordered
    ]
    return f"{_LEFT}(?:{'|'.join(parts)}){_RIGHT}"


def _key(phrase: str) -> str:
    return re.sub(r"[\s\-_/]+", "", phrase.lower()).removesuffix("'s").removesuffix("’s")


@dataclass(frozen=True)
class Match:
    """A car found in a text and the alias that found it."""

    car: str
    alias: str
    strength: str  # "alias" or "weak"


class CarMatcher:
    """Finds the catalog cars a text talks about."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._by_key: dict[str, list[tuple[Car, str]]] = {}
        phrases: list[str] = []
        for car in catalog.cars:
            for strength, names in (("alias", car.aliases), ("weak", car.weak_aliases)):
                for name in names:
                    self._by_key.setdefault(_key(name), []).append((car, strength))
                    phrases.append(name)
        self._pattern = re.compile(_alternation(phrases), re.IGNORECASE) if phrases else None
        self._make_patterns = {
            make: re.compile(_alternation(list(catalog.make_words(make))), re.IGNORECASE)
            for make in {car.make for car in catalog.cars}
        }
        self._exclude = {
            car.slug: re.compile(_alternation(list(car.exclude)), re.IGNORECASE)
            for car in catalog.cars
            if car.exclude
        }

    def _lookup(self, found: str) -> list[tuple[Car, str]]:
        key = _key(found)
        hits = self._by_key.get(key)
        if hits is None and key.endswith("s"):
            hits = self._by_key.get(key[:-1])
        return hits or []

    def find(self, text: str) -> list[Match]:
        """Every car named in ``text`` (each car once, in catalog order)."""
        if not text or self._pattern is None:
            return []
        found: dict[str, Match] = {}
        makes_present: dict[str, bool] = {}
        for hit in self._pattern.finditer(text):
            for car, strength in self._lookup(hit.group(0)):
                if car.slug in found and found[car.slug].strength == "alias":
                    continue
                if strength == "weak":
                    if car.make not in makes_present:
                        makes_present[car.make] = bool(self._make_patterns[car.make].search(text))
                    if not makes_present[car.make]:
                        continue
                exclude = self._exclude.get(car.slug)
                if exclude is not None and self._vetoed(text, hit, exclude):
                    continue
                found[car.slug] = Match(car.slug, hit.group(0), strength)
        order = {slug: i for i, slug in enumerate(self.catalog.slugs)}
        return sorted(found.values(), key=lambda m: order[m.car])

    @staticmethod
    def _vetoed(text: str, hit: re.Match[str], exclude: re.Pattern[str]) -> bool:
        start, end = hit.span()
        return any(
            v.start() <= start and end <= v.end() or (v.start() < end and start < v.end())
            for v in exclude.finditer(text)
        )

    def cars(self, text: str) -> list[str]:
        """Slugs of the cars named in ``text``."""
        return [m.car for m in self.find(text)]
