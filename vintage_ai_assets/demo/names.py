"""What the demo's texts call each car: catalog names no other car claims, weighted."""

from __future__ import annotations

import random
import re
from bisect import bisect_right
from itertools import accumulate

from vintage_ai_assets.catalog import Car, Catalog
from vintage_ai_assets.demo.wording import word_pattern


class CarNames:
    """For each selected car, the names texts may use and how often (usual names first)."""

    def __init__(self, catalog: Catalog, cars: list[Car]) -> None:
        self.catalog = catalog
        self._patterns: dict[str, re.Pattern[str]] = {}
        self.names: dict[str, tuple[list[str], list[float]]] = {}
        for car in cars:
            weighted = self._safe_names(car)
            cum = list(accumulate(w for _, w in weighted))
            self.names[car.slug] = ([n for n, _ in weighted], cum)

    def _safe_names(self, car: Car) -> list[tuple[str, float]]:
        """Names of ``car`` that no other catalog car (or the car's own vetoes) claims."""
        others = [
            self._pattern(a)
            for c in self.catalog.cars
            if c.slug != car.slug
            for a in (*c.aliases, *c.weak_aliases)
        ]
        vetoes = [self._pattern(e) for e in car.exclude]

        def safe(name: str) -> bool:
            return not any(p.search(name) for p in others) and not any(
                v.search(name) for v in vetoes
            )

        make_words = [car.make] + [
            w.capitalize() if w.islower() else w
            for w in self.catalog.make_words(car.make)[1:]
            if " " not in w and not w.lower().endswith("s") and w.lower() != car.make.lower()
        ]
        # the catalog lists the usual names first: weight by position
        names: dict[str, float] = {}
        for i, alias in enumerate(car.aliases):
            weight = 3.0 if i == 0 else 1.5 / (i + 1)
            if safe(alias):
                names[alias] = names.get(alias, 0.0) + weight
                qualified = f"{car.make} {alias}"
                if car.make.lower() not in alias.lower() and safe(qualified):
                    names[qualified] = names.get(qualified, 0.0) + 0.3 * weight
        strong = sum(names.values()) or 1.0
        weak: dict[str, float] = {}
        for j, alias in enumerate(car.weak_aliases):
            for k, word in enumerate(make_words):
                name = f"{word} {alias}"
                if safe(name):
                    share = 0.7 if k == 0 else 0.3 / max(1, len(make_words) - 1)
                    weak[name] = weak.get(name, 0.0) + share / (j + 1)
        total_weak = sum(weak.values())
        for name, weight in weak.items():  # about a quarter of the mentions
            names[name] = names.get(name, 0.0) + strong * 0.3 * weight / total_weak
        return sorted(names.items()) or [(car.aliases[0], 1.0)]

    def _pattern(self, phrase: str) -> re.Pattern[str]:
        pattern = self._patterns.get(phrase)
        if pattern is None:
            pattern = self._patterns[phrase] = word_pattern(phrase)
        return pattern

    def pick(self, rng: random.Random, car: Car) -> str:
        """One of ``car``'s names, by weight (one draw)."""
        names, cum = self.names[car.slug]
        return names[bisect_right(cum, rng.random() * cum[-1])]
