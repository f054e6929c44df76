"""Deterministic synthetic demo inbox: enthusiast texts, auction lots and valuation series.

``write_demo_inbox(inbox, catalog, spec)`` fills ``inbox/reddit``, ``inbox/social``,
``inbox/auctions`` and ``inbox/valuations`` with files in the formats the platform's
readers parse, for the cars and the date window of a :class:`DemoSpec`. The same spec
always gives byte-identical files: every random draw comes from ``random.Random`` seeded
with a string built from the spec's seed and the car's slug (never the global generator
or ``hash()``), and everything is written in a sorted order. A car's texts and lots do
not depend on which other cars are selected.

What is written
---------------
- ``reddit/demo-reddit-YYYY-MM.ndjson``: pushshift-style submissions and comments (about
  45% of the texts; a quarter of them submissions). Comments follow their submission by
  minutes to a few days; about a fifth of them do not name the car and rely on the thread.
- ``social/demo-forums-YYYY-MM.jsonl``: owner-forum posts (about 40%) as social-export
  records with ``source`` ``forum:<site>``, ``thread_id`` and ``thread_title``.
- ``social/demo-instagram-YYYY-MM.jsonl``: short captions and comments with emoji (about
  15%), most with the ``car`` slug the exporter knows.
- ``auctions/demo-auctions.csv``: sold and unsold lots (unsold: ``price`` is the high bid);
  price follows the car's market level, its year within production, the mileage (lower
  is dearer) and condition words ("project", "driver-quality", "restored", "concours",
  "original paint"). A few European lots are in EUR/GBP, converted at the platform's
  fixed rates (1 EUR = 1.10 USD, 1 GBP = 1.28 USD).
- ``valuations/demo-valuations.csv``: one ``demo-index`` point per car and month (first of
  the month, USD), a slow random walk around the car's price level; auction prices follow
  the same walk.

Texts name a car through its catalog aliases ("Testarossa", "F355", "E30 M3") or as make
plus weak alias ("Ferrari 308", "Lamborghini Diablo"), only through names that no other
catalog car claims. They cover eight themes with their own vocabulary (restoration
cost, reliability, auction results and prices, driving, parts availability, servicing,
buying advice, design and history) plus sale ads, in positive, neutral and negative
tones. Volume follows the car's popularity, a mild summer season and more posting at
weekends and in the (UTC) evening.

Noise, as a share of all texts, roughly: 3% exact re-posts by the same author (a
submission re-posted to another subreddit, a double post in a thread, a forum post
re-posted as a Reddit comment or the other way round, an Instagram repost); 2% spam
(some naming a car); 3% non-English (Italian, German, French, Spanish, Japanese, naming
the car); 1% ``[removed]``/``[deleted]`` bodies; 1% ``AutoModerator`` comments; 0.5%
general car talk naming no catalog car.

Planted signals (for the pipeline's end-to-end checks)
------------------------------------------------------
1. **Fault** — ``FAULT_CAR`` (``ferrari-355-gtb``) from ``DemoSpec.fault_onset`` (the first
   of the month nearest the middle of the window: 2026-02-01 for 2025-05-01..2026-10-31): a
   new theme, valve guide failures and exhaust manifold cracks, appears in about 40%
   (``FAULT_SHARE``) of that car's texts written on or after the onset (whole threads:
   the submission or first post and all its replies; Instagram posts one by one). Every
   such text contains one of ``FAULT_TERMS`` and is strongly negative ("failed",
   "nightmare", "disaster", "terrible", "avoid"). Before the onset no text mentions these
   terms, and no other car's text ever does. The car's other texts lean positive, so its
   mean sentiment drops clearly at the onset; its volume rises by ``FAULT_VOLUME_BUMP``.
2. **Rising** — ``RISING_CAR`` (``lancia-delta-integrale``): its monthly text volume grows
   linearly from 1x in the first month to ``RISING_VOLUME_FACTOR`` (3x) in the last, and
   its market level (auction prices and the valuation index) rises linearly by
   ``RISING_PRICE_GAIN`` (+40%) from the first to the last day of the window.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import math
import random
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

from vintage_ai_assets.catalog import Car, Catalog
from vintage_ai_assets.cleaning.auction_lots import USD_PER_UNIT

FAULT_CAR = "ferrari-355-gtb"
FAULT_TERMS = (
    "valve guide",
    "valve guides",
    "manifold crack",
    "manifold cracks",
    "cracked manifold",
)
FAULT_SHARE = 0.4
FAULT_VOLUME_BUMP = 1.15
RISING_CAR = "lancia-delta-integrale"
RISING_VOLUME_FACTOR = 3.0
RISING_PRICE_GAIN = 0.40

SOURCE_SHARES = {"reddit": 0.45, "forum": 0.40, "instagram": 0.15}
NOISE_SHARES = {
    "duplicate": 0.03,
    "spam": 0.02,
    "foreign": 0.03,
    "removed": 0.01,
    "bot": 0.01,
    "general": 0.005,
}
AUCTION_COLUMNS = [
    "lot_id",
    "sold_at",
    "make",
    "model",
    "year",
    "mileage",
    "price",
    "currency",
    "sold",
    "title",
    "description",
    "url",
    "auction_house",
]
VALUATION_COLUMNS = ["car", "date", "value", "currency", "source"]
DEMO_FILE_PATTERNS = {
    "reddit": ("demo-reddit-*.ndjson",),
    "social": ("demo-forums-*.jsonl", "demo-instagram-*.jsonl"),
    "auctions": ("demo-auctions.csv",),
    "valuations": ("demo-valuations.csv",),
}


#: The demo's length: 18 months of texts, ending the day before it is generated.
DEMO_MONTHS = 18


def months_before(day: date, months: int) -> date:
    """The same day of the month ``months`` earlier (the month's last day if shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class DemoSpec:
    """What to generate: the window (inclusive), the cars, the volume and the seed.

    The defaults are the reference window the benchmarks use; ``vintage-ai demo`` asks for
    :meth:`ending` yesterday. The same spec always writes the same files.
    """

    start: date = date(2025, 5, 1)
    end: date = date(2026, 10, 31)  # inclusive
    cars: tuple[str, ...] | None = None  # subset of catalog slugs; None = whole catalog
    texts_per_car_month: float = 95.0  # average per car and month, before the planted trend
    seed: int = 7
    #: Auction results and valuation points also cover this many months before ``start``
    #: (market history for the value-direction model; texts cover the window only).
    price_history_months: int = 0

    @classmethod
    def ending(cls, end: date, months: int = DEMO_MONTHS, **fields) -> DemoSpec:
        """``months`` of texts ending on ``end`` (inclusive): 2026-10-31 → from 2025-05-01."""
        return cls(start=months_before(end + timedelta(days=1), months), end=end, **fields)

    @property
    def fault_onset(self) -> date:
        """When the planted fault begins: the first of the month nearest the window's middle
        (so it keeps its place in the window, whatever the dates)."""
        middle = self.start + (self.end - self.start) / 2
        this_month = date(middle.year, middle.month, 1)
        next_month = (this_month + timedelta(days=32)).replace(day=1)
        nearest = min((this_month, next_month), key=lambda d: (abs((d - middle).days), d))
        return min(max(nearest, self.start), self.end)


@dataclass
class DemoSummary:
    """What :func:`write_demo_inbox` wrote."""

    files: list[Path]
    texts: int
    auction_lots: int
    valuation_points: int
    signals: dict[str, str]  # planted signal name -> one-line description
    texts_by_source: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- car profiles


@dataclass(frozen=True)
class _Profile:
    weight: float  # relative popularity (mentions)
    price: tuple[float, float]  # typical USD range of a good example at the window start
    miles: float  # typical odometer reading
    lots: float  # auction lots per month
    drift: float  # monthly drift of the market walk
    year_slope: float  # price change from the first to the last production year
    engine: str
    designer: str
    issues: tuple[str, ...]
    services: tuple[str, ...]
    parts: tuple[str, ...]
    service_cost: tuple[float, float]
    titles: tuple[tuple[int, int, str], ...] = ()  # (first year, last year, auction model)
    bias: float = 0.0  # shifts texts from negative to positive
    boost: tuple[tuple[str, float], ...] = ()  # theme weight multipliers


_GENERIC_PROFILE = _Profile(
    1.0,
    (60e3, 120e3),
    50e3,
    3.0,
    0.001,
    0.1,
    "engine",
    "the factory stylists",
    ("electrical gremlins", "oil leaks", "a failing fuel pump", "overheating in traffic"),
    ("major service", "annual service", "clutch job"),
    ("trim pieces", "door seals", "interior switches", "badges"),
    (1500, 6000),
)

_PROFILES: dict[str, _Profile] = {
    "ferrari-testarossa": _Profile(
        1.3,
        (120e3, 200e3),
        25e3,
        5.0,
        0.002,
        0.15,
        "flat-12",
        "Pininfarina",
        (
            "sticky interior buttons",
            "a failing fuel pump",
            "overheating in traffic",
            "a leaking oil cooler",
            "tired clutch hydraulics",
        ),
        ("engine-out service", "timing belt service", "major service"),
        ("side strake trim", "interior switches", "window regulators", "engine lid struts"),
        (6000, 15000),
        ((1984, 1991, "Testarossa"),),
        0.05,
        (("maintenance", 1.3),),
    ),
    "ferrari-365-gtb4-daytona": _Profile(
        0.8,
        (650e3, 900e3),
        30e3,
        1.5,
        0.003,
        0.1,
        "Colombo V12",
        "Leonardo Fioravanti",
        (
            "Weber carburettor balancing trouble",
            "a leaking fuel tank",
            "rust in the lower door skins",
            "tired gearbox synchros",
        ),
        ("carburettor rebuild", "major service", "clutch job"),
        (
            "Borrani wire wheels",
            "Plexiglas nose panels",
            "carburettor parts",
            "correct exhaust system",
        ),
        (8000, 25000),
        ((1968, 1973, "365 GTB/4 Daytona"),),
        0.05,
        (("design", 1.3), ("market", 1.3)),
    ),
    "ferrari-550-maranello": _Profile(
        0.9,
        (110e3, 180e3),
        25e3,
        4.0,
        0.004,
        0.1,
        "front-mounted V12",
        "Pininfarina",
        (
            "sticky interior buttons",
            "a failed engine control unit",
            "a leaking power steering pump",
            "a sagging headliner",
        ),
        ("major service", "timing belt service", "clutch job"),
        ("interior switches", "headliner fabric", "seat leather", "fuel pumps"),
        (4000, 12000),
        ((1996, 2002, "550 Maranello"),),
        0.1,
        (("driving", 1.3),),
    ),
    "ferrari-355-gtb": _Profile(
        1.3,
        (110e3, 170e3),
        28e3,
        5.0,
        0.002,
        0.15,
        "flat-plane V8",
        "Pininfarina",
        (
            "sticky interior buttons",
            "a failing F1 gearbox pump",
            "tired engine mounts",
            "a leaking power steering rack",
            "weak window motors",
        ),
        ("engine-out service", "timing belt service", "major service", "clutch job"),
        ("interior switches", "F1 pumps", "window motors", "heat shields", "catalytic converters"),
        (8000, 16000),
        (
            (1994, 1999, "F355 GTB"),
            (1994, 1999, "F355 GTS"),
            (1995, 1999, "F355 Spider"),
            (1994, 1999, "F355 Berlinetta"),
        ),
        0.25,
        (("driving", 1.5), ("design", 1.2), ("reliability", 0.5), ("restoration", 0.6)),
    ),
    "ferrari-308-gtb": _Profile(
        1.2,
        (70e3, 130e3),
        40e3,
        6.0,
        0.001,
        -0.15,
        "transverse V8",
        "Leonardo Fioravanti",
        (
            "rust in the lower door frames",
            "carburettor flat spots",
            "electrical gremlins",
            "a failing distributor",
        ),
        ("timing belt service", "carburettor rebuild", "major service"),
        ("window regulators", "carburettor jets", "interior trim", "taillight lenses"),
        (3000, 9000),
        (
            (1975, 1977, "308 GTB Vetroresina"),
            (1977, 1980, "308 GTS"),
            (1980, 1982, "308 GTSi"),
            (1982, 1985, "308 GTS Quattrovalvole"),
            (1977, 1985, "308 GTB"),
        ),
        0.0,
        (("restoration", 1.2),),
    ),
    "ferrari-330-gtc": _Profile(
        0.6,
        (600e3, 850e3),
        45e3,
        1.0,
        0.002,
        0.05,
        "Colombo V12",
        "Pininfarina",
        ("tired Weber carburettors", "rust in the sills", "a noisy differential", "overheating"),
        ("carburettor rebuild", "major service", "brake overhaul"),
        ("Borrani wire wheels", "chrome bumpers", "Veglia gauges", "Connolly leather"),
        (8000, 22000),
        ((1966, 1968, "330 GTC"),),
        0.05,
        (("design", 1.3), ("restoration", 1.2)),
    ),
    "ferrari-250-gte": _Profile(
        0.6,
        (400e3, 600e3),
        50e3,
        0.8,
        0.003,
        0.0,
        "Colombo V12",
        "Pininfarina",
        ("rust in the floors", "overheating", "weak brakes", "tired carburettors"),
        ("carburettor rebuild", "major service", "brake overhaul"),
        ("chrome bumpers", "Borrani wire wheels", "interior trim", "correct gauges"),
        (8000, 20000),
        ((1960, 1963, "250 GT/E 2+2"),),
        0.0,
        (("restoration", 1.4),),
    ),
    "ferrari-dino-246": _Profile(
        1.0,
        (350e3, 500e3),
        40e3,
        2.0,
        0.002,
        0.1,
        "transverse V6",
        "Aldo Brovarone",
        ("rust in the sills", "carburettor flat spots", "electrical gremlins", "rust everywhere"),
        ("carburettor rebuild", "major service", "cooling system overhaul"),
        ("Campagnolo wheels", "chrome bumperettes", "vinyl interior trim", "door skins"),
        (5000, 15000),
        ((1969, 1974, "Dino 246 GT"), (1972, 1974, "Dino 246 GTS")),
        0.05,
        (("restoration", 1.4), ("design", 1.2)),
    ),
    "ferrari-f40": _Profile(
        1.3,
        (2.5e6, 3.5e6),
        9e3,
        1.2,
        0.008,
        0.0,
        "twin-charged V8",
        "Pininfarina",
        (
            "fuel bladders past their expiry date",
            "a tired clutch",
            "perished rubber fuel lines",
            "heat damage in the engine bay",
        ),
        ("fuel cell replacement", "major service", "timing belt service", "clutch job"),
        ("fuel cells", "Lexan windows", "OZ wheels", "carbon body panels"),
        (20000, 45000),
        ((1987, 1992, "F40"),),
        0.15,
        (("market", 1.6), ("design", 1.2)),
    ),
    "lamborghini-350-gt": _Profile(
        0.5,
        (800e3, 1.2e6),
        40e3,
        0.5,
        0.003,
        0.0,
        "Bizzarrini V12",
        "Carrozzeria Touring",
        ("electrical gremlins", "tired carburettors", "overheating", "rust in the body frame"),
        ("carburettor rebuild", "major service"),
        ("Superleggera body panels", "chrome trim", "carburettor parts", "interior leather"),
        (8000, 20000),
        ((1964, 1966, "350 GT"),),
        0.05,
        (("design", 1.4), ("restoration", 1.3)),
    ),
    "lamborghini-400-gt": _Profile(
        0.5,
        (500e3, 800e3),
        45e3,
        0.6,
        0.003,
        0.0,
        "Bizzarrini V12",
        "Carrozzeria Touring",
        ("electrical gremlins", "tired carburettors", "overheating", "rust in the body frame"),
        ("carburettor rebuild", "major service"),
        ("Superleggera body panels", "chrome trim", "carburettor parts", "interior leather"),
        (8000, 20000),
        ((1966, 1968, "400 GT 2+2"),),
        0.0,
        (("design", 1.3), ("restoration", 1.3)),
    ),
    "lamborghini-miura-p400": _Profile(
        1.0,
        (1.5e6, 2.5e6),
        30e3,
        0.8,
        0.005,
        0.1,
        "transverse V12",
        "Marcello Gandini",
        (
            "front-end lift at speed",
            "fuel leaks onto the carburettors",
            "overheating",
            "a shared gearbox oil supply",
        ),
        ("carburettor rebuild", "major service", "cooling system overhaul"),
        ("headlight eyelash trim", "Campagnolo wheels", "carburettor parts", "chassis sheet metal"),
        (15000, 40000),
        ((1966, 1969, "Miura P400"),),
        0.1,
        (("design", 1.5), ("market", 1.2)),
    ),
    "lamborghini-countach-25th": _Profile(
        1.2,
        (400e3, 600e3),
        20e3,
        2.0,
        0.004,
        0.05,
        "V12",
        "Horacio Pagani",
        ("overheating", "electrical gremlins", "a heavy, wearing clutch", "failing window motors"),
        ("clutch job", "major service", "fuel system service"),
        ("window motors", "side skirts", "rear wing", "seat leather"),
        (8000, 25000),
        ((1988, 1990, "Countach 25th Anniversary"),),
        0.05,
        (("driving", 1.2), ("design", 1.3)),
    ),
    "lamborghini-lm002": _Profile(
        0.8,
        (350e3, 550e3),
        25e3,
        1.0,
        0.005,
        0.0,
        "5.2-litre V12",
        "Giulio Alfieri",
        ("its huge thirst", "tired suspension bushings", "electrical gremlins", "overheating"),
        ("tyre replacement", "major service", "carburettor rebuild"),
        ("Pirelli Scorpion tyres", "body panels", "interior trim", "windscreens"),
        (8000, 22000),
        ((1986, 1993, "LM002"),),
        0.05,
        (("parts", 1.6),),
    ),
    "lamborghini-diablo-vt": _Profile(
        1.1,
        (280e3, 400e3),
        20e3,
        2.5,
        0.004,
        0.1,
        "V12",
        "Marcello Gandini",
        ("viscous coupling failure", "overheating", "clutch wear", "electrical gremlins"),
        ("clutch job", "major service", "fluid service"),
        ("pop-up headlight motors", "viscous couplings", "door struts", "window switches"),
        (7000, 20000),
        ((1993, 1999, "Diablo VT"), (1995, 1999, "Diablo VT Roadster")),
        0.05,
        (),
    ),
    "maserati-3500-gt": _Profile(
        0.5,
        (250e3, 400e3),
        50e3,
        1.2,
        0.002,
        0.05,
        "straight-six",
        "Carrozzeria Touring",
        ("tired fuel injection", "rust in the sills", "electrical gremlins", "weak brakes"),
        ("fuel injection rebuild", "major service", "brake overhaul"),
        ("chrome trim", "Borrani wire wheels", "interior leather", "Lucas injection parts"),
        (5000, 15000),
        ((1957, 1961, "3500 GT"), (1961, 1964, "3500 GTI"), (1959, 1964, "3500 GT Spyder")),
        0.0,
        (("design", 1.3), ("restoration", 1.2)),
    ),
    "maserati-mistral": _Profile(
        0.5,
        (150e3, 300e3),
        50e3,
        0.8,
        0.003,
        0.05,
        "straight-six",
        "Pietro Frua",
        ("tired fuel injection", "rust in the sills", "electrical gremlins", "overheating"),
        ("fuel injection rebuild", "major service"),
        ("chrome trim", "interior leather", "Lucas injection parts", "glass tailgates"),
        (4000, 12000),
        (
            (1963, 1966, "Mistral 3700"),
            (1966, 1970, "Mistral 4000"),
            (1964, 1970, "Mistral Spyder"),
        ),
        0.0,
        (("design", 1.3), ("restoration", 1.3)),
    ),
    "maserati-mc12": _Profile(
        0.5,
        (4.0e6, 5.0e6),
        3e3,
        0.4,
        0.006,
        0.0,
        "6.0-litre V12",
        "Giorgetto Giugiaro",
        ("sky-high running costs", "a delicate paddle-shift gearbox", "low ground clearance"),
        ("major service", "clutch job", "fluid service"),
        ("carbon body panels", "racing tyres", "gearbox parts", "wheels"),
        (25000, 60000),
        ((2004, 2005, "MC12"),),
        0.1,
        (("market", 1.5), ("design", 1.2)),
    ),
    "bugatti-eb110": _Profile(
        0.7,
        (2.0e6, 3.0e6),
        10e3,
        0.5,
        0.006,
        0.1,
        "quad-turbocharged V12",
        "Marcello Gandini",
        ("tired fuel pumps", "turbo seals", "electrical gremlins", "ageing fuel cells"),
        ("major service", "fuel cell replacement", "clutch job"),
        ("fuel cells", "body panels", "wheels", "interior switches"),
        (25000, 60000),
        ((1991, 1995, "EB110 GT"), (1992, 1995, "EB110 SS")),
        0.1,
        (("market", 1.4), ("parts", 1.3)),
    ),
    "bugatti-type-57": _Profile(
        0.45,
        (500e3, 2.0e6),
        30e3,
        0.6,
        0.003,
        0.2,
        "twin-cam straight-eight",
        "Jean Bugatti",
        ("weak mechanical brakes", "overheating", "tired carburettors", "worn crankshaft bearings"),
        ("carburettor rebuild", "major service", "engine rebuild"),
        ("coachwork panels", "wire wheels", "correct instruments", "headlamps"),
        (10000, 40000),
        (
            (1934, 1940, "Type 57 Galibier"),
            (1934, 1940, "Type 57 Ventoux"),
            (1934, 1940, "Type 57 Stelvio"),
            (1937, 1940, "Type 57C"),
        ),
        0.05,
        (("design", 1.5), ("restoration", 1.4)),
    ),
    "porsche-911-g-series": _Profile(
        1.6,
        (60e3, 120e3),
        90e3,
        14.0,
        0.001,
        0.25,
        "air-cooled flat-six",
        "Ferdinand Alexander Porsche",
        (
            "oil leaks",
            "chain tensioner failure",
            "rusty heat exchangers",
            "tired synchros in the 915 gearbox",
        ),
        ("chain tensioner upgrade", "major service", "clutch job", "heat exchanger replacement"),
        ("heat exchangers", "Fuchs wheels", "dash trim", "door seals"),
        (1500, 6000),
        ((1978, 1983, "911SC"), (1984, 1989, "911 Carrera 3.2"), (1984, 1989, "Carrera 3.2 Targa")),
        0.05,
        (("driving", 1.2),),
    ),
    "porsche-930-turbo": _Profile(
        1.2,
        (120e3, 200e3),
        50e3,
        6.0,
        0.002,
        0.25,
        "turbocharged flat-six",
        "Ferdinand Alexander Porsche",
        ("boost creep", "a leaking oil cooler", "heat soak", "clutch wear"),
        ("clutch job", "major service", "turbocharger rebuild"),
        ("whale tail spoilers", "Fuchs wheels", "turbochargers", "heat exchangers"),
        (2500, 9000),
        ((1975, 1989, "930 Turbo"), (1987, 1989, "930 Turbo Cabriolet")),
        0.05,
        (("driving", 1.2),),
    ),
    "porsche-964": _Profile(
        1.4,
        (80e3, 150e3),
        70e3,
        9.0,
        0.001,
        0.1,
        "air-cooled flat-six",
        "Benjamin Dimson",
        (
            "leaking distributor belts",
            "dual-mass flywheel failure",
            "oil leaks",
            "cylinder head leaks",
        ),
        ("distributor belt replacement", "major service", "clutch and flywheel job"),
        ("dual-mass flywheels", "airbag steering wheels", "door seals", "Cup wheels"),
        (2000, 8000),
        (
            (1989, 1994, "964 Carrera 2"),
            (1989, 1994, "964 Carrera 4"),
            (1990, 1994, "964 Targa"),
            (1990, 1994, "964 Cabriolet"),
        ),
        0.05,
        (),
    ),
    "porsche-993": _Profile(
        1.6,
        (90e3, 180e3),
        60e3,
        10.0,
        0.002,
        0.1,
        "air-cooled flat-six",
        "Tony Hatter",
        (
            "secondary air injection faults",
            "oil leaks",
            "a failing ignition switch",
            "sticky window regulators",
        ),
        ("secondary air injection cleaning", "major service", "clutch job", "oil change"),
        ("secondary air injection ports", "headlight lenses", "rear wings", "Cup wheels"),
        (1500, 7000),
        (
            (1994, 1998, "993 Carrera"),
            (1995, 1998, "993 Carrera 4S"),
            (1996, 1998, "993 Targa"),
            (1995, 1998, "993 Cabriolet"),
        ),
        0.1,
        (("driving", 1.2), ("market", 1.2)),
    ),
    "porsche-996": _Profile(
        1.5,
        (30e3, 60e3),
        75e3,
        15.0,
        -0.002,
        0.15,
        "water-cooled flat-six",
        "Pinky Lai",
        (
            "IMS bearing failure",
            "a rear main seal leak",
            "bore scoring",
            "a leaking coolant reservoir",
        ),
        (
            "IMS bearing retrofit",
            "clutch and rear main seal job",
            "major service",
            "coolant pipe repair",
        ),
        (
            "IMS retrofit kits",
            "coolant reservoirs",
            "convertible top hydraulics",
            "headlight units",
        ),
        (1500, 5000),
        (
            (1999, 2005, "996 Carrera"),
            (2002, 2005, "996 Carrera 4S"),
            (1999, 2005, "996 Cabriolet"),
            (2002, 2005, "996 Targa"),
        ),
        -0.1,
        (("reliability", 1.6), ("buying", 1.3), ("restoration", 0.5)),
    ),
    "mercedes-300sl": _Profile(
        1.0,
        (1.2e6, 1.8e6),
        50e3,
        1.0,
        0.003,
        -0.15,
        "fuel-injected straight-six",
        "Friedrich Geiger",
        (
            "mechanical fuel injection trouble",
            "rust in the space frame",
            "fuel pump failure",
            "overheating",
        ),
        ("fuel injection rebuild", "major service", "brake overhaul"),
        ("Rudge wheels", "Bosch injection parts", "chrome bumpers", "fitted luggage"),
        (8000, 25000),
        ((1954, 1957, "300SL Gullwing"), (1957, 1963, "300SL Roadster")),
        0.1,
        (("design", 1.4), ("market", 1.2)),
    ),
    "mercedes-sl-r107": _Profile(
        1.2,
        (20e3, 50e3),
        90e3,
        15.0,
        0.002,
        0.25,
        "V8",
        "Friedrich Geiger",
        (
            "rust in the wheel arches",
            "fuel injection problems",
            "worn timing chain guides",
            "vacuum leaks",
        ),
        ("timing chain replacement", "major service", "fuel injection tune-up"),
        ("Bundt wheels", "chrome trim", "hardtop seals", "soft tops"),
        (1200, 4500),
        (
            (1971, 1980, "350SL"),
            (1972, 1980, "450SL"),
            (1981, 1985, "380SL"),
            (1986, 1989, "560SL"),
        ),
        0.0,
        (("maintenance", 1.3), ("buying", 1.3)),
    ),
    "mercedes-sl-r129": _Profile(
        1.1,
        (15e3, 40e3),
        70e3,
        14.0,
        0.001,
        0.2,
        "V8",
        "Bruno Sacco",
        (
            "the biodegradable wiring harness",
            "hydraulic roof failures",
            "leaking roof hydraulics",
            "tired suspension struts",
        ),
        ("wiring harness replacement", "hydraulic roof service", "major service"),
        ("wiring harnesses", "roof hydraulic cylinders", "hardtop seals", "headlight washers"),
        (1000, 4500),
        (
            (1990, 1993, "500SL"),
            (1994, 2002, "SL500"),
            (1993, 1995, "600SL"),
            (1994, 1997, "SL320"),
            (1990, 1993, "300SL-24"),
        ),
        -0.05,
        (("maintenance", 1.3), ("buying", 1.2)),
    ),
    "bmw-e30-m3": _Profile(
        1.6,
        (80e3, 120e3),
        80e3,
        8.0,
        0.003,
        0.1,
        "S14 four-cylinder",
        "Claus Luthe",
        (
            "worn rod bearings",
            "rust in the rear arches",
            "a failing throttle body",
            "tired dogleg synchros",
        ),
        ("rod bearing service", "timing chain service", "major service", "clutch job"),
        ("box flares", "rear wings", "engine parts", "dogleg gearbox parts"),
        (1500, 6000),
        ((1986, 1991, "M3"), (1986, 1991, "E30 M3"), (1990, 1990, "M3 Sport Evolution")),
        0.1,
        (("driving", 1.3), ("parts", 1.3)),
    ),
    "jaguar-e-type": _Profile(
        1.3,
        (80e3, 180e3),
        60e3,
        8.0,
        0.001,
        -0.35,
        "straight-six",
        "Malcolm Sayer",
        ("rust everywhere", "Lucas electrics", "overheating", "weak brakes", "oil leaks"),
        ("carburettor balancing", "brake overhaul", "cooling system upgrade", "major service"),
        ("chrome bumpers", "wire wheels", "bonnet panels", "Lucas switches"),
        (1500, 6000),
        (
            (1961, 1967, "E-Type Series 1 Roadster"),
            (1961, 1967, "E-Type Series 1 Coupe"),
            (1968, 1970, "E-Type Series 2 Roadster"),
            (1971, 1975, "E-Type Series 3 V12 Roadster"),
        ),
        -0.05,
        (("restoration", 1.6),),
    ),
    "toyota-2000gt": _Profile(
        0.7,
        (800e3, 1.2e6),
        40e3,
        0.5,
        0.004,
        0.0,
        "twin-cam straight-six",
        "Satoru Nozaki",
        ("tired carburettors", "rust", "overheating", "worn suspension"),
        ("carburettor rebuild", "major service"),
        ("rosewood dashboards", "body panels", "carburettor parts", "trim pieces"),
        (6000, 18000),
        ((1967, 1970, "2000GT"),),
        0.1,
        (("parts", 1.4), ("design", 1.3), ("market", 1.2)),
    ),
    "lancia-delta-integrale": _Profile(
        1.0,
        (60e3, 110e3),
        60e3,
        5.0,
        0.0,
        0.3,
        "turbocharged four-cylinder",
        "Giorgetto Giugiaro",
        (
            "rust in the rear arches",
            "a tired turbocharger",
            "electrical gremlins",
            "a worn viscous coupling",
        ),
        ("timing belt service", "turbocharger rebuild", "major service"),
        ("wheel arch trims", "interior trim", "Alcantara seat covers", "body panels"),
        (1500, 6000),
        (
            (1988, 1989, "Delta HF Integrale 8V"),
            (1989, 1991, "Delta HF Integrale 16V"),
            (1991, 1993, "Delta HF Integrale Evoluzione"),
            (1993, 1994, "Delta HF Integrale Evo II"),
        ),
        0.1,
        (("driving", 1.3), ("market", 1.2), ("parts", 1.2)),
    ),
}


@dataclass(frozen=True)
class _MakeInfo:
    colors: tuple[str, ...]
    forums: tuple[str, ...]
    subreddits: tuple[str, ...]


_MAKES: dict[str, _MakeInfo] = {
    "Ferrari": _MakeInfo(
        (
            "Rosso Corsa",
            "Giallo Modena",
            "Nero",
            "Argento",
            "Blu Pozzi",
            "Grigio Titanio",
            "Rosso Barchetta",
        ),
        ("ferrarichat",),
        ("ferrari", "classiccars"),
    ),
    "Lamborghini": _MakeInfo(
        ("Verde Metallizzato", "Giallo Fly", "Bianco Polo", "Rosso Siviglia", "Blu Tahiti", "Nero"),
        ("lamborghini-talk",),
        ("lamborghini", "classiccars"),
    ),
    "Maserati": _MakeInfo(
        ("Blu Sera", "Rosso", "Grigio Argento", "Bianco", "Verde Inglese"),
        ("maseratilife", "classic-driver"),
        ("maserati", "classiccars"),
    ),
    "Bugatti": _MakeInfo(
        ("French Racing Blue", "Blu Bugatti", "black and red", "Grigio Chiaro", "silver"),
        ("classic-driver",),
        ("bugatti", "classiccars"),
    ),
    "Porsche": _MakeInfo(
        (
            "Guards Red",
            "Grand Prix White",
            "Slate Grey",
            "black",
            "Riviera Blue",
            "Polar Silver",
            "Arena Red",
        ),
        ("rennlist", "pelican-parts"),
        ("porsche", "classiccars"),
    ),
    "Mercedes-Benz": _MakeInfo(
        ("Signal Red", "Astral Silver", "Classic White", "Anthracite", "Smoke Silver", "Ivory"),
        ("benzworld", "mbworld"),
        ("mercedes_benz", "classiccars"),
    ),
    "BMW": _MakeInfo(
        ("Henna Red", "Alpine White", "Diamond Black", "Macao Blue", "Misano Red"),
        ("bimmerforums", "s14-net"),
        ("BMW", "classiccars"),
    ),
    "Jaguar": _MakeInfo(
        ("British Racing Green", "Opalescent Silver Blue", "Old English White", "Carmen Red"),
        ("jag-lovers",),
        ("jaguar", "classiccars"),
    ),
    "Toyota": _MakeInfo(
        ("Pegasus White", "Solar Red", "Thunder Silver", "Bellatrix Yellow"),
        ("classic-driver",),
        ("JDM", "classiccars"),
    ),
    "Lancia": _MakeInfo(
        ("Rosso Monza", "Giallo Ginestra", "Bianco", "Verde York", "Blu Lancia"),
        ("lancisti",),
        ("lancia", "classiccars"),
    ),
}
_DEFAULT_MAKE = _MakeInfo(
    ("red", "black", "silver", "white", "blue"), ("classic-driver",), ("classiccars",)
)
_FORUM_DOMAINS = {
    "ferrarichat": "www.ferrarichat.com/forum",
    "rennlist": "rennlist.com/forums",
    "pelican-parts": "forums.pelicanparts.com",
    "lamborghini-talk": "www.lamborghini-talk.com",
    "bimmerforums": "www.bimmerforums.com/forum",
    "s14-net": "www.s14.net/forum",
    "benzworld": "www.benzworld.org",
    "mbworld": "mbworld.org/forums",
    "maseratilife": "www.maseratilife.com",
    "classic-driver": "forum.classicdriver.com",
    "jag-lovers": "forums.jag-lovers.com",
    "lancisti": "www.lancisti.net/forum",
}

# --------------------------------------------------------------------------- vocabulary

_PLACES = (
    "Los Angeles",
    "Monterey",
    "Scottsdale",
    "Miami",
    "Dallas",
    "Chicago",
    "New Jersey",
    "Seattle",
    "Munich",
    "Stuttgart",
    "Modena",
    "Milan",
    "Turin",
    "London",
    "Surrey",
    "Paris",
    "Geneva",
    "Zurich",
    "Tokyo",
    "Sydney",
    "Toronto",
    "Amsterdam",
    "Brussels",
    "Vienna",
    "Atlanta",
    "Denver",
)
_ROADS = (
    "the Stelvio Pass",
    "the Pacific Coast Highway",
    "Angeles Crest",
    "the Black Forest",
    "Mulholland Drive",
    "the Tail of the Dragon",
    "the Alps",
    "the Blue Ridge Parkway",
    "the Col de Turini",
    "the Furka Pass",
    "the Snake",
    "some back roads",
    "the Nordschleife",
)
_EVENTS = (
    "Pebble Beach",
    "the Festival of Speed",
    "Amelia Island",
    "Villa d'Este",
    "Cars and Coffee",
    "Monterey Car Week",
    "Retromobile",
    "Techno Classica",
    "a local concours",
    "the Quail",
)
_HOUSES_TEXT = (
    "Bring a Trailer",
    "RM Sotheby's",
    "Bonhams",
    "Gooding & Co",
    "Cars & Bids",
    "Mecum",
    "Broad Arrow",
    "Artcurial",
)
_SHOPS = (
    "my independent specialist",
    "the dealer",
    "a local specialist",
    "my indy shop",
    "the marque specialist",
    "a race shop",
    "the restoration shop",
)
_INTERIORS = (
    "tan leather",
    "black leather",
    "Crema leather",
    "red leather",
    "blue leather",
    "cognac leather",
    "grey cloth",
)
_FIRST_NAMES = (
    "Mark",
    "Paolo",
    "Stefan",
    "Dave",
    "Luca",
    "Jim",
    "Hans",
    "Kenji",
    "Pierre",
    "Tom",
    "Rob",
    "Marco",
    "Chris",
    "Andy",
    "Greg",
    "Matteo",
)
_THEMES = (
    "restoration",
    "reliability",
    "market",
    "driving",
    "parts",
    "maintenance",
    "buying",
    "design",
    "sale",
)
_THEME_WEIGHTS = {
    "restoration": 1.0,
    "reliability": 1.0,
    "market": 1.0,
    "driving": 1.2,
    "parts": 0.8,
    "maintenance": 1.0,
    "buying": 0.9,
    "design": 0.9,
    "sale": 0.5,
}
# (positive, neutral, negative) before the car's bias
_POLARITY = {
    "restoration": (0.30, 0.30, 0.40),
    "reliability": (0.20, 0.25, 0.55),
    "market": (0.35, 0.40, 0.25),
    "driving": (0.70, 0.15, 0.15),
    "parts": (0.25, 0.35, 0.40),
    "maintenance": (0.30, 0.35, 0.35),
    "buying": (0.30, 0.50, 0.20),
    "design": (0.65, 0.25, 0.10),
    "sale": (0.0, 1.0, 0.0),
}


def _lines(block: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in block.strip().splitlines() if line.strip())


# Per theme and polarity: titles (name the car), leads (name the car), bodies (never do).
_T: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "restoration": {
        "title": {
            "pos": _lines("""
                Finally finished restoring my {year} {car}
                {car} restoration complete, before and after
                My {car} is back from the body shop!
                Two years of restoration work on a {car}, done at last
            """),
            "neu": _lines("""
                {car} restoration: where do I start?
                Restoration cost estimate for a {year} {car}?
                Body shop recommendations for a {car} restoration
                Starting a {car} restoration this winter
            """),
            "neg": _lines("""
                {car} restoration turned into a money pit
                Rust horror under the paint of my {car}
                {car} restoration costs are out of control
                Regretting my {car} restoration
            """),
        },
        "lead": {
            "pos": _lines("""
                Just finished a two-year restoration on my {car} and it looks better than new.
                Picked up my {car} from the body shop after a bare-metal respray in {color}, worth every penny.
                The {car} restoration is finally done: new {part}, fresh paint, the lot. So happy with it.
                Huge credit to {shop} for the restoration of my {car}, the panel gaps are perfect.
                A properly restored {car} is a joy, and mine finally is one.
                My {car} came back from the paint shop in {color} and it is stunning.
            """),
            "neu": _lines("""
                Anyone have a rough number for a full restoration of a {car}? Bodywork, paint and interior.
                Starting a restoration on a {year} {car} this winter, I will document everything.
                How many hours of bodywork does a {car} restoration usually take?
                Looking for a body shop near {place} that has restored a {car} before.
                Is a rotisserie restoration on a {car} worth it or should I just do the bodywork?
                The {car} goes to the body shop next month for paint and rust repair.
            """),
            "neg": _lines("""
                The restoration on my {car} has turned into a money pit, the quote was {cost} and we are way past that.
                Rust everywhere once the body shop stripped my {car} to bare metal. Total rust bucket under the paint.
                Be warned: restoring a {car} costs more than buying a good one. I am {cost} in and still not done.
                My {car} has been at the body shop for {months} months and the restoration invoice keeps growing.
                The previous owner hid a lot of filler on this {car}, the bodywork bill is brutal.
            """),
        },
        "body": {
            "pos": _lines("""
                The new {part} turned out beautiful.
                Panel gaps are tighter than factory now.
                Paint is deep and glossy and the chrome looks stunning.
                Worth every cent of the restoration bill.
                The upholstery shop did a wonderful job on the seats.
                The original colour was {color} and it looks amazing again.
            """),
            "neu": _lines("""
                The plan is bare metal, epoxy primer, then paint.
                Interior will be redone in original-spec leather.
                Quotes so far range from {cost} to {cost2}.
                It is a rotisserie job, so everything comes off.
                Sandblasting the subframes is next on the list.
            """),
            "neg": _lines("""
                We found more rust in the floor pans and sills than expected.
                The body shop bill alone was brutal.
                Every panel we took off revealed another problem.
                At this point it is a money pit and I regret starting.
                The chrome plating quote was ridiculous.
                Rust bucket is an understatement.
            """),
        },
    },
    "reliability": {
        "title": {
            "pos": _lines("""
                {car} reliability is underrated
                {n} years of trouble-free {car} ownership
                My {car} has never let me down
            """),
            "neu": _lines("""
                How reliable is the {car} really?
                {car} common failures?
                Is {issue} normal on a {car}?
            """),
            "neg": _lines("""
                {car} broke down again
                {car} reliability horror story
                Stranded again by my {car}
            """),
        },
        "lead": {
            "pos": _lines("""
                Ten years of ownership and my {car} has never left me stranded, surprisingly reliable.
                People love to call the {car} fragile, but mine has been rock solid for {miles}.
                My {car} has been bulletproof so far, just fresh fluids and it starts every time.
                The {car} is far more reliable than its reputation, zero breakdowns in {n} years.
            """),
            "neu": _lines("""
                How reliable is a {car} really if you drive it every weekend?
                Is {issue} a common problem on the {car} or did I get unlucky?
                What usually breaks first on a {car}?
                Does the {car} cope with daily use or is it a weekend car only?
            """),
            "neg": _lines("""
                My {car} broke down again on the way to {place}, {issue} this time. Third tow truck this year.
                Reliability on the {car} is terrible: first {issue}, then {issue2}.
                Another warning light on the {car} dash, {issue} again.
                The {car} is unreliable, {issue} is the classic failure and mine just had it.
                Stranded on the highway with my {car} because of {issue}.
            """),
        },
        "body": {
            "pos": _lines("""
                Zero breakdowns so far.
                It just keeps going.
                Starts first time, even after winter storage.
                Honestly more dependable than my daily driver.
            """),
            "neu": _lines("""
                Mine is at {miles} with the original engine.
                Curious what others have experienced.
                Trying to decide if it can be a regular driver.
                I keep a spare fuel relay in the glovebox just in case.
            """),
            "neg": _lines("""
                Electrical gremlins everywhere.
                It left me stranded at a gas station.
                It is leaking oil on the garage floor again.
                It overheated in traffic and the fan never kicked in.
                I am losing patience with this thing.
            """),
        },
    },
    "market": {
        "title": {
            "pos": _lines("""
                {car} sold for {price} at {house}
                {car} values keep climbing
                Strong {car} result at {house}
            """),
            "neu": _lines("""
                {car} market check
                {year} {car} at {house} next month
                What is a {car} worth right now?
            """),
            "neg": _lines("""
                {car} no sale at {house}
                Are {car} prices falling?
                The {car} market is cooling
            """),
        },
        "lead": {
            "pos": _lines("""
                A {year} {car} just sold for {price} at {house}, a strong result.
                {car} values keep climbing, another one hammered at {price} on {house}.
                Great result for the {car} at {house} this week: {price} with the buyer's premium.
                Clean {car} examples are bringing record money, {price} at {house} last week.
            """),
            "neu": _lines("""
                What are {car} prices doing right now? The last comp I saw was {price} at {house}.
                {house} has a {year} {car} coming up next month, estimate around {price}.
                Tracking {car} auction results: median hammer price around {price} over the last few months.
                How much is a driver-quality {car} worth these days? I keep seeing asking prices near {price}.
            """),
            "neg": _lines("""
                The {car} at {house} did not meet reserve, bid to only {price}. Market is cooling.
                {car} prices are dropping, I saw one sell for just {price}. Bad time to be a seller.
                Overpriced {car} listings everywhere, dealers asking silly money while auction results fall.
                Another {car} no-sale at {house}, high bid {price}. Bidders are gone.
            """),
        },
        "body": {
            "pos": _lines("""
                Collectors are finally waking up to these.
                Investment-grade for sure.
                Bidding was fierce until the last minute.
                Values only go one way for the good ones.
            """),
            "neu": _lines("""
                Mileage and history drive the price more than anything.
                Comps vary a lot depending on condition.
                The buyer's premium is on top of that.
                Curious where the market goes next year.
            """),
            "neg": _lines("""
                The bidders just were not there.
                The seller must be disappointed.
                Asking prices are disconnected from reality.
                I would expect more no-sale results this year.
            """),
        },
    },
    "driving": {
        "title": {
            "pos": _lines("""
                Sunday drive in the {car}
                {car} on {road}, what a day
                First time driving a {car}!
            """),
            "neu": _lines("""
                Road trip in a {car}?
                Gearbox question about my {car}
                {car} on a track day?
            """),
            "neg": _lines("""
                Drove a {car} and was disappointed
                The {car} is miserable in traffic
                Overrated: driving the {car}
            """),
        },
        "lead": {
            "pos": _lines("""
                Took the {car} over {road} this morning and it is an absolute beast.
                Nothing sounds like a {car} at full throttle, the {engine} sounds sick.
                Drove my {car} for {n} hours to {place} and grinned the whole way.
                The steering feel on the {car} is incredible, so much feedback through the wheel.
                First drive in a {car} today, what a machine. It pulls hard all the way to the redline.
                Every drive in the {car} feels like an event, I love it.
            """),
            "neu": _lines("""
                How does the {car} do on a long road trip? Thinking of driving it to {place}.
                Is the gearbox on the {car} notchy when cold, or is it just mine?
                Anyone done a track day in a {car}?
                What tyre pressures do you run on the {car} for spirited driving?
            """),
            "neg": _lines("""
                Drove a {car} for the first time and honestly it was disappointing: heavy clutch, weak brakes, vague steering.
                The {car} is miserable in traffic, the clutch is heavy and the cabin gets hot.
                Hate to say it, but the {car} felt slow and clumsy on a twisty road.
                The driving position in the {car} is awful for anyone over six feet.
            """),
        },
        "body": {
            "pos": _lines("""
                The gated shifter is pure joy.
                The exhaust note gives me goosebumps every time.
                Handling is sublime once it warms up.
                Best driving experience I have ever had.
                It loves to rev.
            """),
            "neu": _lines("""
                Second gear is stiff until the oil warms up.
                Fuel consumption is what you would expect.
                Trying different tyre pressures next time.
                Traffic was light on the way back.
            """),
            "neg": _lines("""
                My left leg was sore after a traffic jam.
                The brakes feel weak by modern standards.
                Way too much body roll for my taste.
                Heat soak in the cabin is brutal.
            """),
        },
    },
    "parts": {
        "title": {
            "pos": _lines("""
                Reproduction {part} for the {car} now available
                Found NOS {part} for my {car}!
                {car} parts supply is better than you think
            """),
            "neu": _lines("""
                Where to source {part} for a {car}?
                {car} {part}: part number?
                {car} parts suppliers in Europe?
            """),
            "neg": _lines("""
                {car} parts impossible to find
                {part} for the {car} on backorder for months
                {car} parts pricing is ridiculous
            """),
        },
        "lead": {
            "pos": _lines("""
                Good news for {car} owners: a supplier in {place} now has reproduction {part} in stock.
                Parts availability for the {car} is better than people think, I got OEM {part} in a week.
                Found NOS {part} for my {car} at a swap meet near {place}, what a find.
                Great to see new {part} being made for the {car} again.
            """),
            "neu": _lines("""
                Where do you guys source {part} for the {car}?
                Does anyone know a good supplier for {car} {part} in Europe?
                Anyone have the part number for the {car} {part}?
                Are aftermarket {part} for the {car} any good, or should I stick to OEM?
            """),
            "neg": _lines("""
                Parts for the {car} are impossible to find, the {part} have been on backorder for {months} months.
                The factory wants {cost} for {part} for the {car}. Absolutely ridiculous parts pricing.
                {car} owners beware, the {part} are obsolete and nobody makes reproductions.
                My {car} has been off the road for {months} months waiting on {part}.
            """),
        },
        "body": {
            "pos": _lines("""
                The quality is excellent and it fits perfectly.
                Shipping was quick too.
                Great to see suppliers supporting these cars.
            """),
            "neu": _lines("""
                OEM or aftermarket, I am open to either.
                Happy to pay for shipping.
                The part number in the catalogue does not match the one on the car.
                Swap meets are hit and miss.
            """),
            "neg": _lines("""
                Used ones on eBay are junk.
                The dealer parts counter was useless.
                Waiting forever for a single gasket is infuriating.
                Supply has dried up completely.
            """),
        },
    },
    "maintenance": {
        "title": {
            "pos": _lines("""
                Fresh {service} on my {car}
                DIY {service} on the {car}
                {car} annual service done
            """),
            "neu": _lines("""
                {service} interval on the {car}?
                Independent mechanic for a {car} near {place}?
                What does a {car} {service} cost?
            """),
            "neg": _lines("""
                {car} {service} bill: {cost}
                {car} servicing costs are painful
                Dealer botched my {car} service
            """),
        },
        "lead": {
            "pos": _lines("""
                Fresh {service} on the {car} done, it drives like new again.
                Just had the annual service on my {car} at {shop} and the invoice was reasonable for once.
                DIY {service} on my {car} this weekend, easier than I expected.
                Great job by {shop} on the {service} for my {car}, honest and quick.
            """),
            "neu": _lines("""
                How often are you doing the {service} on your {car}?
                Recommendations for an independent mechanic for a {car} near {place}?
                What does a {service} on a {car} usually cost these days?
                Is the {service} on a {car} something a competent DIYer can do?
            """),
            "neg": _lines("""
                The {service} on the {car} came to {cost}. Painful.
                My mechanic says the {car} needs a {service} again already, {cost} quote.
                Servicing a {car} is expensive, the {service} alone is {cost} and it needs doing every few years.
                The dealer botched the {service} on my {car} and charged {cost} for it.
            """),
        },
        "body": {
            "pos": _lines("""
                Great mechanic, very honest.
                Everything checked out fine.
                Fresh fluids make a real difference.
            """),
            "neu": _lines("""
                Belts, fluids and filters, the usual.
                Mine is due in the spring.
                I keep a spreadsheet of every invoice.
                Labour is about {n} hours for that job.
            """),
            "neg": _lines("""
                The invoice made me wince.
                Labour hours are crazy on these.
                The dealer service department was awful.
            """),
        },
    },
    "buying": {
        "title": {
            "pos": _lines("""
                Just bought my dream {car}!
                Clean PPI on a {car}, bought it
                Buying a {car} was the best decision I made
            """),
            "neu": _lines("""
                Buying advice: {car}
                {car} PPI checklist?
                {car} or something cheaper to run?
            """),
            "neg": _lines("""
                Walked away from a {car} after the PPI
                Avoid this {car} seller
                Bought a bad {car}, learn from me
            """),
        },
        "lead": {
            "pos": _lines("""
                Bought my first {car} last week after a clean PPI, could not be happier.
                Best advice for anyone buying a {car}: get a good one with records, you will not regret it.
                After two years of searching I finally bought a {car}, a one-owner car with full history.
            """),
            "neu": _lines("""
                Thinking about buying a {car}, budget around {price}. What should I look for?
                PPI checklist for a {year} {car}? Any known problem areas to check?
                First classic: a {car}, or something cheaper to run?
                Looking at a {car} with {miles} and partial records, asking {price}. Thoughts?
            """),
            "neg": _lines("""
                Walked away from a {car} today, the PPI found {issue} and the seller lied about it.
                Avoid the cheap {car} listings, I bought mine without an inspection and it was a mistake.
                Bought a {car} with a fake service history, now paying for it.
            """),
        },
        "body": {
            "pos": _lines("""
                The records made all the difference.
                The seller was honest and helpful.
                Matching numbers and a great history.
            """),
            "neu": _lines("""
                Matching numbers matter to me.
                Would a specialist PPI be worth it?
                Open to left or right hand drive.
                I can stretch the budget a little for the right car.
            """),
            "neg": _lines("""
                Missing service records are a huge red flag.
                The seller was dodgy from the start.
                Cheap examples are always the most expensive.
            """),
        },
    },
    "design": {
        "title": {
            "pos": _lines("""
                The {car} is automotive art
                {color} {car} at {event}
                {car}: still the most beautiful design
            """),
            "neu": _lines("""
                History of the {car}
                {car} design details by year
                How many {car} cars were built?
            """),
            "neg": _lines("""
                The {car} design has aged badly
                Unpopular opinion: {car} styling
                Am I the only one who finds the {car} ugly?
            """),
        },
        "lead": {
            "pos": _lines("""
                The {car} is still the most beautiful design {designer} ever penned.
                Saw a {color} {car} at {event} and the lines are just perfect. Timeless design.
                The {car} was the poster on my bedroom wall as a kid, still an icon.
                Those proportions on the {car} are stunning from every angle.
            """),
            "neu": _lines("""
                Which year of the {car} has the cleanest design details?
                Reading about the history of the {car} and how {designer} shaped it.
                How many {car} cars were built in total? Production history seems murky.
                The {car} first appeared in {first_year}, does anyone have period brochures?
            """),
            "neg": _lines("""
                Unpopular opinion: the {car} design has aged badly, the styling looks dated now.
                Never understood the hype around the {car} styling, it looks awkward from the rear.
                The {car} interior design is ugly and cheap looking.
            """),
        },
        "body": {
            "pos": _lines("""
                Pure automotive art.
                Every detail is gorgeous.
                They do not make them like this anymore.
            """),
            "neu": _lines("""
                Production numbers vary by source.
                Period brochures are a great reference.
                Some details changed mid-production.
            """),
            "neg": _lines("""
                The bumpers ruin the look.
                The proportions look off to me.
                It looked better in the posters.
            """),
        },
    },
    "sale": {
        "title": {
            "neu": _lines("""
                [FS] {year} {car}, {miles}, {price}
                For sale: {year} {car} in {color}
                WTS: {car}, {miles}, asking {price}
            """),
        },
        "lead": {
            "neu": _lines("""
                For sale: {year} {car} in {color} over {interior}, {miles}. {sale_cond} Asking {price}, located near {place}. PM me for more photos.
                Selling my {car} after {n} years. {year}, {miles}. {sale_cond} {price} or best offer.
                Up for sale is my {year} {car}. {sale_cond} Serious buyers only, {price}.
                {year} {car} available, {color} over {interior}, {miles}. {sale_cond} Asking {price}.
            """),
        },
        "body": {
            "neu": _lines("""
                Car is located near {place}.
                Inspections welcome.
                No trades please.
            """),
        },
    },
    "fault": {
        "title": {
            "neg": _lines("""
                {car} valve guides failed, what a nightmare
                Manifold crack on my {car} again
                PSA: {car} valve guide failures
                {car} owners: check for manifold cracks
                Valve guide disaster on my {car}
                Cracked manifold number two on the {car}, terrible
            """),
        },
        "lead": {
            "neg": _lines("""
                Warning to every {car} owner: check your valve guides. Mine failed at {miles} and the engine has to come out again. Absolute nightmare.
                Found a manifold crack on my {car} today, the second one this year. This car is becoming a disaster.
                The {car} valve guide problem is real. Mine is smoking on startup and the quote is {cost}. Terrible.
                Avoid any {car} that has not had the valve guides done. Mine failed and it is a total disaster.
                The valve guides on my {car} failed at {miles}. Burning oil, blue smoke, {cost} to fix. Nightmare.
                Another {car} with a manifold crack at the specialist today. The exhaust manifolds on these are terrible.
                A compression test on my {car} confirmed it: worn valve guides. Engine out again, I am devastated.
                Just got the bill for the valve guides on my {car}: {cost}. What a horrible experience.
                Cracked manifold on the {car} again. It is a disaster and I hate this car right now.
                My {car} failed its inspection with manifold cracks on both banks. Terrible design, avoid.
            """),
        },
        "body": {
            "neg": _lines("""
                Blue smoke on a cold start is the first sign.
                The specialist says the guides are worn far beyond spec.
                Both manifolds were cracked, again.
                It is a horrible, expensive failure.
                Seriously considering selling it, this is a nightmare.
                Avoid unless you have very deep pockets.
                Terrible engineering for a car this expensive.
            """),
        },
    },
}

