"""Cleaning: markup, language, spam, car matching and the mentions builder."""

from __future__ import annotations

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
