"""Random draws the demo needs beyond ``random.Random``'s own (always from a given stream)."""

from __future__ import annotations

import math
import random


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson count with mean ``lam`` (a rounded normal above 40)."""
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def choose_weighted(rng: random.Random, items: tuple[tuple[str, float], ...]) -> str:
    """One name of ``(name, weight)`` pairs, by weight (one draw)."""
    total = sum(w for _, w in items)
    x = rng.random() * total
    for name, weight in items:
        x -= weight
        if x < 0:
            return name
    return items[-1][0]
