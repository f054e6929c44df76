"""Cleaning: markup, language, spam, car matching and the mentions builder."""

from __future__ import annotations

import functools
import zipfile

import pandas as pd
import pytest

from vintage_ai_assets.cleaning.language import detect_language
from vintage_ai_assets.cleaning.matching import CarMatcher
from vintage_ai_assets.cleaning.mentions import build_mentions
from vintage_ai_assets.cleaning.spam import is_spam
from vintage_ai_assets.sources.records import posts_frame
from vintage_ai_assets.text import strip_markup


def test_strip_markup_removes_html_markdown_and_scripts():
    raw = "<p>Great <b>F40</b> &amp; a [link](http://x.y)</p><script>alert(1)</script>\n\n\n\n**bold**"
    assert strip_markup(raw) == "Great F40 & a link\n\nbold"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The Testarossa is the car of my childhood and it still looks amazing", "en"),
        ("La Testarossa è una macchina bellissima, non vedo l'ora di guidarla", "it"),
        ("Der Testarossa ist wirklich ein sehr schönes Auto und ich liebe ihn", "de"),
        ("テスタロッサは最高の車です", "ja"),
        ("F40!!!", "zxx"),
        ("#ferrari #f40 @maranello_club 🔥", "zxx"),
        ("Che bella! 😍 #ferrari #testarossa", "it"),
        ("Qué coche tan bonito, me encanta 😍 #porsche #930", "es"),
    ],
)
def test_language(text, lang):
    assert detect_language(text) == lang


def test_language_model_is_unpacked_once_into_the_model_cache(tmp_path):
    """The first process unpacks py3langid's model into the cache; later ones read it, and a
    damaged cache file is unpacked again (replaced whole)."""
    from dataclasses import replace

    from vintage_ai_assets import settings
    from vintage_ai_assets.cleaning import language

    before = settings.current()
    settings.use(replace(before, model_cache=tmp_path))
    try:
        language._identifier.cache_clear()
        assert detect_language("Der Testarossa ist wirklich ein sehr schönes Auto") == "de"
        (cached,) = tmp_path.glob("py3langid-*.pickle")
        assert cached.stat().st_size > 1_000_000 and not list(tmp_path.glob("*.partial"))
        language._identifier.cache_clear()
        assert detect_language("La Testarossa è una macchina bellissima") == "it"  # from the cache
        cached.write_bytes(b"not a pickle")
        language._identifier.cache_clear()
        assert detect_language("The Testarossa is the car of my childhood") == "en"
        assert cached.stat().st_size > 1_000_000
    finally:
        settings.use(before)
        language._identifier.cache_clear()


def test_spam():
    assert is_spam("Cheap replica watches here http://spam.example")
    assert is_spam("DM me for crypto signals, 10x guaranteed")
    assert not is_spam("Sold my 993 last week, check the listing at https://carsandbids.com/x")


@pytest.fixture(scope="module")
def matcher(catalog):
    return CarMatcher(catalog)


@pytest.mark.parametrize(
    ("text", "cars"),
    [
        ("Just picked up a 1989 Testarossa in Rosso Corsa", ["ferrari-testarossa"]),
        ("Ferrari 308 GTS QV for sale, timing belts done", ["ferrari-308-gtb"]),
        ("My Peugeot 308 needs new brakes", []),
        (
            "Drove the F40 and then the Miura at the museum",
            ["ferrari-f40", "lamborghini-miura-p400"],
        ),
        ("The new Countach LPI 800-4 is a hybrid", []),
        ("Watched the Daytona 500 yesterday", []),
        ("Lamborghini Diablo VT with fresh clutch", ["lamborghini-diablo-vt"]),
    ],
)
def test_matcher(matcher, text, cars):
    assert matcher.cars(text) == cars


def _post(record_id, text, kind="submission", thread=None, author="a1", bot=False, title=""):
    return {
        "record_id": record_id,
        "source": "reddit",
        "source_id": record_id.split(":")[1],
        "kind": kind,
        "thread_id": thread,
        "community": "ferrari",
        "created_at": pd.Timestamp("2026-01-05 10:00"),
        "author_hash": author,
        "author_is_bot": bot,
        "title": title,
        "text": text,
        "url": None,
        "car_hint": None,
        "score": 1,
        "replies": 0,
        "locator": f"f:{record_id}",
    }


