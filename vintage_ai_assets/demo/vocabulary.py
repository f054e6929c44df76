"""The demo's words and car profiles, loaded once from ``data/*.yaml`` in the package.

Lists keep their order (it fixes the random draws) and become tuples; mappings keep theirs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _tuples(value: Any) -> Any:
    """Lists (at any depth) as tuples; mappings and scalars as they are."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def _load(name: str) -> dict[str, Any]:
    """One data file of the package's ``demo/data`` folder, lists as tuples."""
    text = resources.files("vintage_ai_assets.demo").joinpath(f"data/{name}").read_text("utf-8")
    return _tuples(yaml.load(text, Loader=_Loader))


# --------------------------------------------------------------------------- car profiles


@dataclass(frozen=True)
class Profile:
    """A car's popularity, market and the words its texts use (see ``data/profiles.yaml``)."""

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


def _profile_from(fields: dict[str, Any]) -> Profile:
    boost = tuple(fields.pop("boost", {}).items())
    return Profile(**fields, boost=boost)


_profiles = _load("profiles.yaml")
GENERIC_PROFILE = _profile_from(_profiles["generic"])
PROFILES: dict[str, Profile] = {
    slug: _profile_from(fields) for slug, fields in _profiles["cars"].items()
}


def profile(slug: str) -> Profile:
    """The profile of the car ``slug`` (the generic one for a car without its own)."""
    return PROFILES.get(slug, GENERIC_PROFILE)


def price_level(prof: Profile) -> float:
    """The market level (USD) of a good example: the middle of the profile's price range."""
    return math.sqrt(prof.price[0] * prof.price[1])


# --------------------------------------------------------------------------- makes


@dataclass(frozen=True)
class MakeInfo:
    """A make's paint colours, owner forums and subreddits."""

    colors: tuple[str, ...]
    forums: tuple[str, ...]
    subreddits: tuple[str, ...]


_makes = _load("makes.yaml")
MAKES: dict[str, MakeInfo] = {make: MakeInfo(**info) for make, info in _makes["makes"].items()}
DEFAULT_MAKE = MakeInfo(**_makes["default"])
FORUM_DOMAINS: dict[str, str] = _makes["forum_domains"]


def make_info(make: str) -> MakeInfo:
    """The colours, forums and subreddits of ``make`` (defaults for an unlisted make)."""
    return MAKES.get(make, DEFAULT_MAKE)


# --------------------------------------------------------------------------- slot words

_words = _load("vocabulary.yaml")
PLACES: tuple[str, ...] = _words["places"]
ROADS: tuple[str, ...] = _words["roads"]
EVENTS: tuple[str, ...] = _words["events"]
TEXT_HOUSES: tuple[str, ...] = _words["auction_houses"]
SHOPS: tuple[str, ...] = _words["shops"]
INTERIORS: tuple[str, ...] = _words["interiors"]
FIRST_NAMES: tuple[str, ...] = _words["first_names"]
SALE_CONDITIONS: tuple[str, ...] = _words["sale_conditions"]
AUTHOR_FIRST_WORDS: tuple[str, ...] = _words["author_words"]["first"]
AUTHOR_SECOND_WORDS: tuple[str, ...] = _words["author_words"]["second"]

# --------------------------------------------------------------------------- themes

_themes = _load("themes.yaml")
THEME_WEIGHTS: dict[str, float] = _themes["weights"]
THEMES: tuple[str, ...] = tuple(THEME_WEIGHTS)
#: (positive, neutral, negative) before the car's bias
POLARITY: dict[str, tuple[float, float, float]] = _themes["polarity"]
#: theme -> "title" | "lead" | "body" -> polarity -> templates
TEMPLATES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = _themes["templates"]

# --------------------------------------------------------------------------- replies and noise

_social = _load("social.yaml")
FAULT_REPLIES: tuple[str, ...] = _social["fault_replies"]
REPLY_OPENERS: dict[str, tuple[str, ...]] = _social["reply_openers"]
REPLY_SPECIFIC: dict[str, tuple[str, ...]] = _social["reply_specific"]
COMMENT_OPENERS: tuple[str, ...] = _social["comment_openers"]
SUBMISSION_CLOSERS: tuple[str, ...] = _social["submission_closers"]
FORUM_GREETINGS: tuple[str, ...] = _social["forum_greetings"]
FORUM_CLOSERS: tuple[str, ...] = _social["forum_closers"]
INSTAGRAM: dict[str, tuple[str, ...]] = _social["instagram"]
INSTAGRAM_COMMENTS: dict[str, tuple[str, ...]] = _social["instagram_comments"]
HASHTAGS: tuple[str, ...] = _social["hashtags"]
FOREIGN: dict[str, tuple[str, ...]] = _social["foreign"]
SPAM: tuple[str, ...] = _social["spam"]  # the first one names no car
SPAM_AUTHORS: tuple[str, ...] = _social["spam_authors"]
AUTOMOD: tuple[str, ...] = _social["automod"]
GENERAL: tuple[tuple[str, str], ...] = tuple((g["title"], g["body"]) for g in _social["general"])

# --------------------------------------------------------------------------- auctions

_auctions = _load("auctions.yaml")
#: house -> ((currency, weight), ...), earliest model year it lists
HOUSES: dict[str, tuple[tuple[tuple[str, float], ...], int]] = {
    house: (tuple(info["currencies"].items()), info["earliest_year"])
    for house, info in _auctions["houses"].items()
}
HOUSE_CODES: dict[str, str] = {house: info["code"] for house, info in _auctions["houses"].items()}
#: (max level USD, ((house, weight), ...)), by rising level
HOUSE_TIERS: tuple[tuple[float, tuple[tuple[str, float], ...]], ...] = tuple(
    (tier["max_level"], tuple(tier["houses"].items())) for tier in _auctions["house_tiers"]
)
#: (name, probability, price factor, title prefix, description sentence)
CONDITIONS: tuple[tuple[str, float, float, str, str], ...] = tuple(
    (c["name"], c["probability"], c["price_factor"], c["title_prefix"], c["description"])
    for c in _auctions["conditions"]
)
HISTORY: tuple[str, ...] = _auctions["history"]
