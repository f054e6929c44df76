"""The demo's sentences: templates of a theme and tone, with their slots filled for a car."""

from __future__ import annotations

import random

from vintage_ai_assets.catalog import Car
from vintage_ai_assets.demo.draws import choose_weighted
from vintage_ai_assets.demo.market import Market
from vintage_ai_assets.demo.names import CarNames
from vintage_ai_assets.demo.vocabulary import (
    EVENTS,
    FAULT_REPLIES,
    FOREIGN,
    GENERIC_PROFILE,
    INTERIORS,
    PLACES,
    POLARITY,
    REPLY_OPENERS,
    REPLY_SPECIFIC,
    ROADS,
    SALE_CONDITIONS,
    SHOPS,
    TEMPLATES,
    TEXT_HOUSES,
    THEME_WEIGHTS,
    THEMES,
    Profile,
    make_info,
    price_level,
    profile,
)
from vintage_ai_assets.demo.wording import B36, Numbers


class Slots(dict):
    """Lazily filled template slots: one consistent value per slot within a text."""

    def __init__(self, writer: Writer, car: Car | None, theme: str, rng: random.Random, ts: int):
        super().__init__()
        self.writer, self.car, self.theme, self.rng, self.ts = writer, car, theme, rng, ts

    def __missing__(self, key: str) -> str:
        value = self.writer.slot(self, key)
        self[key] = value
        return value