def test_build_mentions_filters_and_matches(catalog):
    posts = posts_frame(
        [
            _post(
                "reddit:s1", "Restored my Testarossa and my F40", thread="s1", title="Finally done"
            ),
            _post(
                "reddit:c1",
                "Same here, mine needed the same work",
                kind="comment",
                thread="s1",
                author="a2",
            ),
            _post("reddit:c2", "[removed]", kind="comment", thread="s1"),
            _post(
                "reddit:c3",
                "Testarossa looks great",
                kind="comment",
                thread="s1",
                author="bot1",
                bot=True,
            ),
            _post(
                "reddit:c4",
                "Cheap replica watches http://x.example Testarossa",
                kind="comment",
                thread="s1",
            ),
            _post(
                "reddit:s2", "Restored my Testarossa and my F40", thread="s2", title="Finally done"
            ),
            _post("reddit:s3", "Nice weather for a drive", thread="s3"),
            _post("reddit:c5", "What year is it?", kind="comment", thread="old"),
        ]
    )
    result = build_mentions(posts, catalog, thread_cars={"old": ["ferrari-f40"]})
    got = result.mentions.groupby("record_id")["car"].apply(sorted).to_dict()
    assert got == {
        "reddit:s1": ["ferrari-f40", "ferrari-testarossa"],
        "reddit:c1": ["ferrari-f40", "ferrari-testarossa"],
        "reddit:c5": ["ferrari-f40"],
    }
    assert result.reasons == {"removed": 1, "bot": 1, "spam": 1, "duplicate": 1, "no_car": 1}
    assert set(result.mentions.loc[result.mentions["record_id"] == "reddit:c1", "matched_by"]) == {
        "thread"
    }
    assert result.mentions["mention_id"].is_unique
    # Accepted + quarantined covers every post, each once.
    assert result.mentions["record_id"].nunique() + len(result.quarantine) == len(posts)


def test_duplicates_across_days_use_prior_pairs(catalog):
    posts = posts_frame([_post("reddit:s9", "My F40 is for sale", thread="s9")])
    first = build_mentions(posts, catalog)
    pair = (first.mentions["author_hash"].iloc[0], first.mentions["dedup_hash"].iloc[0])
    again = build_mentions(
        posts_frame([_post("reddit:s10", "My F40 is for sale!", thread="s10")]),
        catalog,
        seen_dedup=[pair],
    )
    assert again.mentions.empty and again.reasons == {"duplicate": 1}


# --- auction prices in USD: the ECB reference rate of the sale day -----------------------


@functools.cache
def _ecb_rows() -> list[list[str]]:
    """The bundled ECB history as written (header first, then the newest day first)."""
    from currency_converter import CURRENCY_FILE

    with zipfile.ZipFile(CURRENCY_FILE) as archive:
        text = archive.read(archive.namelist()[0]).decode()
    return [line.rstrip(",").split(",") for line in text.splitlines() if line.strip()]


def _ecb(day: str, currency: str = "USD") -> float:
    """Units of ``currency`` per euro on ``day``, straight from the ECB file."""
    header, *rows = _ecb_rows()
    row = next(r for r in rows if r[0] == day)
    return float(row[header.index(currency)])


def _lot(lot_id, sold_at, price, currency, make="Ferrari", model="Testarossa", year=1989):
    return {
        "lot_id": lot_id,
        "sold_at": pd.Timestamp(sold_at) if sold_at else None,
        "make": make,
        "model": model,
        "year": year,
        "mileage": 20000,
        "price": price,
        "currency": currency,
        "sold": True,
        "title": f"{year} {make} {model}",
        "description": "",
        "url": None,
        "auction_house": "RM Sotheby's",
        "attributes": "{}",
        "source_file": "lots.csv",
        "locator": f"lots.csv:{lot_id}",
    }


def _match(catalog, *lots):
    from vintage_ai_assets.cleaning.auction_lots import match_lots
    from vintage_ai_assets.sources.auctions import lots_frame

    kept, rejected = match_lots(lots_frame(list(lots)), catalog)
    return kept.set_index("lot_id"), rejected.set_index("lot_id")


