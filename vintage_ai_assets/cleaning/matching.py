"""Match free text to catalog cars: aliases, make-qualified weak aliases, years and context.

A text is scanned once with a single compiled pattern (a trie of every alias, weak alias
and generic alias in the catalog); each hit is then judged by cheap checks on the text
around it. The rules, in the order they are applied to a hit:

1. **Word boundaries** are Unicode-aware (``\\w``), so "très" is not "TR" and "Flügeltürer"
   is one word. Plurals and possessives ("F40s", "Miura's", "Testarossas") count; a
   capital ``S`` glued to a number ("911S") is a model designation, not a plural.
2. **Exclusions** (``exclude``): a hit inside or overlapping one of the car's exclusion
   phrases ("512 TR", "Countach LPI 800-4", "Daytona SP3", "Peugeot 308") is not the car.
3. **Replicas**: a hit followed by "replica", "kit", "-style", "tribute" ... (or preceded
   by "replica", "fake") names something that is not the car ("F40-style wheels").
4. **Numbers**: an all-digit name ("308", "550", "993") preceded by a currency sign,
   decimal point, "#", "route" ... or followed by a unit ("hp", "miles", "km", "rpm",
   "$k", "rifle", "were built") is a number ("308 horsepower", "$308", ".308 rifle").
5. **Model years**: a year attached to the name ("1987 Testarossa", "'88 M3",
   "92 Porsche 911", "Testarossa (1986)", "SL 600 V12 from 1997") that lies outside the
   car's production years (with ``YEAR_SLACK`` for late registrations) vetoes the car
   ("2015 Porsche 911 Turbo S", "2022 Countach"); a year inside them supports a weak or
   generic name.
6. **Parts named after a car** ("F40 gearbox", "F40 tires", "LM002 tyres"): count for the
   car unless another vehicle (any other make, or a common host model such as Miata,
   Cobalt, Fiero) is named closer to the part than the car's own make. The Getrag/GM "F40"
   six-speed is a real gearbox in Saabs, Opels and Chevrolets; we know of no tyre sold as
   "F40", so "F40 tires on my Miata" is read as not the Ferrari.
7. **Strong aliases** then count. **Weak aliases** ("308", "Daytona", "Dino", "TR") count
   only when (a) the car's make is named anywhere in the text or an in-production year is
   attached, (b) no other brand known to use the name (Tesla, Peugeot, Dodge, Mitsubishi,
   Ducati ...) is named closer to the hit than the car's make, (c) none of the car's
   ``siblings`` (other versions of the line: "LP400", "Diablo SV", "512 TR") is named in
   the text, unless an in-production year is attached, and (d) the hit is not a person or
   a place: "my friend Dino", "Dino said", "Dino Zoff", "uncle Dino", "at Daytona".
8. **Generic aliases** ("911", "M3", "SL", "SL500", "911 Turbo") name a whole model line
   that is still built today, so on their own they say nothing about the generation: they
   count only with an attached model year inside the car's production years. Several
   cars may share one ("1992 Porsche 911" is the 964, "1995 911 Turbo" the 993); when the
   year fits several, the ones named otherwise in the text are preferred.

Everything is deterministic and costs one regex scan plus small local checks per hit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vintage_ai_assets.catalog import Car, Catalog

YEAR_SLACK = 1  # a model year this far outside production does not veto a car

_SEP = r"[\s\-_/()]*"  # between letters and digits the separator may be missing ("308GTB")
_SEP_REQUIRED = r"[\s\-_/()]+"  # between two words it may not ("Miura S" is not "Miuras")
_SEP_CHARS = re.compile(r"[\s\-_/()]+")
_SUFFIX = r"(?P<suf>s|es|'s|’s|s'|s’)?"

# Brands outside the catalog that also use catalog car names, and common host vehicles of
# parts named after a catalog car. Catalog makes are added per catalog.
_OTHER_VEHICLE_LIST = (
    "Tesla, Model 3, Model S, Model X, Model Y, Peugeot, Dodge, Chevrolet, Chevy, Ford, "
    "Holden, Nissan, Datsun, Honda, Acura, Mazda, Subaru, Mitsubishi, Hyundai, Kia, Audi, "
    "VW, Volkswagen, Opel, Vauxhall, Saab, Volvo, Fiat, Alfa Romeo, Renault, Citroen, "
    "Citroën, Skoda, Škoda, McLaren, Aston Martin, Bentley, Rolls-Royce, Jeep, Cadillac, "
    "Buick, Pontiac, GMC, Lincoln, Chrysler, Plymouth, Shelby, Lexus, Infiniti, Suzuki, "
    "Ducati, Yamaha, Kawasaki, Harley, Rolex, Winchester, Getrag, Koenigsegg, Pagani, "
    "De Tomaso, DeLorean, Land Rover, Range Rover, Rivian, Polestar, Miata, Fiero, Cobalt, "
    "Corvette, Mustang, Camaro, Civic, Astra, Vectra, Insignia, Lancer, Celica, Supra, "
    "Skyline, Capri"
)
_OTHER_VEHICLES = tuple(w.strip() for w in _OTHER_VEHICLE_LIST.split(","))
# the same, but also ordinary words: only counted when capitalised
_OTHER_VEHICLES_CASED = ("Alfa", "Mini", "Seat", "Smart", "Triumph", "Apple", "Golf", "Lotus")

_PERSON_BEFORE = re.compile(
    r"\b(?:friend|buddy|mate|pal|uncle|aunt|brother|sister|cousin|dad|father|son|grandpa|"
    r"grandfather|nonno|zio|mr|mrs|ms|signor|signore|guy|neighbou?r|boss|colleague|coworker)"
    r"\.?,?\s+$",
    re.IGNORECASE,
)
_ADDRESSED_BEFORE = re.compile(r"\b(?:asked|told|met|thanked|ask|tell|called)\s+$", re.I)
_PERSON_AFTER = re.compile(
    r"^(?:\s+(?:said|says|told|tells|asked|asks|thinks|thought|reckons|wrote|writes|"
    r"replied|replies|explained|agreed|and\s+I|and\s+me)\b|\s*[’']s\s+(?:wife|husband|son|"
    r"daughter|dad|father|mother|mum|mom|brother|sister|family|birthday|kids)\b)",
    re.IGNORECASE,
)
_PLACE_BEFORE = re.compile(r"\b(?:at|in|near|to|from|around|outside)\s+$", re.IGNORECASE)
_TITLE_WORDS = {
    "for",
    "in",
    "at",
    "with",
    "and",
    "or",
    "the",
    "is",
    "of",
    "on",
    "to",
    "from",
    "vs",
    "versus",
    "a",
    "an",
    "my",
    "our",
    "i",
    "it",
    "this",
    "that",
    "but",
    "was",
    "are",
    "has",
}
_CAPITALISED_NEXT = re.compile(r"^\s+([A-Z][a-z]{2,})\b")
_REPLICA_AFTER = re.compile(
    r"^[\s\-]*(?:replicas?|reps?|recreations?|kit[\s\-]?cars?|body[\s\-]?kits?|kits?|"
    r"styled?|look[\s\-]?alikes?|clones?|tributes?|homages?|inspired|wannabes?|fakes?)\b",
    re.IGNORECASE,
)
_REPLICA_BEFORE = re.compile(r"\b(?:replica|fake|faux|kit[\s\-]car|wannabe)[\s\-]+$", re.IGNORECASE)
_PART_AFTER = re.compile(
    r"^[\s\-]*(?:gear[\s\-]?box(?:es)?|transmissions?|trans|tyres?|tires?|wheels?|rims?|"
    r"seats?)\b",
    re.IGNORECASE,
)
_NUMBER_BEFORE = re.compile(
    r"(?:[$€£¥#.:+~×]|\d[.,]|\b(?:route|rt|highway|hwy|exit|page|no|number|room|flight|"
    r"bus|line|row|ticket|item|call|dial(?:l?ed)?)\.?\s*)$",
    re.IGNORECASE,
)
_NUMBER_AFTER = re.compile(
    r"^(?:[.,]\d|\s*(?:%|°|(?:hp|bhp|whp|horsepower|horses|ponies|ps|cv|kw|nm|lb[\s\-]?ft|"
    r"lbs?|ft|miles?|mi|kms?|kilomet(?:er|re)s?|mph|kph|km/h|rpm|cc|ci|kg|hrs?|hours?|days?|"
    r"weeks?|dollars|bucks|euros?|pounds|quid|usd|eur|gbp|k|grand|times|people|rifles?|win|"
    r"winchester|rounds?|grains?|were\s+(?:built|made|produced|sold|imported))\b))",
    re.IGNORECASE,
)
_YEAR = r"(?:19|20)\d\d|[’'‘]\d\d"
_YEAR_AFTER = re.compile(
    rf"^(?:[’']s)?(?:\s*\(\s*(?P<p>{_YEAR})(?:\s*[-–]\s*(?P<p2>{_YEAR}|\d\d))?"
    rf"|(?:\s+[\w.+/\-]+){{0,3}}?\s+(?:from|of|built\s+in|made\s+in)\s+(?P<f>{_YEAR}))(?!\w)",
    re.IGNORECASE,
)
_HASHTAG = re.compile(r"#(\w{2,60})")
# a model year anywhere: '77, ’85, 1972 (not prices, part numbers or times)
_LOOSE_YEAR = re.compile(r"(?<![\w$#.,/:-])(?:['’‘](?:[6-9]\d)|19[4-9]\d|200\d)(?![\w,.]\d)")
_WINDOW = 48
_RIVAL_WINDOW = 60
_CONTEXT_DISTANCE = 10**6


def _trie_pattern(phrases: list[str]) -> str:
    """One regex for ``phrases`` (tokens joined by any separator), longest match first."""
    root: dict = {}
    for phrase in phrases:
        tokens = [t for t in _SEP_CHARS.split(phrase.lower()) if t]
        if not tokens:
            continue
        node = root
        for i, token in enumerate(tokens):
            if i:
                glued = tokens[i - 1][-1].isalpha() and token[0].isalpha()
                node = node.setdefault(" +" if glued else " *", {})
            for ch in token:
                node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        end = "" in node
        alternatives = [
            ({" +": _SEP_REQUIRED, " *": _SEP}.get(key) or re.escape(key)) + build(child)
            for key, child in sorted(node.items())
            if key != ""
        ]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"
        return f"(?:{body})?" if end else body

    return build(root)


def _bounded(phrases: list[str]) -> re.Pattern[str]:
    """``phrases`` as whole words, with an optional plural or possessive ending."""
    return re.compile(rf"(?<!\w)(?P<core>{_trie_pattern(phrases)}){_SUFFIX}(?!\w)", re.IGNORECASE)


def _key(phrase: str) -> str:
    return _SEP_CHARS.sub("", phrase.lower())


def _year_value(token: str) -> int:
    digits = token.lstrip("’'‘")
    if len(digits) == 4:
        return int(digits)
    yy = int(digits)
    return 1900 + yy if yy >= 30 else 2000 + yy


@dataclass(frozen=True)
class Match:
    """A car found in a text, the alias that found it, and where the text names it."""

    car: str
    alias: str
    strength: str  # "alias", "weak" or "generic"
    spans: tuple[tuple[int, int], ...] = ()  # every accepted mention (start, end)


class _Context:
    """Lazily computed facts about one text (make mentions, exclusions, siblings)."""

    def __init__(
        self, matcher: CarMatcher, text: str, context_makes: frozenset[str] = frozenset()
    ) -> None:
        self.m = matcher
        self.text = text
        self.context_makes = context_makes
        self._makes: dict[str, list[tuple[int, int]]] | None = None
        self._make_spans: set[tuple[str, int, int]] | None = None  # the same, for lookups
        self._others: list[tuple[int, int]] | None = None
        self._spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
        self._years: dict[tuple[int, int, str], tuple[int, int] | None] = {}

    # ------------------------------------------------------------------ mentions
    def makes(self) -> dict[str, list[tuple[int, int]]]:
        if self._makes is None:
            found: dict[str, list[tuple[int, int]]] = {}
            for hit in self.m._make_pattern.finditer(self.text):
                make = self.m._make_by_key.get(_key(hit.group("core")))
                if make is not None:
                    found.setdefault(make, []).append(hit.span())
            self._makes = found
        return self._makes

    def others(self) -> list[tuple[int, int]]:
        """Spans of vehicle mentions outside the catalog."""
        if self._others is None:
            self._others = sorted(
                h.span() for pattern in self.m._other_patterns for h in pattern.finditer(self.text)
            )
        return self._others

    def spans(self, kind: str, car: Car) -> list[tuple[int, int]]:
        key = (kind, car.slug)
        if key not in self._spans:
            pattern = (self.m._exclude if kind == "exclude" else self.m._siblings).get(car.slug)
            self._spans[key] = [h.span() for h in pattern.finditer(self.text)] if pattern else []
        return self._spans[key]

    def add_make_mention(self, make: str, start: int, end: int) -> None:
        if self._make_spans is None:
            self._make_spans = {(m, s, e) for m, spans in self.makes().items() for s, e in spans}
        if (make, start, end) not in self._make_spans:
            self._make_spans.add((make, start, end))
            self.makes().setdefault(make, []).append((start, end))

    # --------------------------------------------------------------------- years
    def year(self, start: int, end: int, make: str) -> tuple[int, int] | None:
        """The model year (or year range) attached to the name at ``start:end``."""
        key = (start, end, make)
        if key not in self._years:
            self._years[key] = self._attached_year(start, end, make)
        return self._years[key]

    def _attached_year(self, start: int, end: int, make: str) -> tuple[int, int] | None:
        before = self.m._year_before[make].search(self.text, max(0, start - _WINDOW), start)
        if before is not None:
            token = before.group("y") or before.group("b")
            year = _year_value(token)
            return year, year
        after = _YEAR_AFTER.match(self.text[end : end + _WINDOW + 20])
        if after is not None:
            if after.group("f"):
                year = _year_value(after.group("f"))
                return year, year
            first = _year_value(after.group("p"))
            last = after.group("p2")
            last_year = first if last is None else _year_value(last)
            if last is not None and len(last.lstrip("’'‘")) == 2 and last[0].isdigit():
                last_year = (first // 100) * 100 + int(last)
            return (first, last_year) if last_year >= first else (first, first)
        return None

    # ------------------------------------------------------------------ distances
    def make_distance(self, make: str, start: int, end: int) -> int | None:
        spans = self.makes().get(make)
        if not spans:
            # named by where the text was written (an owners' list of that make): far away
            return _CONTEXT_DISTANCE if make in self.context_makes else None
        return min(_gap(start, end, s, e) for s, e in spans)

    def foreign_distance(
        self, make: str, start: int, end: int, include_catalog: bool
    ) -> int | None:
        """Distance to the closest vehicle mention that is not ``make``."""
        best: int | None = None
        for s, e in self.others():
            if s < end and start < e:
                continue
            gap = _gap(start, end, s, e)
            best = gap if best is None else min(best, gap)
        if include_catalog:
            for other, spans in self.makes().items():
                if other == make:
                    continue
                for s, e in spans:
                    if s < end and start < e:
                        continue
                    gap = _gap(start, end, s, e)
                    best = gap if best is None else min(best, gap)
        return best


def _shouting(text: str, start: int) -> bool:
    """Whether the words before ``start`` are in capitals ("TWO F40S AT THE SHOW")."""
    window = text[max(0, start - 24) : start]
    return any(c.isalpha() for c in window) and window == window.upper()


def _gap(start: int, end: int, s: int, e: int) -> int:
    if e <= start:
        return start - e
    if s >= end:
        return s - end
    return 0


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


class CarMatcher:
    """Finds the catalog cars a text talks about."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._order = {slug: i for i, slug in enumerate(catalog.slugs)}
        self._by_key: dict[str, list[tuple[Car, str]]] = {}
        phrases: list[str] = []
        for car in catalog.cars:
            for strength, names in (
                ("alias", car.aliases),
                ("weak", car.weak_aliases),
                ("generic", car.generic_aliases),
            ):
                for name in names:
                    entries = self._by_key.setdefault(_key(name), [])
                    if (car, strength) not in entries:
                        entries.append((car, strength))
                    phrases.append(name)
        self._pattern = _bounded(phrases) if phrases else None

        makes = sorted({car.make for car in catalog.cars} | set(catalog.makes))
        self._make_by_key: dict[str, str] = {}
        make_phrases: list[str] = []
        for make in makes:
            for word in catalog.make_words(make):
                self._make_by_key.setdefault(_key(word), make)
                make_phrases.append(word)
        self._make_pattern = _bounded(make_phrases)
        # make words as hashtag prefixes, longest first ("lamborghini" before "lambo")
        self._make_prefixes = sorted(
            ((k, m) for k, m in self._make_by_key.items() if k.isalnum()),
            key=lambda item: -len(item[0]),
        )
        catalog_keys = set(self._make_by_key)
        others = [w for w in _OTHER_VEHICLES if _key(w) not in catalog_keys]
        cased = [w for w in _OTHER_VEHICLES_CASED if _key(w) not in catalog_keys]
        self._other_patterns = [_bounded(others)]
        if cased:
            alternation = "|".join(re.escape(w) for w in cased)
            self._other_patterns.append(re.compile(rf"(?<!\w)(?P<core>{alternation})s?(?!\w)"))
        self._year_before = {make: self._year_before_pattern(make) for make in makes}
        self._exclude = {
            car.slug: _bounded(list(car.exclude)) for car in catalog.cars if car.exclude
        }
        self._siblings = {
            car.slug: _bounded(list(car.siblings)) for car in catalog.cars if car.siblings
        }

    def _year_before_pattern(self, make: str) -> re.Pattern[str]:
        """A model year right before a name, optionally with the make in between."""
        words = "|".join(
            _SEP.join(re.escape(t) for t in _SEP_CHARS.split(w.lower()) if t)
            for w in sorted(self.catalog.make_words(make), key=len, reverse=True)
        )
        return re.compile(
            rf"(?<![\w.,$€£#/])(?:MY\s?)?"
            rf"(?:(?P<y>{_YEAR})\s+(?:(?:{words})(?:[’']s)?[\s\-]+)?"
            rf"|(?P<b>\d\d)\s+(?:{words})(?:[’']s)?[\s\-]+)$",
            re.IGNORECASE,
        )

    # ------------------------------------------------------------------ public
    def find(self, text: str, context_makes: frozenset[str] = frozenset()) -> list[Match]:
        """Every car named in ``text`` (each car once, in catalog order).

        ``context_makes`` are makes the place of writing names (a Porsche owners' list):
        they count as named for weak aliases, farther than any make in the text itself.
        """
        if not text or self._pattern is None:
            return []
        hits = []
        for hit in self._pattern.finditer(text):
            core = hit.group("core")
            suffix = hit.group("suf") or ""
            start = hit.start()
            if suffix == "S" and core[-1].isdigit() and not _shouting(text, start):
                # "911S": a model letter, not a plural; "Porsche 930S" may name "930S" itself
                core = _SEP_CHARS.split(core)[-1] + suffix
                start = hit.end() - len(core)
            entries = self._by_key.get(_key(core))
            if entries:
                hits.append((start, hit.end(), core, entries))
        if not hits:
            return []
        ctx = _Context(self, text, context_makes)
        # a line name ("911", "SL") names its make for the make's weak aliases ("911 ... 996")
        for start, end, core, entries in hits:
            for car, strength in entries:
                if strength == "generic" and not (
                    core.isdigit() and self._is_number(text, start, end)
                ):
                    ctx.add_make_mention(car.make, start, end)
        found: dict[str, Match] = {}
        spans: dict[str, list[tuple[int, int]]] = {}
        generic: list[tuple[list[Car], str, tuple[int, int]]] = []
        rank = {"alias": 0, "weak": 1, "generic": 2}
        for start, end, core, entries in hits:
            candidates: list[Car] = []
            for car, strength in entries:
                known = car.slug in found and rank[found[car.slug].strength] <= rank[strength]
                if not self._accept(ctx, car, strength, start, end, core):
                    continue
                if known or strength != "generic":
                    spans.setdefault(car.slug, []).append((start, end))
                if known:
                    continue
                if strength == "generic":
                    candidates.append(car)
                else:
                    found[car.slug] = Match(car.slug, core, strength)
            if candidates:
                generic.append((candidates, core, (start, end)))
        # a year that fits several generations: prefer those the text names otherwise
        for candidates, core, span in generic:
            named = [c for c in candidates if c.slug in found]
            for car in named or candidates:
                found.setdefault(car.slug, Match(car.slug, core, "generic"))
                spans.setdefault(car.slug, []).append(span)
        return sorted(
            (
                Match(m.car, m.alias, m.strength, tuple(sorted(set(spans[m.car]))))
                for m in found.values()
            ),
            key=lambda m: self._order[m.car],
        )

    def hashtags(self, text: str) -> dict[str, list[tuple[int, int]]]:
        """Cars named by hashtags, with the tags' spans (after the ``#``): a tag that is a car's name
        (``#testarossa``, ``#eb110``) or its make and name run together (``#ferraritestarossa``,
        ``#lambo350gt``). A weak name needs its make in the tag or in the text
        (``#ferraridaytona``, not ``#daytona`` under a watch); a line name (``#911``) says
        no generation and does not count."""
        out: dict[str, list[tuple[int, int]]] = {}
        if "#" not in text:
            return out
        makes_in_text: frozenset[str] | None = None
        for tag in _HASHTAG.finditer(text):
            key = tag.group(1).lower()
            readings = [(key, None)] + [
                (key[len(word) :], make)
                for word, make in self._make_prefixes
                if key.startswith(word) and len(key) > len(word)
            ]
            for rest, make in readings:
                for car, strength in self._by_key.get(rest, []):
                    if strength == "generic" or (make is not None and car.make != make):
                        continue
                    if strength == "weak" and make is None:
                        if makes_in_text is None:
                            makes_in_text = self.makes_named(_HASHTAG.sub(" ", text))
                        if car.make not in makes_in_text:
                            continue
                    if tag.span(1) not in out.setdefault(car.slug, []):
                        out[car.slug].append(tag.span(1))
        return out

    def by_year_elsewhere(self, text: str) -> dict[str, list[tuple[int, int]]]:
        """Cars named by a line name ("911", "Targa") whose generation a model year
        elsewhere in the text tells ("my '77 ... the 911's oil cooler"): for each line name
        in the text with no year attached, the one car of the line whose production years
        hold the text's model years (all of them), with the name's spans."""
        if self._pattern is None:
            return {}
        years = {_year_value(y) for y in _LOOSE_YEAR.findall(text)}
        if not years:
            return {}
        out: dict[str, list[tuple[int, int]]] = {}
        for hit in self._pattern.finditer(text):
            entries = [
                car
                for car, strength in self._by_key.get(_key(hit.group("core")), [])
                if strength == "generic"
            ]
            fits = [c for c in entries if all(c.years[0] <= y <= c.years[1] for y in years)]
            if len(fits) == 1:
                out.setdefault(fits[0].slug, []).append(hit.span())
        return out

    def cars(self, text: str, context_makes: frozenset[str] = frozenset()) -> list[str]:
        """Slugs of the cars named in ``text``."""
        return [m.car for m in self.find(text, context_makes)]

    def makes_named(self, text: str) -> frozenset[str]:
        """The catalog makes ``text`` names ("PorscheFans 914" names Porsche)."""
        if not text:
            return frozenset()
        return frozenset(_Context(self, text).makes())

    # ------------------------------------------------------------------- rules
    def _accept(
        self, ctx: _Context, car: Car, strength: str, start: int, end: int, core: str
    ) -> bool:
        text = ctx.text
        if _overlaps(start, end, ctx.spans("exclude", car)):
            return False
        before = text[max(0, start - _WINDOW) : start]
        after = text[end : end + _WINDOW]
        if _REPLICA_AFTER.match(after) or _REPLICA_BEFORE.search(before):
            return False
        if core.isdigit() and self._is_number(text, start, end):
            return False
        years = ctx.year(start, end, car.make)
        first, last = car.years
        if years is not None and (years[1] < first - YEAR_SLACK or years[0] > last + YEAR_SLACK):
            return False
        in_years = years is not None and first <= years[0] and years[1] <= last
        if _PART_AFTER.match(after):
            foreign = ctx.foreign_distance(car.make, start, end, include_catalog=True)
            own = ctx.make_distance(car.make, start, end)
            if foreign is not None and (own is None or foreign < own):
                return False
        if strength == "alias":
            return not (core.isalpha() and self._person(before, after))
        if strength == "generic":
            return in_years and not self._rival_closer(ctx, car, start, end)
        # weak
        if core.isalpha() and (
            self._person(before, after)
            or _ADDRESSED_BEFORE.search(before)
            or _PLACE_BEFORE.search(before)
            or self._proper_name_follows(before, after)
        ):
            return False
        if not in_years:
            if ctx.make_distance(car.make, start, end) is None:
                return False
            siblings = ctx.spans("siblings", car)
            if siblings and any(not (s < end and start < e) for s, e in siblings):
                return False
        return not self._rival_closer(ctx, car, start, end)

    @staticmethod
    def _is_number(text: str, start: int, end: int) -> bool:
        """An all-digit name used as a quantity, price, calibre or route ("308 miles")."""
        before = text[max(0, start - _WINDOW) : start]
        return bool(_NUMBER_BEFORE.search(before) or _NUMBER_AFTER.match(text[end : end + _WINDOW]))

    @staticmethod
    def _person(before: str, after: str) -> bool:
        return bool(_PERSON_BEFORE.search(before) or _PERSON_AFTER.match(after))

    def _proper_name_follows(self, before: str, after: str) -> bool:
        """'Dino Zoff': a weak one-word name followed by a capitalised unknown word."""
        nxt = _CAPITALISED_NEXT.match(after)
        if nxt is None or nxt.group(1).lower() in _TITLE_WORDS:
            return False
        word = nxt.group(1)
        if self._make_pattern.fullmatch(word) or self._pattern.fullmatch(word):
            return False
        tail = before.rstrip()
        return not (tail and self._make_pattern.search(tail.split()[-1]))

    @staticmethod
    def _rival_closer(ctx: _Context, car: Car, start: int, end: int) -> bool:
        foreign = ctx.foreign_distance(car.make, start, end, include_catalog=False)
        if foreign is None or foreign > _RIVAL_WINDOW:
            return False
        own = ctx.make_distance(car.make, start, end)
        return own is None or foreign < own
