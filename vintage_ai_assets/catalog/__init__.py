"""The car catalog: which models the platform follows and how people name them.

The catalog is a YAML file shipped in this package (``cars.yaml``); a user can point
``VINTAGE_AI_CATALOG`` at their own file of the same shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

DEFAULT_CATALOG_PATH = Path(__file__).with_name("cars.yaml")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class CatalogError(ValueError):
    """The catalog file is missing, unreadable or has an invalid entry."""


@dataclass(frozen=True)
class Car:
    """One catalog entry; ``slug`` is its ``car`` partition key."""

    slug: str
    make: str
    model: str
    years: tuple[int, int]
    aliases: tuple[str, ...]
    weak_aliases: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    generic_aliases: tuple[str, ...] = ()
    siblings: tuple[str, ...] = ()
    subreddits: tuple[str, ...] = ()
    forum_tags: tuple[str, ...] = ()
    search_terms: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.make} {self.model}"


@dataclass(frozen=True)
class Catalog:
    """All catalog cars plus the words that name each make."""

    cars: tuple[Car, ...]
    makes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @cached_property
    def by_slug(self) -> dict[str, Car]:
        return {car.slug: car for car in self.cars}

    @property
    def slugs(self) -> list[str]:
        return [car.slug for car in self.cars]

    def make_words(self, make: str) -> tuple[str, ...]:
        """Words that name ``make`` in text (the make itself plus its aliases)."""
        return (make, *self.makes.get(make, ()))

    def __len__(self) -> int:
        return len(self.cars)

    def __getitem__(self, slug: str) -> Car:
        try:
            return self.by_slug[slug]
        except KeyError:
            raise CatalogError(f"unknown car {slug!r}: not in the catalog") from None


def catalog_path() -> Path:
    """The catalog file in force: the ``catalog`` setting (``VINTAGE_AI_CATALOG``) or the
    shipped one."""
    from vintage_ai_assets import settings

    return settings.current().catalog or DEFAULT_CATALOG_PATH


def _strings(entry: dict, key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise CatalogError(f"{where}: {key!r} must be a list of strings")
    return tuple(str(v).strip() for v in value if str(v).strip())


def parse_catalog(data: object, source: str = "<catalog>") -> Catalog:
    """Validate a parsed catalog document and build a :class:`Catalog`."""
    if not isinstance(data, dict) or not isinstance(data.get("cars"), list):
        raise CatalogError(f"{source}: expected a mapping with a 'cars' list")
    cars: list[Car] = []
    seen: set[str] = set()
    for index, entry in enumerate(data["cars"]):
        where = f"{source}: cars[{index}]"
        if not isinstance(entry, dict):
            raise CatalogError(f"{where}: each car must be a mapping")
        slug = str(entry.get("slug", "")).strip()
        if not SLUG_PATTERN.match(slug) or len(slug) > 64:
            raise CatalogError(
                f"{where}: slug {slug!r} must be lower-case letters, digits and single dashes"
            )
        if slug in seen:
            raise CatalogError(f"{where}: duplicate slug {slug!r}")
        seen.add(slug)
        for key in ("make", "model"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise CatalogError(f"{where} ({slug}): {key!r} is required")
        years = entry.get("years")
        if (
            not isinstance(years, list)
            or len(years) != 2
            or not all(isinstance(y, int) for y in years)
            or years[0] > years[1]
        ):
            raise CatalogError(f"{where} ({slug}): 'years' must be [first, last] production years")
        aliases = _strings(entry, "aliases", where)
        if not aliases:
            raise CatalogError(f"{where} ({slug}): at least one alias is required")
        cars.append(
            Car(
                slug=slug,
                make=entry["make"].strip(),
                model=entry["model"].strip(),
                years=(years[0], years[1]),
                aliases=aliases,
                weak_aliases=_strings(entry, "weak_aliases", where),
                exclude=_strings(entry, "exclude", where),
                generic_aliases=_strings(entry, "generic_aliases", where),
                siblings=_strings(entry, "siblings", where),
                subreddits=_strings(entry, "subreddits", where),
                forum_tags=_strings(entry, "forum_tags", where),
                search_terms=_strings(entry, "search_terms", where),
            )
        )
    makes_raw = data.get("makes") or {}
    if not isinstance(makes_raw, dict):
        raise CatalogError(f"{source}: 'makes' must map a make to its aliases")
    makes = {str(k): _strings({"a": v}, "a", f"{source}: makes.{k}") for k, v in makes_raw.items()}
    return Catalog(cars=tuple(cars), makes=makes)


#: The last catalog parsed, by (resolved path, size, modification time).
_PARSED: dict[tuple, Catalog] = {}


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load and validate the catalog (``path``, else ``VINTAGE_AI_CATALOG``, else shipped).

    A file parsed before and unchanged since (same size and modification time) is not
    parsed again: the YAML parser takes ~0.2 s and every check of a run loads the catalog.
    """
    file = Path(path) if path is not None else catalog_path()
    try:
        stat = file.stat()
        stamp = (str(file.resolve()), stat.st_size, stat.st_mtime_ns)
    except OSError:
        stamp = None
    if stamp is not None and stamp in _PARSED:
        return _PARSED[stamp]
    catalog = _load_catalog_file(file)
    if stamp is not None:
        _PARSED.clear()  # one catalog in use at a time
        _PARSED[stamp] = catalog
    return catalog


def _load_catalog_file(file: Path) -> Catalog:
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"cannot read catalog {file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise CatalogError(f"catalog {file} is not UTF-8 text (byte {exc.start})") from None
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError) as exc:
        raise CatalogError(f"catalog {file} is not valid YAML: {exc}") from None
    return parse_catalog(data, str(file))
