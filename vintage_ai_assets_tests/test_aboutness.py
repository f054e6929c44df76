"""Which cars a text is about: hashtags, years elsewhere, context, and the shipped model."""

from __future__ import annotations

import pytest

from vintage_ai_assets.cleaning import aboutness
from vintage_ai_assets.cleaning.matching import CarMatcher


@pytest.fixture(scope="module")
def matcher(catalog):
    return CarMatcher(catalog)


@pytest.mark.parametrize(
    ("text", "cars"),
    [
        ("Sunset in Modena #ferraritestarossa #supercar", {"ferrari-testarossa"}),
        ("#bugattieb110 #eb110gt", {"bugatti-eb110"}),
        ("#lambo350gt at the concours", {"lamborghini-350-gt"}),
        ("#daytona #rolex #watchesofinstagram", set()),  # a weak name needs its make
        ("Ferrari weekend #daytona", {"ferrari-365-gtb4-daytona"}),
        ("#porsche911 #aircooled", set()),  # a line name says no generation
    ],
)
def test_hashtags_name_cars(matcher, text, cars):
    assert set(matcher.hashtags(text)) == cars


def test_a_model_year_elsewhere_tells_the_generation(matcher):
    text = "My '77 has a tired clutch. Does the 911 use the same cable as later cars?"
    assert set(matcher.by_year_elsewhere(text)) == {"porsche-911-g-series"}
    # years of two generations: untold
    assert matcher.by_year_elsewhere("my '72 and my '86: the 911 is addictive") == {}
    found = {
        c.car: c for c in aboutness.candidates(matcher, text, context_makes=frozenset({"Porsche"}))
    }
    assert found["porsche-911-g-series"].features["year_elsewhere"] == 1.0


def test_reach_hashtags_and_passing_cars_are_not_what_a_caption_is_about(matcher):
    caption = (
        "Finally drove my Testarossa to Maranello today, what a day ☀️ "
        "#testarossa #ferraritestarossa #f40 #countach #supercars"
    )
    kept = {c.car for c in aboutness.about(aboutness.candidates(matcher, caption))}
    assert kept == {"ferrari-testarossa"}


def test_a_reply_on_a_model_list_is_about_the_list_car(matcher):
    found = aboutness.candidates(
        matcher,
        "Mine did the same last winter: the fuel pump relay. Replace it and carry a spare.",
        list_cars=["porsche-914"],
        reply=True,
    )
    assert [(c.car, c.how) for c in aboutness.about(found)] == [("porsche-914", "list")]


def test_candidates_mark_what_the_text_itself_names(matcher):
    found = aboutness.candidates(
        matcher, "My F40 and a Testarossa #miura", list_cars=["ferrari-dino-246"]
    )
    named = {c.car for c in found if c.features["in_text"]}
    assert named == {"ferrari-f40", "ferrari-testarossa"}
    assert {c.car: c.how for c in found}["ferrari-dino-246"] == "list"
    # a stricter threshold keeps fewer: the decision is the model's, not the matcher's
    strict = aboutness.load_model()
    strict = aboutness.AboutnessModel(strict.coef, strict.intercept, 0.999, {})
    assert len(aboutness.about(found, strict)) < len(found)