class Writer:
    """Picks themes and tones for a car and writes titles, posts and replies from templates."""

    def __init__(self, names: CarNames, numbers: Numbers, market: Market) -> None:
        self.names, self.numbers, self.market = names, numbers, market

    # ----------------------------------------------------------------- slots

    def slots(self, car: Car | None, theme: str, rng: random.Random, ts: int) -> Slots:
        """Empty slots for one text about ``car`` on ``theme`` written at ``ts``."""
        return Slots(self, car, theme, rng, ts)

    def slot(self, slots: Slots, key: str) -> str:
        """The value of the template slot ``{key}`` (drawn from the text's stream)."""
        rng, car = slots.rng, slots.car
        prof = profile(car.slug) if car else GENERIC_PROFILE
        numbers = self.numbers
        if key == "car":
            return self.names.pick(rng, car) if car else "car"
        if key == "make":
            return car.make if car else "classic"
        if key == "year":
            return numbers.year(rng, car) if car else "1970"
        if key == "first_year":
            return str(car.years[0]) if car else "1970"
        if key in ("price", "price2"):
            level = self.market.level_at(car.slug, slots.ts) if car else 50e3
            sale = slots.theme == "sale"
            factor = rng.uniform(0.95, 1.3) if sale else rng.lognormvariate(0, 0.12)
            return numbers.money(level * factor)
        if key in ("cost", "cost2"):
            return numbers.money(self._cost(rng, slots.theme, prof))
        if key == "miles":
            return numbers.miles(prof.miles * rng.lognormvariate(0, 0.5))
        if key == "part":
            return rng.choice(prof.parts)
        if key in ("issue", "issue2"):
            other = slots.get("issue") if key == "issue2" else None
            choices = [i for i in prof.issues if i != other] or list(prof.issues)
            return rng.choice(choices)
        if key == "service":
            return rng.choice(prof.services)
        if key == "place":
            return rng.choice(PLACES)
        if key == "road":
            return rng.choice(ROADS)
        if key == "event":
            return rng.choice(EVENTS)
        if key == "house":
            return rng.choice(TEXT_HOUSES)
        if key == "shop":
            return rng.choice(SHOPS)
        if key == "color":
            return rng.choice(make_info(car.make).colors if car else ("red",))
        if key == "interior":
            return rng.choice(INTERIORS)
        if key == "engine":
            return prof.engine
        if key == "designer":
            return prof.designer
        if key == "months":
            return numbers.number(rng.randint(2, 14))
        if key == "n":
            return numbers.number(rng.randint(2, 12))
        if key == "sale_cond":
            return rng.choice(SALE_CONDITIONS).format_map(slots)
        if key == "code":
            return "".join(rng.choice(B36) for _ in range(6))
        if key == "sub":
            return "classiccars"
        raise KeyError(key)

    @staticmethod
    def _cost(rng: random.Random, theme: str, prof: Profile) -> float:
        level = price_level(prof)
        if theme == "fault":
            return rng.uniform(18e3, 35e3)
        if theme == "restoration":
            return min(1.2e6, max(25e3, level * rng.uniform(0.15, 0.5)))
        if theme == "parts":
            return min(60e3, max(250.0, level * rng.uniform(0.002, 0.015)))
        return rng.uniform(*prof.service_cost)

    # ----------------------------------------------------------------- themes and tones

    @staticmethod
    def pick_theme(rng: random.Random, car: Car) -> str:
        """A theme for a text about ``car`` (its profile boosts some)."""
        boost = dict(profile(car.slug).boost)
        weights = tuple((t, THEME_WEIGHTS[t] * boost.get(t, 1.0)) for t in THEMES)
        return choose_weighted(rng, weights)

    @staticmethod
    def pick_polarity(rng: random.Random, car: Car, theme: str) -> str:
        """``pos``, ``neu`` or ``neg`` for a text on ``theme``, shifted by the car's bias."""
        pos, neu, neg = POLARITY[theme]
        if theme != "sale":
            bias = profile(car.slug).bias
            shift = max(-pos + 0.02, min(neg - 0.02, bias))
            pos, neg = pos + shift, neg - shift
        return choose_weighted(rng, (("pos", pos), ("neu", neu), ("neg", neg)))

    # ----------------------------------------------------------------- texts

    def fill(
        self,
        template: str,
        car: Car | None,
        theme: str,
        rng: random.Random,
        ts: int,
        slots: Slots | None = None,
    ) -> str:
        """``template`` with its slots filled."""
        if slots is None:
            slots = Slots(self, car, theme, rng, ts)
        return template.format_map(slots)

    def title(self, rng: random.Random, theme: str, pol: str, slots: Slots) -> str:
        """A thread title on ``theme`` in tone ``pol`` (names the car)."""
        return rng.choice(TEMPLATES[theme]["title"][pol]).format_map(slots)

    def compose(
        self,
        rng: random.Random,
        car: Car,
        theme: str,
        pol: str,
        ts: int,
        bodies: int,
        named: bool = True,
        opener: tuple[str, ...] = (),
        closer: tuple[str, ...] = (),
        slots: Slots | None = None,
    ) -> str:
        """A post: maybe an opener, a lead naming the car, ``bodies`` sentences, maybe a closer."""
        slots = slots if slots is not None else Slots(self, car, theme, rng, ts)
        pools = TEMPLATES[theme]
        parts: list[str] = []
        if opener and rng.random() < 0.35:
            parts.append(rng.choice(opener))
        if named:
            parts.append(rng.choice(pools["lead"][pol]).format_map(slots))
        body_pool = pools["body"][pol]
        for template in rng.sample(body_pool, min(bodies, len(body_pool))):
            parts.append(template.format_map(slots))
        if closer and rng.random() < 0.35 and theme != "fault":
            parts.append(rng.choice(closer))
        return " ".join(parts)

    def nameless_reply(self, rng: random.Random, car: Car, theme: str, pol: str, ts: int) -> str:
        """A reply that relies on its thread and does not name the car."""
        slots = Slots(self, car, theme, rng, ts)
        if theme == "fault":
            return rng.choice(FAULT_REPLIES).format_map(slots)
        if rng.random() < 0.3:
            return rng.choice(REPLY_SPECIFIC[pol]).format_map(slots)
        body = rng.choice(TEMPLATES[theme]["body"][pol]).format_map(slots)
        return f"{rng.choice(REPLY_OPENERS[pol])} {body}"

    def foreign(self, rng: random.Random, car: Car) -> str:
        """A non-English text naming ``car``."""
        lang = rng.choice(sorted(FOREIGN))
        return rng.choice(FOREIGN[lang]).format(car=self.names.pick(rng, car))