def test_match_lots_converts_at_the_ecb_rate_of_the_sale_day(catalog):
    assert _ecb("2023-01-03") == 1.0545 and _ecb("2024-01-02") == 1.0956
    kept, rejected = _match(
        catalog,
        _lot("a", "2023-01-03 18:30", 100_000, "EUR"),
        _lot("b", "2024-01-02 11:00", 100_000, "EUR"),
        _lot("c", "2024-01-02", 100_000, "USD"),
        _lot("d", "2024-01-02", 100_000, "GBP"),
    )
    assert rejected.empty and set(kept["car"]) == {"ferrari-testarossa"}
    usd = kept["price_usd"]
    # The same euro price a year apart: two dollar prices, each at its day's ECB rate.
    assert usd["a"] == pytest.approx(105_450.0)
    assert usd["b"] == pytest.approx(109_560.0)
    assert usd["c"] == 100_000.0
    # Cross rate of the day: USD per EUR / GBP per EUR.
    assert usd["d"] == pytest.approx(100_000 * _ecb("2024-01-02") / _ecb("2024-01-02", "GBP"))
    assert kept["price_usd"].dtype == "float64"


def test_weekends_and_holidays_take_the_last_rate_before():
    from vintage_ai_assets.cleaning.exchange_rates import usd_per_unit

    friday = _ecb("2024-01-05")  # 1.0921; no fixing on Saturday 6 or Sunday 7 January
    assert usd_per_unit("EUR", "2024-01-06") == friday
    assert usd_per_unit("EUR", "2024-01-07") == friday
    # Good Friday and Easter Monday 2024 (TARGET holidays): Maundy Thursday's rate.
    assert usd_per_unit("EUR", "2024-03-29") == _ecb("2024-03-28")
    assert usd_per_unit("EUR", "2024-04-01") == _ecb("2024-03-28")


def test_dates_outside_the_data_take_its_first_or_last_rate(catalog):
    from vintage_ai_assets.cleaning.exchange_rates import data_range, usd_per_unit, usd_rates

    header, newest, *_ = _ecb_rows()
    first, last = data_range()
    assert last.isoformat() == newest[0] and first.isoformat() == "1999-01-04"
    last_rate = float(newest[header.index("USD")])
    after = (pd.Timestamp(last) + pd.Timedelta(days=40)).strftime("%Y-%m-%d")
    assert usd_per_unit("EUR", after) == last_rate
    assert usd_per_unit("EUR", "1995-06-01") == _ecb("1999-01-04")
    kept, _ = _match(
        catalog,
        _lot("late", after, 200_000, "EUR"),
        _lot("undated", None, 200_000, "EUR"),  # no sale date: the latest rate
    )
    assert kept.loc["late", "price_usd"] == pytest.approx(200_000 * last_rate)
    assert kept.loc["undated", "price_usd"] == pytest.approx(200_000 * last_rate)
    rates = usd_rates(pd.Series(["EUR", "XYZ"]), pd.Series([pd.NaT, "2024-01-02"]))
    assert rates.iloc[0] == last_rate and pd.isna(rates.iloc[1])


def test_match_lots_quarantines_unknown_currencies(catalog):
    kept, rejected = _match(
        catalog,
        _lot("xyz", "2024-01-02", 50_000, "XYZ"),
        _lot("empty", "2024-01-02", 50_000, ""),
        _lot("none", "2024-01-02", 50_000, None),
        _lot("ok", "2024-01-02", 50_000, "CHF"),
        _lot("nocar", "2024-01-02", 50_000, "XYZ", make="Peugeot", model="205 GTI"),
    )
    assert list(kept.index) == ["ok"]
    assert kept.loc["ok", "price_usd"] == pytest.approx(
        50_000 * _ecb("2024-01-02") / _ecb("2024-01-02", "CHF")
    )
    assert rejected["reason"].to_dict() == {
        "empty": "unknown_currency",
        "none": "unknown_currency",
        "nocar": "no_car",  # a lot naming no catalog car keeps that reason
        "xyz": "unknown_currency",
    }
    assert "car" not in rejected.columns and "price_usd" not in rejected.columns
