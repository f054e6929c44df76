"""The demo's market: a random walk of each car's price level, auction lots and valuations."""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from datetime import UTC, date, datetime
from itertools import accumulate

from vintage_ai_assets.catalog import Car
from vintage_ai_assets.cleaning.exchange_rates import usd_per_unit
from vintage_ai_assets.demo.draws import choose_weighted, poisson
from vintage_ai_assets.demo.spec import RISING_CAR, RISING_PRICE_GAIN
from vintage_ai_assets.demo.vocabulary import (
    CONDITIONS,
    HISTORY,
    HOUSE_CODES,
    HOUSE_TIERS,
    HOUSES,
    INTERIORS,
    Profile,
    make_info,
    price_level,
    profile,
)
from vintage_ai_assets.demo.window import Window, epoch
from vintage_ai_assets.demo.wording import Numbers, slugify
from vintage_ai_assets.sources.auctions import FIELDS as AUCTION_FIELDS

#: The auction CSV's columns: the canonical fields the auction reader maps, in the order
#: :meth:`Market.auctions` fills its rows.
AUCTION_COLUMNS = list(AUCTION_FIELDS)
VALUATION_COLUMNS = ["car", "date", "value", "currency", "source"]


class Market:
    """Each selected car's market level over the window (and its price history) and the
    auction lots and valuation points that follow it."""

    def __init__(self, window: Window, cars: list[Car], numbers: Numbers) -> None:
        self.window, self.cars, self.numbers = window, cars, numbers
        self.seed = window.spec.seed
        self.walk: dict[str, list[float]] = {}
        self.walk_history: dict[str, list[float]] = {}  # 0, 1, 2 … months before start
        for car in cars:
            self._walk(car)

    def _walk(self, car: Car) -> None:
        rng = random.Random(f"vintage-demo/{self.seed}/{car.slug}/walk")
        prof = profile(car.slug)
        rising = car.slug == RISING_CAR
        sigma = 0.006 if rising else 0.012
        walk = [0.0]
        for _ in range(len(self.window.months)):
            walk.append(walk[-1] + (0.0 if rising else prof.drift) + rng.gauss(0, sigma))
        self.walk[car.slug] = walk
        # Months before the window, walked backwards from its start (own random stream,
        # so the window's prices do not depend on how much history is asked for).
        back_rng = random.Random(f"vintage-demo/{self.seed}/{car.slug}/walk-history")
        back = [0.0]
        for _ in range(len(self.window.history_months) + 1):
            back.append(back[-1] - (0.0 if rising else prof.drift) - back_rng.gauss(0, sigma))
        self.walk_history[car.slug] = back

    def level_at(self, slug: str, ts: int) -> float:
        """Market level (USD) of a good example of ``slug`` at ``ts``."""
        walk = self.walk[slug]
        pos = (ts - self.window.start_ts) / (30.4375 * 86400)
        if pos < 0 and len(self.walk_history.get(slug, ())) > 1:
            walk, pos = self.walk_history[slug], -pos
        pos = min(len(walk) - 1.0, max(0.0, pos))
        i = int(pos)
        nxt = walk[min(i + 1, len(walk) - 1)]
        value = price_level(profile(slug)) * math.exp(walk[i] + (nxt - walk[i]) * (pos - i))
        if slug == RISING_CAR:
            value *= 1 + RISING_PRICE_GAIN * self.window.frac(ts)
        return value

    def valuations(self) -> list[list[str]]:
        """One ``demo-index`` row (``VALUATION_COLUMNS``) per car and month, sorted."""
        rows = []
        for car in self.cars:
            rng = random.Random(f"vintage-demo/{self.seed}/{car.slug}/valuations")
            back_rng = random.Random(f"vintage-demo/{self.seed}/{car.slug}/valuations-history")
            firsts = [(first, back_rng) for first, _ in self.window.history_months] + [
                (date(lo.year, lo.month, 1), rng) for lo, _, _, _ in self.window.months
            ]
            for first, stream in firsts:
                value = self.level_at(car.slug, epoch(first)) * stream.lognormvariate(0, 0.004)
                rows.append(
                    [car.slug, first.isoformat(), str(int(round(value, -2))), "USD", "demo-index"]
                )
        return sorted(rows)

    def auctions(self) -> list[list[str]]:
        """The auction lots (rows of ``AUCTION_COLUMNS``) by day, with per-house lot ids."""
        lots: list[tuple[int, str, list[str]]] = []
        for car in self.cars:
            rng = random.Random(f"vintage-demo/{self.seed}/{car.slug}/auctions")
            prof = profile(car.slug)
            idle = 0
            for month, (_, _, days, _) in enumerate(self.window.months):
                rate = prof.lots * len(days) / 30.4
                if car.slug == RISING_CAR:
                    rate *= 1 + 0.5 * month / max(1, len(self.window.months) - 1)
                n = poisson(rng, rate)
                if n == 0 and prof.lots < 2:
                    idle += 1
                    if idle >= 2:
                        n = 1
                if n:
                    idle = 0
                for _ in range(n):
                    day = rng.choice(days) + 12 * 3600
                    lots.append((day, car.slug, self._lot(rng, car, prof, day)))
            back_rng = random.Random(f"vintage-demo/{self.seed}/{car.slug}/auctions-history")
            for _, days in self.window.history_months:
                for _ in range(poisson(back_rng, prof.lots * len(days) / 30.4)):
                    day = back_rng.choice(days) + 12 * 3600
                    lots.append((day, car.slug, self._lot(back_rng, car, prof, day)))
        lots.sort(key=lambda x: (x[0], x[1], x[2][9]))
        counters: dict[str, int] = {}
        rows = []
        for _, _, row in lots:
            code = HOUSE_CODES[row[12]]
            counters[code] = counters.get(code, 0) + 1
            row[0] = f"{code}-{counters[code]:06d}"
            row[11] = row[11].replace("{lot}", str(counters[code] + 10000))
            rows.append(row)
        return rows

    def _lot(self, rng: random.Random, car: Car, prof: Profile, day: int) -> list[str]:
        level = self.level_at(car.slug, day)
        lo, hi = car.years
        options = [t for t in prof.titles] or [(lo, hi, car.model)]
        first_y, last_y, model = rng.choice(options)
        year = rng.randint(max(lo, first_y), min(hi, last_y))
        pos = (year - lo) / (hi - lo) if hi > lo else 0.5
        year_factor = 1 + prof.year_slope * (pos - 0.5)
        name, _, cond_factor, prefix, cond_text = CONDITIONS[
            bisect_right(list(accumulate(c[1] for c in CONDITIONS)), rng.random() * 0.999999)
        ]
        miles_scale = {"project": 1.6, "driver": 1.4, "concours": 0.6, "original": 0.5}
        scale = miles_scale.get(name, 1.0)
        mileage = max(150, int(prof.miles * scale * rng.lognormvariate(0, 0.55)))
        mileage_factor = min(1.25, max(0.8, (mileage / prof.miles) ** -0.1))
        extras = []
        extra_factor = 1.0
        if rng.random() < 0.06:
            extras.append("One owner from new.")
            extra_factor *= 1.05
        history = rng.choice(HISTORY).format(service=rng.choice(prof.services))
        if "records" in history:
            extra_factor *= 1.03
        value = (
            level
            * year_factor
            * cond_factor
            * mileage_factor
            * extra_factor
            * rng.lognormvariate(0, 0.08)
        )
        sold = rng.random() < {"project": 0.65, "concours": 0.85}.get(name, 0.8)
        price_usd = value if sold else value * rng.uniform(0.78, 0.93)
        tiers = next(t for limit, t in HOUSE_TIERS if level < limit)
        house = choose_weighted(rng, tiers)
        while year < HOUSES[house][1]:
            house = "Bring a Trailer"
        currency = choose_weighted(rng, HOUSES[house][0])
        sold_on = datetime.fromtimestamp(day, tz=UTC).date()
        # The pipeline's own rate of the sale day (ECB history bundled with the package, so
        # the same every run): its conversion turns the hammer price back into ``price_usd``.
        rate = usd_per_unit(currency, sold_on)
        if rate is None:
            raise ValueError(f"demo house {house!r} sells in {currency!r}, which has no rate")
        price = price_usd / rate
        step = 100 if price < 1e5 else 500 if price < 1e6 else 5000
        price_text = str(int(round(price / step) * step))
        title_model = f"{car.make} {model}"
        low_miles = (
            mileage < 30000 and rng.random() < 0.35 and house in ("Bring a Trailer", "Cars & Bids")
        )
        lead = f"{self.numbers.miles(mileage).split()[0]}-Mile " if low_miles else ""
        if prefix and rng.random() < 0.6:
            lead = f"{lead}{prefix} "
        title = f"{lead}{year} {title_model}"
        color = rng.choice(make_info(car.make).colors)
        description = " ".join(
            [
                cond_text,
                f"Finished in {color} over {rng.choice(INTERIORS)}.",
                f"The odometer shows {mileage:,} miles.",
                history,
                *extras,
            ]
        )
        slug = slugify(f"{year} {title_model}", "-", 80)
        url = {
            "Bring a Trailer": f"https://bringatrailer.com/listing/{slug}-{{lot}}/",
            "Cars & Bids": f"https://carsandbids.com/auctions/{{lot}}/{slug}",
        }.get(house, f"https://www.{slugify(house, '', 30)}.com/lots/{{lot}}-{slug}")
        return [
            "",
            sold_on.isoformat(),
            car.make,
            model,
            str(year),
            str(mileage),
            price_text,
            currency,
            "true" if sold else "false",
            title,
            description,
            url,
            house,
        ]