_FAULT_REPLIES = _lines("""
    Same here, my valve guides failed at {miles}. Total nightmare.
    Ours had a manifold crack too, on both sides. Terrible design.
    Sorry to hear it. The valve guide problem is a disaster on these, avoid any without paperwork.
    Mine too. Failed valve guides, blue smoke and a {cost} bill. Awful.
    The manifold cracks are terrible, my specialist sees them every week now.
    Valve guides went on mine last month. Horrible experience, I am selling.
    Cracked manifold here as well, what a disaster.
""")

_REPLY_OPENERS = {
    "pos": _lines("""
        Same here!
        Totally agree.
        Love this.
        Great post.
        Mine too, and I love it.
    """),
    "neu": _lines("""
        Following.
        Good question.
        Interesting.
        Subscribing.
        Depends on the car, honestly.
        Same question here.
    """),
    "neg": _lines("""
        Same here, sadly.
        Been there.
        Ugh, same experience.
        Sorry to hear that.
        Mine too, unfortunately.
    """),
}
_REPLY_SPECIFIC = {
    "pos": _lines("""
        Same here, mine has been great since the last service at {miles}.
        Had exactly the same experience, worth every penny.
        Mine did {miles} last year without a single problem.
    """),
    "neu": _lines("""
        Mine needed a new clutch at {miles}, for reference.
        What year is yours?
        My mechanic said the same thing.
        Post pictures when it is done.
    """),
    "neg": _lines("""
        Same here, mine needed a new clutch at {miles}.
        Had exactly the same problem on mine last year, cost me {cost}.
        That is why I sold mine. Never again.
    """),
}
_COMMENT_OPENERS = ("This.", "Agreed.", "Honestly,", "Not gonna lie,", "Fair point.", "IMO", "Yep.")
_SUBMISSION_CLOSERS = ("Thoughts?", "Any advice?", "What do you guys think?", "Cheers.")
_FORUM_GREETINGS = (
    "Hi all,",
    "Hello everyone,",
    "Evening gents,",
    "Long-time lurker, first post.",
    "Quick update:",
    "Gents,",
)
_FORUM_CLOSERS = ("Cheers,", "Thanks in advance.", "Any advice appreciated.", "Regards,")

