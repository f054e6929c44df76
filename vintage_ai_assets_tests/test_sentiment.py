"""The car-community sentiment scorer: behaviour on car talk, contract, and its evaluation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from vintage_ai_assets.evaluation import sentiment as evaluation
from vintage_ai_assets.nlp import sentiment
from vintage_ai_assets.nlp.scoring import score_mentions
from vintage_ai_assets.nlp.sentiment import score_rules


def _one(text: str) -> float:
    return float(score_rules([text])[0])


def _label(text: str) -> str:
    return str(sentiment.labels(score_rules([text]))[0])


@pytest.mark.parametrize(
    "text",
    [
        "Took the E39 M5 out this morning, what a beast",
        "That V12 sounds sick 🔥",
        "The new Z06 is stupid fast",
        "Killer spec on this 964, Guards Red over black",
        "The GT2 RS is bonkers on a dry track",
        "Original paint, no rust, zero problems. Best Saab I've owned",
        "Been daily driving my W124 for years and never had an issue",
        "Love my Bronco ❤️",
        "Clean 300ZX, runs like a dream 👌",
    ],
)
def test_car_slang_and_emoji_praise_are_positive(text):
    assert _label(text) == "positive", _one(text)


@pytest.mark.parametrize(
    "text",
    [
        "My 7 series has been a money pit since the day I bought it",
        "Looked at a Spitfire today, total rust bucket",
        "The motor needs a rebuild and the gearbox whines",
        "My E90 is not reliable at all, it lives at the dealer",
        "Coolant leak again on the Cayenne 🤦",
        "The car won't start and the dealer can't see me for three weeks 😢",
        "Transmission failed at 60k miles, never again",
    ],
)
def test_car_faults_and_complaints_are_negative(text):
    assert _label(text) == "negative", _one(text)


@pytest.mark.parametrize(
    "text",
    [
        "Is the 996 a good first Porsche?",
        "What's the best oil for an air-cooled 911?",
        "Which is more reliable, a Boxster S or a Z4?",
        "FS: 1989 BMW 325i convertible, 120k miles, clean title, asking $9,500. "
        "Located in Portland, DM for details",
        "WTB: NA Miata, any color, budget $6k",
        "Price drop: 2004 Lotus Elise, $32k OBO",
        "Crash test results for the new Civic came out today",
        "The 993 was the last air-cooled 911",
    ],
)
def test_questions_ads_and_facts_are_neutral(text):
    assert _label(text) == "neutral", _one(text)


def test_negation():
    assert _one("No rust anywhere on this chassis") > sentiment.POSITIVE
    assert _one("The Mini is not reliable") < sentiment.NEGATIVE
    assert _one("The brakes are not bad for a 1970s car") > 0


def test_but_clause_takes_the_verdict():
    assert _one("Looks rough, but it drives beautifully") > sentiment.POSITIVE
    assert _one("Beautiful car, but the electrics are a disaster") < sentiment.NEGATIVE


def test_range_dtype_order_and_empty():
    texts = [
        "What a beast 🔥🔥🔥!!! Best car ever, I absolutely love it",
        "Total disaster, the engine seized, terrible, never again 😭",
        "It is blue.",
        "",
    ]
    scores = score_rules(texts)
    assert scores.dtype == np.float64 and scores.shape == (4,)
    assert ((scores >= -1) & (scores <= 1)).all()
    assert scores[0] > 0.5 and scores[1] < -0.5 and scores[2] == 0 and scores[3] == 0
    np.testing.assert_array_equal(score_rules(texts[::-1]), scores[::-1])
    assert score_rules([]).shape == (0,)


def test_identical_texts_are_scored_once(monkeypatch):
    calls = []
    original = sentiment._raw_score

    def counting(text):
        calls.append(text)
        return original(text)

    monkeypatch.setattr(sentiment, "_raw_score", counting)
    out = score_rules(["nice car", "nice car", "rusty", "nice car"])
    assert sorted(calls) == ["nice car", "rusty"]
    assert out[0] == out[1] == out[3]


def test_non_english_stays_unscored():
    out = score_mentions(["I love it", "Bellissima macchina", "Tolles Auto"], ["en", "it", "de"])
    assert out[0] > 0 and np.isnan(out[1]) and np.isnan(out[2])
    detected = score_mentions(
        ["What a beast, I love this car", "Questa macchina è bellissima, la adoro davvero"]
    )
    assert detected[0] > 0 and np.isnan(detected[1])
    assert {"en", "zxx"} == set(sentiment.SCORED_LANGUAGES)
    assert sentiment.METHOD == "car-vader-2"


def test_ten_thousand_texts_in_one_call():
    base = [
        "Took the Integrale over the pass this morning, absolute beast",
        "The valve guides failed again, the engine is smoking, nightmare",
        "Anyone know a good shop for Alfa work near Boston?",
        "FS: 1991 Miata, asking $6,500, located in Denver",
    ]
    texts = [f"{base[i % 4]} #{i}" for i in range(10_000)]
    scores = score_rules(texts)
    assert scores.shape == (10_000,) and np.isfinite(scores).all()
    assert ((scores >= -1) & (scores <= 1)).all()


def test_team_dev_set_beats_vader():
    team = evaluation.load_team()
    assert len(team) >= 140
    assert {e["label"] for e in team} == set(evaluation.LABELS)
    result = evaluation.evaluate_examples(team)
    assert result["car_vader"]["macro_f1"] >= 0.85, result
    assert result["car_sentiment"]["macro_f1"] >= 0.85, result
    assert result["car_vader"]["macro_f1"] - result["vader"]["macro_f1"] >= 0.15, result


def test_label_files_hold_ids_and_labels_only():
    rows = evaluation.load_reddit_labels()
    assert set(rows[0]) == {"id", "split", "label", "origin"}
    assert {r["label"] for r in rows} == set(evaluation.LABELS)
    splits = [r["split"] for r in rows]
    assert splits.count("test") == 400 and splits.count("dev") == 1420
    assert {r["origin"] for r in rows if r["split"] == "test"} == {"round4-test"}
    assert sum(r["origin"] in evaluation.CHOSEN_ORIGINS for r in rows) == 320
    assert len({r["id"] for r in rows}) == len(rows)


def _shared_reddit(shared_data) -> list[dict]:
    path = shared_data / evaluation.REDDIT_FILE
    if not path.is_file():
        pytest.skip(f"{path} not found")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_labelled_sample_and_split_are_the_deterministic_draw(shared_data):
    drawn = evaluation.draw_sample(_shared_reddit(shared_data))
    labelled = evaluation.load_reddit_labels()
    picked = [r for r in labelled if r["origin"] in evaluation.CHOSEN_ORIGINS]
    assert drawn == {
        r["id"]: (r["split"], r["origin"])
        for r in labelled
        if r["origin"] not in evaluation.CHOSEN_ORIGINS
    }
    # The picked DEV texts come from beyond the drawn ranks, so never from TEST.
    assert picked and all(r["id"] not in drawn and r["split"] == "dev" for r in picked)


def _reddit_test_result(shared_data) -> dict:
    _shared_reddit(shared_data)
    reddit, note = evaluation.load_reddit(shared_data)
    assert reddit is not None, note
    dev = evaluation.load_team() + [e for e in reddit if e["split"] == "dev"]
    test, reposts = evaluation.held_out_examples(reddit, dev)
    assert len(test) + reposts == 400 and reposts <= 5
    return evaluation.evaluate_examples(test)


def test_reddit_test_split_beats_vader_and_the_rules(shared_data):
    result = _reddit_test_result(shared_data)
    new, rules, old = (result[m]["macro_f1"] for m in ("car_sentiment", "car_vader", "vader"))
    assert new - old >= 0.2 and new - rules >= 0.05, result


def test_reddit_test_split_reaches_the_target(shared_data):
    """car-sentiment-4 on round4-test, run once when frozen: 0.733 (VADER 0.417)."""
    result = _reddit_test_result(shared_data)
    assert result["car_sentiment"]["macro_f1"] >= evaluation.TARGET_MACRO_F1, result
    assert all(result["car_sentiment"]["f1"][label] >= 0.5 for label in evaluation.LABELS)
