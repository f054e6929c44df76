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

Where things are
----------------
The words and car profiles are data, in ``data/*.yaml`` (loaded by :mod:`.vocabulary`);
:mod:`.spec` holds :class:`DemoSpec` and the planted-signal constants, :mod:`.threads` and
:mod:`.noise` the texts, :mod:`.market` the prices, :mod:`.records` the output records.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from vintage_ai_assets.catalog import Catalog
from vintage_ai_assets.demo.authors import Authors
from vintage_ai_assets.demo.market import AUCTION_COLUMNS, VALUATION_COLUMNS, Market
from vintage_ai_assets.demo.names import CarNames
from vintage_ai_assets.demo.noise import add_noise
from vintage_ai_assets.demo.records import assign_ids, record
from vintage_ai_assets.demo.spec import (
    DEMO_MONTHS,
    FAULT_CAR,
    FAULT_SHARE,
    FAULT_TERMS,
    FAULT_VOLUME_BUMP,
    NOISE_SHARES,
    RISING_CAR,
    RISING_PRICE_GAIN,
    RISING_VOLUME_FACTOR,
    SOURCE_SHARES,
    DemoSpec,
    months_before,
)
from vintage_ai_assets.demo.texts import Writer
from vintage_ai_assets.demo.threads import Conversations
from vintage_ai_assets.demo.window import Window, month_key
from vintage_ai_assets.demo.wording import Numbers

__all__ = [
    "AUCTION_COLUMNS",
    "DEMO_FILE_PATTERNS",
    "DEMO_MONTHS",
    "FAULT_CAR",
    "FAULT_SHARE",
    "FAULT_TERMS",
    "FAULT_VOLUME_BUMP",
    "NOISE_SHARES",
    "RISING_CAR",
    "RISING_PRICE_GAIN",
    "RISING_VOLUME_FACTOR",
    "SOURCE_SHARES",
    "VALUATION_COLUMNS",
    "DemoSpec",
    "DemoSummary",
    "months_before",
    "write_demo_inbox",
]

DEMO_FILE_PATTERNS = {
    "reddit": ("demo-reddit-*.ndjson",),
    "social": ("demo-forums-*.jsonl", "demo-instagram-*.jsonl"),
    "auctions": ("demo-auctions.csv",),
    "valuations": ("demo-valuations.csv",),
}


@dataclass
class DemoSummary:
    """What :func:`write_demo_inbox` wrote."""

    files: list[Path]
    texts: int
    auction_lots: int
    valuation_points: int
    signals: dict[str, str]  # planted signal name -> one-line description
    texts_by_source: dict[str, int] = field(default_factory=dict)


@dataclass
class _Generated:
    """The demo's contents before they are written."""

    cars: list[str]  # the selected slugs
    text_files: dict[str, list[str]]  # inbox-relative name -> JSON lines
    auction_rows: list[list[str]]
    valuation_rows: list[list[str]]
    texts_by_source: dict[str, int]


def _generate(catalog: Catalog, spec: DemoSpec) -> _Generated:
    """Everything the demo writes for ``spec``: texts by file, auction lots, valuations."""
    if spec.end < spec.start:
        raise ValueError(f"empty demo window {spec.start} .. {spec.end}")
    slugs = sorted(set(spec.cars)) if spec.cars is not None else sorted(catalog.slugs)
    cars = [catalog[s] for s in slugs]
    window = Window(spec)
    numbers = Numbers(catalog)
    market = Market(window, cars, numbers)
    writer = Writer(CarNames(catalog, cars), numbers, market)
    conv = Conversations(catalog, cars, window, writer, Authors(spec.seed))
    for car in cars:
        conv.car_texts(car)
    add_noise(conv)
    assign_ids(conv.posts, spec.seed)
    files: dict[str, list[str]] = {}
    by_source: dict[str, int] = {}
    for post in sorted(conv.posts, key=lambda p: (p.ts, p.seq)):
        month = month_key(post.ts)
        if post.source == "reddit":
            name = f"reddit/demo-reddit-{month}.ndjson"
        elif post.source == "forum":
            name = f"social/demo-forums-{month}.jsonl"
        else:
            name = f"social/demo-instagram-{month}.jsonl"
        files.setdefault(name, []).append(json.dumps(record(post), ensure_ascii=False))
        by_source[post.source] = by_source.get(post.source, 0) + 1
    return _Generated(slugs, files, market.auctions(), market.valuations(), by_source)


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_demo_inbox(
    inbox: Path,
    catalog: Catalog,
    spec: DemoSpec = DemoSpec(),  # noqa: B008 (frozen: a safe default)
) -> DemoSummary:
    """Write the demo inbox for ``spec`` under ``inbox`` and say what was written.

    Earlier demo files (``demo-*`` names) in the four inbox folders are removed first, so
    a smaller spec does not leave stale months behind; other files are left alone.
    """
    inbox = Path(inbox)
    demo = _generate(catalog, spec)
    for folder, patterns in DEMO_FILE_PATTERNS.items():
        (inbox / folder).mkdir(parents=True, exist_ok=True)
        for pattern in patterns:
            for stale in sorted((inbox / folder).glob(pattern)):
                stale.unlink()
    written: list[Path] = []
    for name in sorted(demo.text_files):
        path = inbox / name
        path.write_bytes(("\n".join(demo.text_files[name]) + "\n").encode("utf-8"))
        written.append(path)
    auctions = inbox / "auctions" / "demo-auctions.csv"
    auctions.write_bytes(_csv_text(AUCTION_COLUMNS, demo.auction_rows).encode("utf-8"))
    valuations = inbox / "valuations" / "demo-valuations.csv"
    valuations.write_bytes(_csv_text(VALUATION_COLUMNS, demo.valuation_rows).encode("utf-8"))
    written += [auctions, valuations]
    selected = set(demo.cars)
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
        texts=sum(demo.texts_by_source.values()),
        auction_lots=len(demo.auction_rows),
        valuation_points=len(demo.valuation_rows),
        signals=signals,
        texts_by_source=dict(sorted(demo.texts_by_source.items())),
    )