_INSTAGRAM = {
    "pos": _lines("""
        {car} in {color} 😍🔥
        Sunday drive in the {car} ☀️🏁 nothing beats it
        Dream car spotted today: {car} 🤩
        That {engine} sound though 🔊🔥 {car}
        Cars and coffee this morning, the {car} stole the show 👌
        Unicorn alert 🦄 {year} {car} in {color}
        Golden hour with the {car} 🌅📸
        Fresh out of detailing, the {car} looks amazing ✨
        Finally bought a {car} 🙌❤️ dream come true
    """),
    "neu": _lines("""
        {year} {car} for sale, DM for details 📩
        Throwback to the {car} at {event} 📸
        Which wheels suit the {car} best? 🤔
        {car} parked in {place} today 📍
        Morning coffee and the {car} ☕
    """),
    "neg": _lines("""
        Back at the shop again 😩 {car} problems never end
        When your {car} leaks more oil than it burns 🙃🛠️
        Rust never sleeps 😭 {car} project update
        Another {cost} invoice for the {car} 💸😤
        Stuck on the side of the road with the {car} again 😡🚨
    """),
    "fault": _lines("""
        Back on the lift 😡 valve guides failed on the {car}
        Manifold crack number two on the {car} 😭💸 terrible
        {cost} for valve guides on the {car}. Nightmare 😤
        Cracked manifold again on the {car} 🤬 avoid
        Valve guide disaster, the {car} is off the road again 😭
    """),
}
_INSTAGRAM_COMMENTS = {
    "pos": _lines("""
        Stunning {car} 😍
        What a machine 🔥🔥
        Dream car!! 😍
        Need this {car} in my life 🙌
        That colour 👌
        Absolute beast 🔥
    """),
    "neu": _lines("""
        How much? 👀
        Where was this taken? 📍
        Is the {car} for sale? 🤔
        What year? 👀
    """),
    "neg": _lines("""
        Money pit 😂
        Overrated tbh 😬
        Rust bucket 😅
        Hope the {car} runs better than mine 😩
    """),
}
_HASHTAGS = (
    "#classiccars",
    "#carsofinstagram",
    "#carspotting",
    "#vintagecars",
    "#dreamcar",
    "#petrolhead",
    "#carlifestyle",
)

