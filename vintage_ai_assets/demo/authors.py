"""Who writes the demo's texts: a fixed pool of made-up user names, overlapping by car."""

from __future__ import annotations

import random

from vintage_ai_assets.catalog import Car
from vintage_ai_assets.demo.vocabulary import (
    AUTHOR_FIRST_WORDS,
    AUTHOR_SECOND_WORDS,
    FIRST_NAMES,
)

POOL_SIZE = 6000


class Authors:
    """The seed's pool of user names; each car draws most of its posters from its own stretch."""

    def __init__(self, seed: int) -> None:
        self.pool = self._pool(seed)

    @staticmethod
    def _pool(seed: int) -> list[str]:
        rng = random.Random(f"vintage-demo/{seed}/authors")
        first, second = AUTHOR_FIRST_WORDS, AUTHOR_SECOND_WORDS
        names: set[str] = set()
        pool: list[str] = []
        while len(pool) < POOL_SIZE:
            a, b = rng.choice(first), rng.choice(second)
            style = rng.randrange(5)
            if style == 0:
                name = f"{a}_{b}{rng.randint(1, 99)}"
            elif style == 1:
                name = f"{a.capitalize()}{b.capitalize()}"
            elif style == 2:
                name = f"{a}-{b}"
            elif style == 3:
                name = f"{rng.choice(FIRST_NAMES)}{rng.randint(60, 99)}"
            else:
                name = f"{a}{b}{rng.randint(100, 9999)}"
            if name.lower() not in names:
                names.add(name.lower())
                pool.append(name)
        return pool

    def pick(self, rng: random.Random, car: Car | None) -> str:
        """A poster of a text about ``car`` (None: anyone)."""
        # communities overlap: each car draws most of its posters from a window of the pool
        base = (sum(map(ord, car.slug)) * 37) % len(self.pool) if car else 0
        offset = (
            int(1500 * rng.random() ** 2.2) if rng.random() < 0.85 else rng.randrange(POOL_SIZE)
        )
        return self.pool[(base + offset) % len(self.pool)]