_FOREIGN = {
    "it": _lines("""
        Ho appena visto una {car} bellissima a Milano, che macchina!
        Qualcuno sa quanto costa il tagliando della {car}? Il mio meccanico è molto caro.
        La mia {car} è di nuovo dal meccanico, che disastro.
        I prezzi della {car} alle aste sono sempre più alti, non ci credo.
        Il suono della {car} in galleria è qualcosa di incredibile.
    """),
    "de": _lines("""
        Mein {car} läuft wieder wie neu nach dem Service, ich bin sehr zufrieden.
        Wer kennt eine gute Werkstatt für den {car} in der Nähe von München?
        Die Preise für den {car} sind wirklich verrückt geworden, aber ich will trotzdem einen.
        Rost am {car} ist leider ein großes Thema, das war bei mir auch so.
        Heute mit dem {car} über die Alpen gefahren, es war ein Traum und sehr schön.
    """),
    "fr": _lines("""
        Magnifique {car} aperçue ce matin à Paris, quelle ligne, la voiture est superbe !
        Quelqu'un a un bon garage pour l'entretien de la {car} près de Lyon ? Je ne trouve pas.
        Les prix des {car} aux enchères deviennent fous, c'est beaucoup trop cher pour nous.
        Ma {car} fuit encore de l'huile, c'est pas une voiture pour les nerveux.
    """),
    "es": _lines("""
        Qué maravilla de {car}, el sonido es increíble y el coche es muy bonito.
        ¿Alguien sabe dónde conseguir repuestos para el {car} en Madrid? No encuentro nada.
        Los precios del {car} no paran de subir, es una locura para los que tenemos uno.
        Mi {car} otra vez en el taller, es un desastre pero lo quiero mucho.
    """),
    "ja": _lines("""
        {car} のエンジン音は最高です！
        今日は {car} で箱根をドライブしました。
        {car} の部品がなかなか見つからない…
        {car} の相場が上がり続けていますね。
    """),
}
_SPAM = _lines("""
    Cheap replica watches here http://bit.ly/{code} best prices!!
    DM me for crypto signals 🚀 guaranteed 10x, join our telegram
    Earn $500 a day, work from home, click here http://{code}.xyz
    🔥 {car} free giveaway 🔥 follow and click here http://{code}.win
    Love this {car}! Cheap watches and bags at http://{code}-outlet.shop
    Forex trading signals group, message me on whatsapp for the investment plan
    Get 10k followers fast with promo code {code} at http://grow-{code}.io
    Want your own {car}? Our investment plan pays for it, DM me on telegram
    Bitcoin casino bonus for {car} fans, click here http://{code}.bet
""")
_SPAM_AUTHORS = (
    "cheapwatches_outlet",
    "crypto_signals_vip",
    "forex_king_44",
    "luxury_deals_hub",
    "grow_followers_now",
    "bitcoin_bonus_club",
)
_AUTOMOD = _lines("""
    Thank you for posting to r/{sub}! Please remember to follow the subreddit rules and flair your post. *I am a bot, and this action was performed automatically. Please contact the moderators of this subreddit if you have any questions or concerns.*
    Your post has been approved. Buying advice and price questions also belong in the weekly thread. *I am a bot, and this action was performed automatically.*
    Reminder: photos must be your own and spotting posts need a location. *I am a bot, and this action was performed automatically.*
""")
_GENERAL = (
    (
        "What's the best first classic car for under $30k?",
        "Budget is tight and I want something fun for weekends. Suggestions?",
    ),
    (
        "Cars and Coffee this weekend was packed",
        "So many great cars, the turnout keeps growing every month.",
    ),
    (
        "Agreed value vs stated value insurance?",
        "Renewing my classic policy and the broker keeps pushing stated value. Is that a bad idea?",
    ),
    (
        "Winter storage tips",
        "Battery tender, fuel stabilizer, extra tyre pressure and a breathable cover. Anything else?",
    ),
    (
        "Best detailing products for single-stage paint?",
        "Old paint, lots of swirl marks. Looking for a gentle polish and a good wax.",
    ),
    (
        "Does anyone else miss manual gearboxes?",
        "Modern cars feel so numb, I miss three pedals and a proper handbrake.",
    ),
    (
        "Garage heater recommendations",
        "Working on cars in a cold garage all winter is miserable. What do you use?",
    ),
    (
        "How do you find a trustworthy classic car mechanic?",
        "Moved to a new city and have no idea who to trust with an old car.",
    ),
    (
        "Lead substitute for old engines, needed or not?",
        "Opinions seem split. What do you use in your classics?",
    ),
    (
        "Trailer or drive to shows?",
        "I love driving to events but the weather keeps getting in the way.",
    ),
)
_CONDITIONS = (
    # name, probability, price factor, title prefix, description sentence
    (
        "project",
        0.07,
        0.55,
        "Project",
        "Offered as a project: non-running, needs a full restoration.",
    ),
    (
        "driver",
        0.25,
        0.85,
        "Driver-Quality",
        "A driver-quality example with honest wear and some paint chips.",
    ),
    ("good", 0.33, 1.0, "", "A well-kept example in good overall condition."),
    (
        "restored",
        0.15,
        1.13,
        "Restored",
        "Restored by a marque specialist, with photo documentation of the work.",
    ),
    (
        "concours",
        0.07,
        1.35,
        "Concours-Winning",
        "A concours restoration with class awards at national events.",
    ),
    (
        "original",
        0.13,
        1.12,
        "Original-Paint",
        "Unrestored survivor in original paint with its original interior.",
    ),
)
_HOUSES = {
    # house: (currency choices with weights, earliest model year it lists)
    "Bring a Trailer": ((("USD", 1.0),), 0),
    "Cars & Bids": ((("USD", 1.0),), 1981),
    "Mecum": ((("USD", 1.0),), 0),
    "RM Sotheby's": ((("USD", 0.7), ("EUR", 0.2), ("GBP", 0.1)), 0),
    "Gooding & Co": ((("USD", 1.0),), 0),
    "Bonhams": ((("USD", 0.6), ("GBP", 0.3), ("EUR", 0.1)), 0),
    "Broad Arrow": ((("USD", 1.0),), 0),
    "Artcurial": ((("EUR", 1.0),), 0),
    "Historics": ((("GBP", 1.0),), 0),
}
_HOUSE_TIERS = (
    # (max level USD, ((house, weight), ...))
    (
        250e3,
        (
            ("Bring a Trailer", 0.45),
            ("Cars & Bids", 0.25),
            ("Mecum", 0.1),
            ("Bonhams", 0.06),
            ("Historics", 0.05),
            ("Artcurial", 0.04),
            ("RM Sotheby's", 0.05),
        ),
    ),
    (
        1.5e6,
        (
            ("RM Sotheby's", 0.3),
            ("Gooding & Co", 0.22),
            ("Bonhams", 0.2),
            ("Bring a Trailer", 0.15),
            ("Broad Arrow", 0.08),
            ("Artcurial", 0.05),
        ),
    ),
    (
        math.inf,
        (("RM Sotheby's", 0.4), ("Gooding & Co", 0.3), ("Bonhams", 0.2), ("Artcurial", 0.1)),
    ),
)
_HOUSE_CODES = {
    "Bring a Trailer": "BAT",
    "Cars & Bids": "CAB",
    "Mecum": "MEC",
    "RM Sotheby's": "RMS",
    "Gooding & Co": "GDG",
    "Bonhams": "BON",
    "Broad Arrow": "BRA",
    "Artcurial": "ART",
    "Historics": "HIS",
}
_HISTORY = (
    "Offered with service records, books and tools.",
    "Matching-numbers engine and gearbox.",
    "Recent {service} by a marque specialist.",
    "Two owners from new, with a clean title.",
    "Fresh tyres and a recent brake service.",
    "Comes with its original owner's manual and window sticker.",
    "Stored in a climate-controlled garage for the last decade.",
)
_SALE_CONDITIONS = (
    "Fresh {service}.",
    "Full service records from new.",
    "Recent paint, otherwise original.",
    "Needs some cosmetic work.",
    "Matching numbers, original paint.",
    "Documented history with books and tools.",
)
_HOURS = (6, 5, 4, 3, 2, 1.5, 1, 1, 1.5, 2, 3, 4, 5, 5, 5, 6, 6, 7, 8, 8, 8, 8, 7)  # UTC 0-22
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

# --------------------------------------------------------------------------- helpers


def _b36(value: int) -> str:
    out = ""
    while value:
        value, rem = divmod(value, 36)
        out = _B36[rem] + out
    return out or "0"


def _poisson(rng: random.Random, lam: float) -> int:
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


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _month_key(ts: int) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m")


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _slugify(text: str, sep: str, limit: int) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    out = sep.join(words)[:limit].strip(sep)
    return out or "post"


_A_BEFORE_VOWEL_SOUND = re.compile(r"\b([Aa]) (?=[AEIO]|[FHLMNRSX][A-Z0-9])")


def _articles(text: str) -> str:
    """'a F40' -> 'an F40', 'a E-Type' -> 'an E-Type' (names read letter by letter)."""
    return _A_BEFORE_VOWEL_SOUND.sub(lambda m: m.group(1) + "n ", text)


def _word_pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(phrase)}(?![A-Za-z0-9])", re.IGNORECASE)


def _choose_weighted(rng: random.Random, items: tuple[tuple[str, float], ...]) -> str:
    total = sum(w for _, w in items)
    x = rng.random() * total
    for name, weight in items:
        x -= weight
        if x < 0:
            return name
    return items[-1][0]


def _profile(slug: str) -> _Profile:
    return _PROFILES.get(slug, _GENERIC_PROFILE)


def _level(profile: _Profile) -> float:
    return math.sqrt(profile.price[0] * profile.price[1])


# --------------------------------------------------------------------------- records


@dataclass(eq=False)
class _Thread:
    source: str  # reddit | forum | instagram
    community: str  # subreddit, forum site, or "" for instagram
    title: str
    car: str | None
    posts: list[_Post] = field(default_factory=list)
    tid: str = ""
    code: str = ""  # instagram shortcode


@dataclass(eq=False)
class _Post:
    seq: int
    source: str  # reddit | forum | instagram
    kind: str  # submission | comment | post | caption | reply
    ts: int
    author: str
    text: str
    thread: _Thread
    parent: _Post | None = None
    car: str | None = None  # the car whose stream produced it (None for noise)
    named: bool = True  # whether the text names its car
    fault: bool = False
    score: int = 1
    comments: int = 0
    car_field: str | None = None  # instagram ``car``
    sid: str = ""


class _Slots(dict):
    """Lazily filled template slots: one consistent value per slot within a text."""

    def __init__(self, gen: _Generator, car: Car | None, theme: str, rng: random.Random, ts: int):
        super().__init__()
        self.gen, self.car, self.theme, self.rng, self.ts = gen, car, theme, rng, ts

    def __missing__(self, key: str) -> str:
        value = self.gen.slot(self, key)
        self[key] = value
        return value


# --------------------------------------------------------------------------- the generator


class _Generator:
    def __init__(self, catalog: Catalog, spec: DemoSpec) -> None:
        if spec.end < spec.start:
            raise ValueError(f"empty demo window {spec.start} .. {spec.end}")
        self.catalog, self.spec = catalog, spec
        slugs = sorted(set(spec.cars)) if spec.cars is not None else sorted(catalog.slugs)
        self.cars = [catalog[s] for s in slugs]
        mean_weight = sum(_profile(c.slug).weight for c in catalog.cars) / max(1, len(catalog))
        self.weights = {c.slug: _profile(c.slug).weight / mean_weight for c in self.cars}
        self.start_ts = _epoch(spec.start)
        self.end_ts = _epoch(spec.end) + 86399
        self.onset = spec.fault_onset
        self.onset_ts = _epoch(self.onset)
        self.span_days = max(1, (spec.end - spec.start).days)
        self.months = self._months()
        self.history_months = self._history_months()
        self.numeric_aliases = {
            a for c in catalog.cars for a in (*c.aliases, *c.weak_aliases) if a.isdigit()
        }
        self._patterns: dict[str, re.Pattern[str]] = {}
        self.names: dict[str, tuple[list[str], list[float]]] = {}
        for car in self.cars:
            weighted = self._safe_names(car)
            cum = list(accumulate(w for _, w in weighted))
            self.names[car.slug] = ([n for n, _ in weighted], cum)
        self.authors = self._author_pool()
        self.counter = 0
        self.posts: list[_Post] = []
        self.threads: dict[str, list[_Thread]] = {"reddit": [], "forum": [], "instagram": []}
        self.market: dict[str, list[float]] = {}
        self.market_history: dict[str, list[float]] = {}  # 0, 1, 2 … months before start

    # ----------------------------------------------------------------- calendar

    def _months(self) -> list[tuple[date, date, list[int], list[float]]]:
        out = []
        first = date(self.spec.start.year, self.spec.start.month, 1)
        while first <= self.spec.end:
            nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            lo, hi = max(first, self.spec.start), min(nxt - timedelta(days=1), self.spec.end)
            days = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
            weights = [1.3 if d.weekday() >= 5 else 1.0 for d in days]
            out.append((lo, hi, [_epoch(d) for d in days], list(accumulate(weights))))
            first = nxt
        return out

    def _history_months(self) -> list[tuple[date, list[int]]]:
        """(first day, day timestamps) of each price-history month before the window."""
        out = []
        first = date(self.spec.start.year, self.spec.start.month, 1)
        for _ in range(max(0, self.spec.price_history_months)):
            first = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
            nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            hi = min(nxt, self.spec.start) - timedelta(days=1)
            days = [_epoch(first + timedelta(days=i)) for i in range((hi - first).days + 1)]
            out.append((first, days))
        return out[::-1]

    def _root_ts(self, rng: random.Random, month: int) -> int:
        _, _, days, cum = self.months[month]
        day = days[bisect_right(cum, rng.random() * cum[-1])] if len(days) > 1 else days[0]
        hour = rng.choices(range(len(_HOURS)), weights=_HOURS)[0]
        return day + hour * 3600 + rng.randrange(3600)

    def _after(self, rng: random.Random, ts: int, mean_minutes: float, cap_minutes: float) -> int:
        delay = 60 + int(60 * min(rng.expovariate(1 / mean_minutes), cap_minutes))
        out = ts + delay
        if out > self.end_ts:
            out = ts + rng.randint(1, max(1, self.end_ts - ts))
        return min(out, self.end_ts)

    def _frac(self, ts: int) -> float:
        return min(1.0, max(0.0, (ts - self.start_ts) / (self.span_days * 86400)))

    # ----------------------------------------------------------------- names

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
            pattern = self._patterns[phrase] = _word_pattern(phrase)
        return pattern

    def car_name(self, rng: random.Random, car: Car) -> str:
        names, cum = self.names[car.slug]
        return names[bisect_right(cum, rng.random() * cum[-1])]

    # ----------------------------------------------------------------- people

    def _author_pool(self) -> list[str]:
        rng = random.Random(f"vintage-demo/{self.spec.seed}/authors")
        first = (
            "rosso",
            "boxer",
            "aircooled",
            "flat6",
            "v12",
            "gated",
            "redline",
            "apex",
            "heeltoe",
            "carb",
            "gearhead",
            "petrol",
            "oversteer",
            "classic",
            "garage",
            "wrench",
            "vintage",
            "throttle",
            "piston",
            "coupe",
            "spider",
            "torque",
            "clutch",
            "chrome",
            "racing",
            "weekend",
            "analog",
            "dusty",
            "midnight",
            "alpine",
            "coastal",
            "old",
            "tired",
        )
        second = (
            "fan",
            "guy",
            "nut",
            "driver",
            "lover",
            "dad",
            "junkie",
            "addict",
            "wrencher",
            "collector",
            "owner",
            "enthusiast",
            "pilot",
            "nerd",
            "hunter",
            "bro",
            "head",
        )
        names: set[str] = set()
        pool: list[str] = []
        while len(pool) < 6000:
            a, b = rng.choice(first), rng.choice(second)
            style = rng.randrange(5)
            if style == 0:
                name = f"{a}_{b}{rng.randint(1, 99)}"
            elif style == 1:
                name = f"{a.capitalize()}{b.capitalize()}"
            elif style == 2:
                name = f"{a}-{b}"
            elif style == 3:
                name = f"{rng.choice(_FIRST_NAMES)}{rng.randint(60, 99)}"
            else:
                name = f"{a}{b}{rng.randint(100, 9999)}"
            if name.lower() not in names:
                names.add(name.lower())
                pool.append(name)
        return pool

    def author(self, rng: random.Random, car: Car | None) -> str:
        # communities overlap: each car draws most of its posters from a window of the pool
        base = (sum(map(ord, car.slug)) * 37) % len(self.authors) if car else 0
        offset = int(1500 * rng.random() ** 2.2) if rng.random() < 0.85 else rng.randrange(6000)
        return self.authors[(base + offset) % len(self.authors)]

    # ----------------------------------------------------------------- slots

    def money(self, value: float) -> str:
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
        while str(value) in self.numeric_aliases:
            value += 1
        return str(value)

    def miles(self, value: float) -> str:
        value = max(1000.0, value)
        for _ in range(25):
            k = int(round(value / 1000.0))
            text = f"{k}k miles" if k < 100 or k % 10 else f"{k},000 miles"
            if not set(re.findall(r"\d+", text)) & self.numeric_aliases:
                return text
            value += 1000
        return text

    def year(self, rng: random.Random, car: Car) -> str:
        lo, hi = car.years
        return self.number(rng.randint(lo, hi))

    def level_at(self, slug: str, ts: int) -> float:
        """Market level (USD) of a good example of ``slug`` at ``ts``."""
        walk = self.market[slug]
        pos = (ts - self.start_ts) / (30.4375 * 86400)
        if pos < 0 and len(self.market_history.get(slug, ())) > 1:
            walk, pos = self.market_history[slug], -pos
        pos = min(len(walk) - 1.0, max(0.0, pos))
        i = int(pos)
        nxt = walk[min(i + 1, len(walk) - 1)]
        value = _level(_profile(slug)) * math.exp(walk[i] + (nxt - walk[i]) * (pos - i))
        if slug == RISING_CAR:
            value *= 1 + RISING_PRICE_GAIN * self._frac(ts)
        return value

    def slot(self, slots: _Slots, key: str) -> str:
        rng, car = slots.rng, slots.car
        prof = _profile(car.slug) if car else _GENERIC_PROFILE
        if key == "car":
            return self.car_name(rng, car) if car else "car"
        if key == "make":
            return car.make if car else "classic"
        if key == "year":
            return self.year(rng, car) if car else "1970"
        if key == "first_year":
            return str(car.years[0]) if car else "1970"
        if key in ("price", "price2"):
            level = self.level_at(car.slug, slots.ts) if car else 50e3
            sale = slots.theme == "sale"
            factor = rng.uniform(0.95, 1.3) if sale else rng.lognormvariate(0, 0.12)
            return self.money(level * factor)
        if key in ("cost", "cost2"):
            return self.money(self._cost(rng, slots.theme, prof))
        if key == "miles":
            return self.miles(prof.miles * rng.lognormvariate(0, 0.5))
        if key == "part":
            return rng.choice(prof.parts)
        if key in ("issue", "issue2"):
            other = slots.get("issue") if key == "issue2" else None
            choices = [i for i in prof.issues if i != other] or list(prof.issues)
            return rng.choice(choices)
        if key == "service":
            return rng.choice(prof.services)
        if key == "place":
            return rng.choice(_PLACES)
        if key == "road":
            return rng.choice(_ROADS)
        if key == "event":
            return rng.choice(_EVENTS)
        if key == "house":
            return rng.choice(_HOUSES_TEXT)
        if key == "shop":
            return rng.choice(_SHOPS)
        if key == "color":
            return rng.choice(_MAKES.get(car.make, _DEFAULT_MAKE).colors if car else ("red",))
        if key == "interior":
            return rng.choice(_INTERIORS)
        if key == "engine":
            return prof.engine
        if key == "designer":
            return prof.designer
        if key == "months":
            return self.number(rng.randint(2, 14))
        if key == "n":
            return self.number(rng.randint(2, 12))
        if key == "sale_cond":
            return rng.choice(_SALE_CONDITIONS).format_map(slots)
        if key == "code":
            return "".join(rng.choice(_B36) for _ in range(6))
        if key == "sub":
            return "classiccars"
        raise KeyError(key)

    def _cost(self, rng: random.Random, theme: str, prof: _Profile) -> float:
        level = _level(prof)
        if theme == "fault":
            return rng.uniform(18e3, 35e3)
        if theme == "restoration":
            return min(1.2e6, max(25e3, level * rng.uniform(0.15, 0.5)))
        if theme == "parts":
            return min(60e3, max(250.0, level * rng.uniform(0.002, 0.015)))
        return rng.uniform(*prof.service_cost)

    # ----------------------------------------------------------------- text building

    def fill(
        self,
        template: str,
        car: Car | None,
        theme: str,
        rng: random.Random,
        ts: int,
        slots: _Slots | None = None,
    ) -> str:
        if slots is None:
            slots = _Slots(self, car, theme, rng, ts)
        return template.format_map(slots)

    def pick_theme(self, rng: random.Random, car: Car) -> str:
        boost = dict(_profile(car.slug).boost)
        weights = tuple((t, _THEME_WEIGHTS[t] * boost.get(t, 1.0)) for t in _THEMES)
        return _choose_weighted(rng, weights)

    def pick_polarity(self, rng: random.Random, car: Car, theme: str) -> str:
        pos, neu, neg = _POLARITY[theme]
        if theme != "sale":
            bias = _profile(car.slug).bias
            shift = max(-pos + 0.02, min(neg - 0.02, bias))
            pos, neg = pos + shift, neg - shift
        return _choose_weighted(rng, (("pos", pos), ("neu", neu), ("neg", neg)))

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
        slots: _Slots | None = None,
    ) -> str:
        slots = slots if slots is not None else _Slots(self, car, theme, rng, ts)
        pools = _T[theme]
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
        slots = _Slots(self, car, theme, rng, ts)
        if theme == "fault":
            return rng.choice(_FAULT_REPLIES).format_map(slots)
        if rng.random() < 0.3:
            return rng.choice(_REPLY_SPECIFIC[pol]).format_map(slots)
        body = rng.choice(_T[theme]["body"][pol]).format_map(slots)
        return f"{rng.choice(_REPLY_OPENERS[pol])} {body}"

    def foreign(self, rng: random.Random, car: Car) -> str:
        lang = rng.choice(sorted(_FOREIGN))
        return rng.choice(_FOREIGN[lang]).format(car=self.car_name(rng, car))

    # ----------------------------------------------------------------- posts

    def new_post(self, **kwargs: object) -> _Post:
        post = _Post(seq=self.counter, **kwargs)  # type: ignore[arg-type]
        post.text = _articles(post.text)
        if not post.thread.posts:
            post.thread.title = _articles(post.thread.title)
        self.counter += 1
        post.thread.posts.append(post)
        self.posts.append(post)
        return post

    def _noise_text(self, rng: random.Random, car: Car, fault: bool) -> str | None:
        """A non-English replacement text (about 3% of texts), never for fault texts."""
        if not fault and rng.random() < NOISE_SHARES["foreign"]:
            return self.foreign(rng, car)
        return None

    def reddit_threads(
        self, rng: random.Random, car: Car, month: int, count: int, fault_possible: bool
    ) -> None:
        info = _MAKES.get(car.make, _DEFAULT_MAKE)
        subs = car.subreddits or info.subreddits
        removed_p = NOISE_SHARES["removed"] / SOURCE_SHARES["reddit"]
        remaining = count
        while remaining > 0:
            k = min(remaining - 1, round(rng.expovariate(1 / 3.0)))
            remaining -= 1 + k
            ts = self._root_ts(rng, month)
            fault = fault_possible and ts >= self.onset_ts and rng.random() < FAULT_SHARE
            theme = "fault" if fault else self.pick_theme(rng, car)
            pol = "neg" if fault else self.pick_polarity(rng, car, theme)
            slots = _Slots(self, car, theme, rng, ts)
            title = rng.choice(_T[theme]["title"][pol]).format_map(slots)
            selftext = self.compose(
                rng, car, theme, pol, ts, rng.randint(1, 3), closer=_SUBMISSION_CLOSERS, slots=slots
            )
            foreign = self._noise_text(rng, car, fault)
            if foreign:
                title, selftext = foreign, ""
            elif rng.random() < removed_p:
                selftext = "[removed]"
            thread = _Thread("reddit", rng.choice(subs), title, car.slug)
            sub = self.new_post(
                source="reddit",
                kind="submission",
                ts=ts,
                author=self.author(rng, car),
                text=selftext,
                thread=thread,
                car=car.slug,
                fault=fault,
                score=int(rng.paretovariate(1.3) * 8),
            )
            self.threads["reddit"].append(thread)
            comments: list[_Post] = []
            for _ in range(k):
                parent = sub
                eligible = [c for c in comments if c.ts < self.end_ts - 600]
                if eligible and rng.random() < 0.4:
                    parent = rng.choice(eligible)
                cts = self._after(rng, parent.ts, 360, 4 * 1440)
                c_theme = theme if fault or rng.random() < 0.8 else self.pick_theme(rng, car)
                c_pol = (
                    "neg"
                    if fault
                    else (
                        pol
                        if rng.random() < 0.6 and c_theme == theme
                        else self.pick_polarity(rng, car, c_theme)
                    )
                )
                named = rng.random() >= 0.2
                if named:
                    text = self.compose(
                        rng,
                        car,
                        c_theme,
                        c_pol,
                        cts,
                        rng.choice((0, 0, 1, 1, 2)),
                        opener=_COMMENT_OPENERS,
                    )
                else:
                    text = self.nameless_reply(rng, car, c_theme, c_pol, cts)
                author = self.author(rng, car)
                foreign = self._noise_text(rng, car, fault) if named else None
                if foreign:
                    text = foreign
                elif rng.random() < removed_p:
                    text = rng.choice(("[deleted]", "[removed]"))
                    author = "[deleted]" if text == "[deleted]" else author
                comments.append(
                    self.new_post(
                        source="reddit",
                        kind="comment",
                        ts=cts,
                        author=author,
                        text=text,
                        thread=thread,
                        parent=parent,
                        car=car.slug,
                        named=named,
                        fault=fault,
                        score=max(-5, int(rng.gauss(4, 6))),
                    )
                )

    def forum_threads(
        self, rng: random.Random, car: Car, month: int, count: int, fault_possible: bool
    ) -> None:
        forums = _MAKES.get(car.make, _DEFAULT_MAKE).forums
        remaining = count
        while remaining > 0:
            k = min(remaining - 1, round(rng.expovariate(1 / 4.0)))
            remaining -= 1 + k
            ts = self._root_ts(rng, month)
            fault = fault_possible and ts >= self.onset_ts and rng.random() < FAULT_SHARE
            theme = "fault" if fault else self.pick_theme(rng, car)
            pol = "neg" if fault else self.pick_polarity(rng, car, theme)
            slots = _Slots(self, car, theme, rng, ts)
            title = rng.choice(_T[theme]["title"][pol]).format_map(slots)
            thread = _Thread("forum", rng.choice(forums), title, car.slug)
            self.threads["forum"].append(thread)
            text = self._forum_text(rng, car, theme, pol, ts, rng.randint(1, 4), slots)
            parent = self.new_post(
                source="forum",
                kind="post",
                ts=ts,
                author=self.author(rng, car),
                text=self._noise_text(rng, car, fault) or text,
                thread=thread,
                car=car.slug,
                fault=fault,
                score=rng.randint(0, 25),
            )
            for _ in range(k):
                pts = self._after(rng, parent.ts, 1.5 * 1440, 14 * 1440)
                r_theme = theme if fault or rng.random() < 0.8 else self.pick_theme(rng, car)
                r_pol = (
                    "neg"
                    if fault
                    else (
                        pol
                        if rng.random() < 0.6 and r_theme == theme
                        else self.pick_polarity(rng, car, r_theme)
                    )
                )
                text = self._forum_text(rng, car, r_theme, r_pol, pts, rng.randint(0, 3))
                parent = self.new_post(
                    source="forum",
                    kind="post",
                    ts=pts,
                    author=self.author(rng, car),
                    text=self._noise_text(rng, car, fault) or text,
                    thread=thread,
                    car=car.slug,
                    fault=fault,
                    score=rng.randint(0, 12),
                )

    def _forum_text(
        self,
        rng: random.Random,
        car: Car,
        theme: str,
        pol: str,
        ts: int,
        bodies: int,
        slots: _Slots | None = None,
    ) -> str:
        text = self.compose(rng, car, theme, pol, ts, bodies, opener=_FORUM_GREETINGS, slots=slots)
        if theme != "fault" and rng.random() < 0.3:
            text += f"\n\n{rng.choice(_FORUM_CLOSERS)}\n{rng.choice(_FIRST_NAMES)}"
        return text

    def instagram(
        self, rng: random.Random, car: Car, month: int, count: int, fault_possible: bool
    ) -> None:
        recent: list[_Thread] = []
        for _ in range(count):
            ts = self._root_ts(rng, month)
            fault = fault_possible and ts >= self.onset_ts and rng.random() < FAULT_SHARE
            if recent and rng.random() < 0.3 and not fault:
                thread = rng.choice(recent)
                ts = self._after(rng, thread.posts[0].ts, 600, 5 * 1440)
                pol = _choose_weighted(rng, (("pos", 0.6), ("neu", 0.25), ("neg", 0.15)))
                template = rng.choice(_INSTAGRAM_COMMENTS[pol])
                text = self.fill(template, car, "maintenance", rng, ts)
                named = "{car}" in template
                foreign = self._noise_text(rng, car, False) if named else None
                self.new_post(
                    source="instagram",
                    kind="reply",
                    ts=ts,
                    author=self.author(rng, car),
                    text=foreign or text,
                    thread=thread,
                    parent=thread.posts[0],
                    car=car.slug,
                    named=named,
                    score=rng.randint(0, 40),
                    car_field=car.slug if not named or rng.random() < 0.75 else None,
                )
                continue
            if fault:
                pol, template = "neg", rng.choice(_INSTAGRAM["fault"])
            else:
                pol = _choose_weighted(rng, (("pos", 0.6), ("neu", 0.25), ("neg", 0.15)))
                template = rng.choice(_INSTAGRAM[pol])
            text = self.fill(template, car, "fault" if fault else "maintenance", rng, ts)
            tags = [
                f"#{re.sub(r'[^A-Za-z0-9]', '', car.make).lower()}",
                *rng.sample(_HASHTAGS, rng.randint(1, 3)),
            ]
            text = f"{text} {' '.join(tags)}"
            thread = _Thread("instagram", "", "", car.slug)
            self.threads["instagram"].append(thread)
            recent = [t for t in recent[-20:] if t.posts[0].ts > ts - 30 * 86400] + [thread]
            self.new_post(
                source="instagram",
                kind="caption",
                ts=ts,
                author=self.author(rng, car),
                text=self._noise_text(rng, car, fault) or text,
                thread=thread,
                car=car.slug,
                fault=fault,
                score=int(rng.paretovariate(1.2) * 40),
                car_field=car.slug if rng.random() < 0.75 else None,
            )

    def car_texts(self, car: Car) -> None:
        rng = random.Random(f"vintage-demo/{self.spec.seed}/{car.slug}/texts")
        n_months = len(self.months)
        for month, (lo, hi, days, _) in enumerate(self.months):
            days_in_month = (
                date(lo.year + lo.month // 12, lo.month % 12 + 1, 1) - date(lo.year, lo.month, 1)
            ).days
            season = 1 + 0.12 * math.cos(2 * math.pi * (lo.month - 7) / 12)
            lam = (
                self.spec.texts_per_car_month
                * self.weights[car.slug]
                * season
                * len(days)
                / days_in_month
            )
            if car.slug == RISING_CAR:
                lam *= 1 + (RISING_VOLUME_FACTOR - 1) * (month / max(1, n_months - 1))
            fault_possible = car.slug == FAULT_CAR and hi >= self.onset
            if fault_possible:
                onset_share = min(1.0, ((hi - max(lo, self.onset)).days + 1) / len(days))
                lam *= 1 + (FAULT_VOLUME_BUMP - 1) * onset_share
            total = _poisson(rng, lam)
            n_reddit = round(total * SOURCE_SHARES["reddit"])
            n_forum = round(total * SOURCE_SHARES["forum"])
            self.reddit_threads(rng, car, month, n_reddit, fault_possible)
            self.forum_threads(rng, car, month, n_forum, fault_possible)
            self.instagram(rng, car, month, total - n_reddit - n_forum, fault_possible)

    # ----------------------------------------------------------------- noise

    def noise(self) -> None:
        rng = random.Random(f"vintage-demo/{self.spec.seed}/noise")
        car_posts = [p for p in self.posts if p.car is not None]
        total = len(car_posts)
        if total == 0:
            return
        self._duplicates(rng, car_posts, round(total * NOISE_SHARES["duplicate"]))
        self._spam(rng, round(total * NOISE_SHARES["spam"]))
        self._bots(rng, round(total * NOISE_SHARES["bot"]))
        self._general(rng, max(2, round(total * NOISE_SHARES["general"])))

    def _later(self, rng: random.Random, ts: int, lo: int, hi: int) -> int | None:
        if ts + lo > self.end_ts:
            return None
        return min(self.end_ts, ts + rng.randint(lo, hi))

    def _duplicates(self, rng: random.Random, car_posts: list[_Post], count: int) -> None:
        candidates = [
            p
            for p in car_posts
            if p.text not in ("[removed]", "[deleted]") and p.author != "[deleted]"
        ]
        by_car_threads: dict[tuple[str, str], list[_Thread]] = {}
        for source in ("reddit", "forum"):
            for t in self.threads[source]:
                by_car_threads.setdefault((source, t.car or ""), []).append(t)
        made = 0
        for original in rng.sample(candidates, min(len(candidates), count * 2)):
            if made >= count:
                break
            cross = original.named and original.kind in ("comment", "post") and rng.random() < 0.35
            if cross:
                target_source = "reddit" if original.source == "forum" else "forum"
                ts = self._later(rng, original.ts, 600, 3 * 86400)
                threads = [
                    t
                    for t in by_car_threads.get((target_source, original.car or ""), [])
                    if ts is not None and t.posts[0].ts < ts
                ]
                if ts is None or not threads:
                    continue
                thread = threads[-1 - min(len(threads) - 1, int(rng.expovariate(0.3)))]
                kind = "comment" if target_source == "reddit" else "post"
                parent = thread.posts[0] if target_source == "reddit" else None
                self.new_post(
                    source=target_source,
                    kind=kind,
                    ts=ts,
                    author=original.author,
                    text=original.text,
                    thread=thread,
                    parent=parent,
                    car=original.car,
                    fault=original.fault,
                    score=rng.randint(0, 10),
                )
            elif original.kind == "submission":
                ts = self._later(rng, original.ts, 3600, 10 * 86400)
                if ts is None:
                    continue
                car = self.catalog[original.car] if original.car else None
                subs = (car.subreddits if car else ()) or (original.thread.community,)
                thread = _Thread("reddit", rng.choice(subs), original.thread.title, original.car)
                self.threads["reddit"].append(thread)
                self.new_post(
                    source="reddit",
                    kind="submission",
                    ts=ts,
                    author=original.author,
                    text=original.text,
                    thread=thread,
                    car=original.car,
                    fault=original.fault,
                    score=rng.randint(0, 20),
                )
            elif original.kind == "caption":
                ts = self._later(rng, original.ts, 86400, 20 * 86400)
                if ts is None:
                    continue
                thread = _Thread("instagram", "", "", original.car)
                self.threads["instagram"].append(thread)
                self.new_post(
                    source="instagram",
                    kind="caption",
                    ts=ts,
                    author=original.author,
                    text=original.text,
                    thread=thread,
                    car=original.car,
                    fault=original.fault,
                    score=int(rng.paretovariate(1.2) * 30),
                    car_field=original.car_field,
                )
            else:
                ts = self._later(rng, original.ts, 60, 3 * 3600)
                if ts is None:
                    continue
                self.new_post(
                    source=original.source,
                    kind=original.kind,
                    ts=ts,
                    author=original.author,
                    text=original.text,
                    thread=original.thread,
                    parent=original.parent,
                    car=original.car,
                    named=original.named,
                    fault=original.fault,
                    score=rng.randint(0, 5),
                    car_field=original.car_field,
                )
            made += 1

    def _spam(self, rng: random.Random, count: int) -> None:
        for _ in range(count):
            source = _choose_weighted(rng, (("reddit", 0.35), ("forum", 0.3), ("instagram", 0.35)))
            threads = self.threads[source]
            if not threads:
                continue
            thread = rng.choice(threads)
            root = thread.posts[0]
            ts = self._later(rng, root.ts, 60, 2 * 86400)
            if ts is None:
                continue
            car = self.catalog[thread.car] if thread.car else None
            template = rng.choice(_SPAM)
            if car is None and "{car}" in template:
                template = _SPAM[0]
            text = self.fill(template, car, "spam", rng, ts)
            author = f"{rng.choice(_SPAM_AUTHORS)}{rng.randint(1, 999)}"
            kind = {"reddit": "comment", "forum": "post", "instagram": "reply"}[source]
            self.new_post(
                source=source,
                kind=kind,
                ts=ts,
                author=author,
                text=text,
                thread=thread,
                parent=root if source != "forum" else None,
                car=None,
                named=False,
                score=0,
            )

    def _bots(self, rng: random.Random, count: int) -> None:
        subs = [t for t in self.threads["reddit"] if t.posts[0].ts < self.end_ts - 120]
        for thread in rng.sample(subs, min(count, len(subs))):
            root = thread.posts[0]
            text = rng.choice(_AUTOMOD).replace("{sub}", thread.community)
            self.new_post(
                source="reddit",
                kind="comment",
                ts=root.ts + rng.randint(5, 90),
                author="AutoModerator",
                text=text,
                thread=thread,
                parent=root,
                car=None,
                named=False,
                score=1,
            )

    def _general(self, rng: random.Random, count: int) -> None:
        forums = sorted({f for c in self.cars for f in _MAKES.get(c.make, _DEFAULT_MAKE).forums})
        for _ in range(count):
            month = rng.randrange(len(self.months))
            ts = self._root_ts(rng, month)
            title, body = rng.choice(_GENERAL)
            author = self.author(rng, None)
            if rng.random() < 0.6:
                thread = _Thread(
                    "reddit",
                    rng.choice(("cars", "classiccars", "Autos", "projectcar")),
                    title,
                    None,
                )
                self.threads["reddit"].append(thread)
                self.new_post(
                    source="reddit",
                    kind="submission",
                    ts=ts,
                    author=author,
                    text=body,
                    thread=thread,
                    car=None,
                    score=rng.randint(1, 200),
                )
            else:
                thread = _Thread("forum", rng.choice(forums or ["classic-driver"]), title, None)
                self.new_post(
                    source="forum",
                    kind="post",
                    ts=ts,
                    author=author,
                    text=body,
                    thread=thread,
                    car=None,
                    score=rng.randint(0, 15),
                )

    # ----------------------------------------------------------------- market

    def market_walks(self) -> None:
        for car in self.cars:
            rng = random.Random(f"vintage-demo/{self.spec.seed}/{car.slug}/walk")
            prof = _profile(car.slug)
            rising = car.slug == RISING_CAR
            sigma = 0.006 if rising else 0.012
            walk = [0.0]
            for _ in range(len(self.months)):
                walk.append(walk[-1] + (0.0 if rising else prof.drift) + rng.gauss(0, sigma))
            self.market[car.slug] = walk
            # Months before the window, walked backwards from its start (own random stream,
            # so the window's prices do not depend on how much history is asked for).
            back_rng = random.Random(f"vintage-demo/{self.spec.seed}/{car.slug}/walk-history")
            back = [0.0]
            for _ in range(len(self.history_months) + 1):
                back.append(back[-1] - (0.0 if rising else prof.drift) - back_rng.gauss(0, sigma))
            self.market_history[car.slug] = back

    def valuations(self) -> list[list[str]]:
        rows = []
        for car in self.cars:
            rng = random.Random(f"vintage-demo/{self.spec.seed}/{car.slug}/valuations")
            back_rng = random.Random(f"vintage-demo/{self.spec.seed}/{car.slug}/valuations-history")
            firsts = [(first, back_rng) for first, _ in self.history_months] + [
                (date(lo.year, lo.month, 1), rng) for lo, _, _, _ in self.months
            ]
            for first, stream in firsts:
                value = self.level_at(car.slug, _epoch(first)) * stream.lognormvariate(0, 0.004)
                rows.append(
                    [car.slug, first.isoformat(), str(int(round(value, -2))), "USD", "demo-index"]
                )
        return sorted(rows)

    def auctions(self) -> list[list[str]]:
        lots: list[tuple[int, str, list[str]]] = []
        for car in self.cars:
            rng = random.Random(f"vintage-demo/{self.spec.seed}/{car.slug}/auctions")
            prof = _profile(car.slug)
            idle = 0
            for month, (_, _, days, _) in enumerate(self.months):
                rate = prof.lots * len(days) / 30.4
                if car.slug == RISING_CAR:
                    rate *= 1 + 0.5 * month / max(1, len(self.months) - 1)
                n = _poisson(rng, rate)
                if n == 0 and prof.lots < 2:
                    idle += 1
                    if idle >= 2:
                        n = 1
                if n:
                    idle = 0
                for _ in range(n):
                    day = rng.choice(days) + 12 * 3600
                    lots.append((day, car.slug, self._lot(rng, car, prof, day)))
            back_rng = random.Random(f"vintage-demo/{self.spec.seed}/{car.slug}/auctions-history")
            for _, days in self.history_months:
                for _ in range(_poisson(back_rng, prof.lots * len(days) / 30.4)):
                    day = back_rng.choice(days) + 12 * 3600
                    lots.append((day, car.slug, self._lot(back_rng, car, prof, day)))
        lots.sort(key=lambda x: (x[0], x[1], x[2][9]))
        counters: dict[str, int] = {}
        rows = []
        for _, _, row in lots:
            code = _HOUSE_CODES[row[12]]
            counters[code] = counters.get(code, 0) + 1
            row[0] = f"{code}-{counters[code]:06d}"
            row[11] = row[11].replace("{lot}", str(counters[code] + 10000))
            rows.append(row)
        return rows

    def _lot(self, rng: random.Random, car: Car, prof: _Profile, day: int) -> list[str]:
        level = self.level_at(car.slug, day)
        lo, hi = car.years
        options = [t for t in prof.titles] or [(lo, hi, car.model)]
        first_y, last_y, model = rng.choice(options)
        year = rng.randint(max(lo, first_y), min(hi, last_y))
        pos = (year - lo) / (hi - lo) if hi > lo else 0.5
        year_factor = 1 + prof.year_slope * (pos - 0.5)
        name, _, cond_factor, prefix, cond_text = _CONDITIONS[
            bisect_right(list(accumulate(c[1] for c in _CONDITIONS)), rng.random() * 0.999999)
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
        history = rng.choice(_HISTORY).format(service=rng.choice(prof.services))
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
        tiers = next(t for limit, t in _HOUSE_TIERS if level < limit)
        house = _choose_weighted(rng, tiers)
        while year < _HOUSES[house][1]:
            house = "Bring a Trailer"
        currency = _choose_weighted(rng, _HOUSES[house][0])
        price = price_usd / USD_PER_UNIT[currency]
        step = 100 if price < 1e5 else 500 if price < 1e6 else 5000
        price_text = str(int(round(price / step) * step))
        title_model = f"{car.make} {model}"
        low_miles = (
            mileage < 30000 and rng.random() < 0.35 and house in ("Bring a Trailer", "Cars & Bids")
        )
        lead = f"{self.miles(mileage).split()[0]}-Mile " if low_miles else ""
        if prefix and rng.random() < 0.6:
            lead = f"{lead}{prefix} "
        title = f"{lead}{year} {title_model}"
        color = rng.choice(_MAKES.get(car.make, _DEFAULT_MAKE).colors)
        description = " ".join(
            [
                cond_text,
                f"Finished in {color} over {rng.choice(_INTERIORS)}.",
                f"The odometer shows {mileage:,} miles.",
                history,
                *extras,
            ]
        )
        slug = _slugify(f"{year} {title_model}", "-", 80)
        url = {
            "Bring a Trailer": f"https://bringatrailer.com/listing/{slug}-{{lot}}/",
            "Cars & Bids": f"https://carsandbids.com/auctions/{{lot}}/{slug}",
        }.get(house, f"https://www.{_slugify(house, '', 30)}.com/lots/{{lot}}-{slug}")
        return [
            "",
            datetime.fromtimestamp(day, tz=UTC).date().isoformat(),
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

    # ----------------------------------------------------------------- ids

    def assign_ids(self) -> None:
        rng = random.Random(f"vintage-demo/{self.spec.seed}/ids")
        order = sorted(self.posts, key=lambda p: (p.ts, p.seq))
        counters = {"submission": int("1k00000", 36), "comment": int("mq00000", 36)}
        forum_threads: dict[str, int] = {}
        forum_posts: dict[str, int] = {}
        ig = {"caption": 3_580_000_000_000_000_000, "reply": 17_890_000_000_000_000}
        for post in order:
            thread = post.thread
            if post.source == "reddit":
                counters[post.kind] += rng.randint(3, 400)
                post.sid = _b36(counters[post.kind])
                if post.kind == "submission":
                    thread.tid = post.sid
            elif post.source == "forum":
                site = thread.community
                if not thread.tid:
                    forum_threads[site] = forum_threads.get(site, 1_180_000) + rng.randint(1, 40)
                    thread.tid = str(forum_threads[site])
                forum_posts[site] = forum_posts.get(site, 21_400_000) + rng.randint(1, 300)
                post.sid = str(forum_posts[site])
            else:
                ig[post.kind] += (
                    rng.randint(10**9, 10**11)
                    if post.kind == "caption"
                    else rng.randint(10**6, 10**9)
                )
                post.sid = str(ig[post.kind])
                if post.kind == "caption" and not thread.code:
                    thread.code = "C" + "".join(rng.choice(_B64) for _ in range(10))

    # ----------------------------------------------------------------- output records

    def record(self, post: _Post) -> dict:
        thread = post.thread
        if post.source == "reddit":
            sub = thread.community
            slug = _slugify(thread.title, "_", 50)
            if post.kind == "submission":
                permalink = f"/r/{sub}/comments/{post.sid}/{slug}/"
                n_comments = sum(1 for p in thread.posts if p.kind == "comment")
                return {
                    "id": post.sid,
                    "name": f"t3_{post.sid}",
                    "created_utc": post.ts,
                    "subreddit": sub,
                    "author": post.author,
                    "title": thread.title,
                    "selftext": post.text,
                    "score": post.score,
                    "num_comments": n_comments,
                    "permalink": permalink,
                    "url": f"https://www.reddit.com{permalink}",
                    "is_self": True,
                }
            parent = post.parent or thread.posts[0]
            prefix = "t3_" if parent.kind == "submission" else "t1_"
            return {
                "id": post.sid,
                "name": f"t1_{post.sid}",
                "link_id": f"t3_{thread.tid}",
                "parent_id": f"{prefix}{parent.sid}",
                "created_utc": post.ts,
                "subreddit": sub,
                "author": post.author,
                "body": post.text,
                "score": post.score,
                "permalink": f"/r/{sub}/comments/{thread.tid}/{slug}/{post.sid}/",
            }
        if post.source == "forum":
            site = thread.community
            slug = _slugify(thread.title, "-", 60)
            return {
                "source": f"forum:{site}",
                "id": post.sid,
                "created_at": _iso(post.ts),
                "author": post.author,
                "text": post.text,
                "url": f"https://{_FORUM_DOMAINS.get(site, site + '.com')}/threads/"
                f"{slug}.{thread.tid}/post-{post.sid}",
                "thread_id": thread.tid,
                "thread_title": thread.title,
                "likes": post.score,
            }
        url = f"https://www.instagram.com/p/{thread.code}/"
        if post.kind == "reply":
            url += f"c/{post.sid}/"
        out = {
            "source": "instagram",
            "id": post.sid,
            "created_at": _iso(post.ts),
            "author": post.author.lower().replace("-", "."),
            "text": post.text,
            "url": url,
        }
        if post.car_field:
            out["car"] = post.car_field
        out["likes"] = post.score
        out["comments"] = (
            sum(1 for p in thread.posts if p.kind == "reply") if post.kind == "caption" else 0
        )
        return out

    def run(self) -> tuple[dict[str, list[str]], list[list[str]], list[list[str]], dict[str, int]]:
        self.market_walks()
        for car in self.cars:
            self.car_texts(car)
        self.noise()
        self.assign_ids()
        files: dict[str, list[str]] = {}
        by_source: dict[str, int] = {}
        for post in sorted(self.posts, key=lambda p: (p.ts, p.seq)):
            month = _month_key(post.ts)
            if post.source == "reddit":
                name = f"reddit/demo-reddit-{month}.ndjson"
            elif post.source == "forum":
                name = f"social/demo-forums-{month}.jsonl"
            else:
                name = f"social/demo-instagram-{month}.jsonl"
            files.setdefault(name, []).append(json.dumps(self.record(post), ensure_ascii=False))
            by_source[post.source] = by_source.get(post.source, 0) + 1
        return files, self.auctions(), self.valuations(), by_source


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_demo_inbox(inbox: Path, catalog: Catalog, spec: DemoSpec = DemoSpec()) -> DemoSummary:
    """Write the demo inbox for ``spec`` under ``inbox`` and say what was written.

    Earlier demo files (``demo-*`` names) in the four inbox folders are removed first, so
    a smaller spec does not leave stale months behind; other files are left alone.
    """
    inbox = Path(inbox)
    generator = _Generator(catalog, spec)
    text_files, auction_rows, valuation_rows, by_source = generator.run()
    for folder, patterns in DEMO_FILE_PATTERNS.items():
        (inbox / folder).mkdir(parents=True, exist_ok=True)
        for pattern in patterns:
            for stale in sorted((inbox / folder).glob(pattern)):
                stale.unlink()
    written: list[Path] = []
    for name in sorted(text_files):
        path = inbox / name
        path.write_bytes(("\n".join(text_files[name]) + "\n").encode("utf-8"))
        written.append(path)
    auctions = inbox / "auctions" / "demo-auctions.csv"
    auctions.write_bytes(_csv_text(AUCTION_COLUMNS, auction_rows).encode("utf-8"))
    valuations = inbox / "valuations" / "demo-valuations.csv"
    valuations.write_bytes(_csv_text(VALUATION_COLUMNS, valuation_rows).encode("utf-8"))
    written += [auctions, valuations]
    selected = {c.slug for c in generator.cars}
    signals: dict[str, str] = {}
    if FAULT_CAR in selected and spec.start <= spec.fault_onset <= spec.end:
        signals["fault"] = (
            f"{FAULT_CAR}: from {spec.fault_onset.isoformat()} about {FAULT_SHARE:.0%} of its texts "
            f"are strongly negative reports of valve guide failures and exhaust manifold cracks "
            f"(terms: {', '.join(FAULT_TERMS)}); none before, so its mean sentiment drops"
        )
    if RISING_CAR in selected:
        signals["rising"] = (
            f"{RISING_CAR}: monthly mentions grow linearly to {RISING_VOLUME_FACTOR:g}x from "
            f"{spec.start.isoformat()} to {spec.end.isoformat()}, and auction prices and the "
            f"valuation index rise {RISING_PRICE_GAIN:.0%} over the same window"
        )
    return DemoSummary(
        files=sorted(written),
        texts=sum(by_source.values()),
        auction_lots=len(auction_rows),
        valuation_points=len(valuation_rows),
        signals=signals,
        texts_by_source=dict(sorted(by_source.items())),
    )
