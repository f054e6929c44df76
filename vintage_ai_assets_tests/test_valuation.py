"""Sold-price estimates and the 6-month value direction, on synthetic and real lots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vintage_ai_assets.evaluation.prices import (
    baseline_predictions,
    load_auction_lots,
    rmsle,
    time_split,
)
from vintage_ai_assets.valuation import (
    backtest_direction,
    fit_direction_model,
    fit_price_model,
    latest_direction,
)
from vintage_ai_assets.valuation.direction import (
    INSUFFICIENT,
    NO_RECENT_SALES,
    OK,
    direction_features,
)

MODELS = {
    ("Porsche", "911"): 10.6,
    ("Porsche", "928"): 10.0,
    ("Ferrari", "308 GTB"): 11.2,
    ("Ferrari", "Mondial"): 10.4,
    ("BMW", "M3"): 10.3,
    ("Mercedes-Benz", "SL"): 9.9,
}


def synthetic_lots(n: int = 1200, seed: int = 0) -> pd.DataFrame:
    """Lots whose log price rises with year, falls with mileage and with "project"."""
    rng = np.random.default_rng(seed)
    keys = list(MODELS)
    pick = rng.integers(0, len(keys), n)
    year = rng.integers(1965, 2006, n)
    mileage = np.exp(rng.normal(np.log(60_000), 0.7, n))
    project = rng.random(n) < 0.12
    months = pd.date_range("2020-01-01", periods=48, freq="MS")
    sold_at = months[np.sort(rng.integers(0, len(months), n))]
    base = np.array([MODELS[keys[i]] for i in pick])
    log_price = (
        base
        + 0.035 * (year - 1985)
        - 0.30 * np.log(mileage / 60_000)
        - 0.9 * project
        + rng.normal(0, 0.12, n)
    )
    titles = [
        f"{y} {keys[i][0]} {keys[i][1]}" + (" project car, needs work" if p else "")
        for y, i, p in zip(year, pick, project, strict=True)
    ]
    mileage_with_gaps = np.where(rng.random(n) < 0.05, np.nan, mileage)
    return pd.DataFrame(
        {
            "make": [keys[i][0] for i in pick],
            "model": [keys[i][1] for i in pick],
            "year": year,
            "mileage": mileage_with_gaps,
            "sold_at": sold_at,
            "title": titles,
            "description": "",
            "price": np.exp(log_price).round(-1),
        }
    )


@pytest.fixture(scope="module")
def split_lots():
    lots = synthetic_lots()
    return time_split(lots, "2023-01-01")


@pytest.fixture(scope="module")
def price_model(split_lots):
    train, _ = split_lots
    return fit_price_model(train)


def test_price_model_beats_the_per_model_median(split_lots, price_model):
    train, test = split_lots
    predicted = price_model.predict(test.drop(columns=["price"]))
    baselines = baseline_predictions(train, test)
    model_error = rmsle(test["price"], predicted["p50"])
    assert model_error < 0.6 * rmsle(test["price"], baselines["model_median"])
    assert model_error < 0.25  # noise is 0.12 (log), the rest is year/mileage/project
    inside = (test["price"] >= predicted["p10"]) & (test["price"] <= predicted["p90"])
    assert 0.65 <= inside.mean() <= 0.97


def test_predict_keeps_order_and_index_and_orders_quantiles(split_lots, price_model):
    _, test = split_lots
    shuffled = test.sample(frac=1.0, random_state=1)
    shuffled.index = [f"lot-{i}" for i in range(len(shuffled))][::-1]
    predicted = price_model.predict(shuffled)
    assert list(predicted.columns) == ["p10", "p50", "p90"]
    assert list(predicted.index) == list(shuffled.index)
    one_by_one = pd.concat([price_model.predict(shuffled.iloc[[i]]) for i in (0, 5, 17)])
    pd.testing.assert_frame_equal(one_by_one, predicted.iloc[[0, 5, 17]])
    assert (predicted["p10"] <= predicted["p50"]).all()
    assert (predicted["p50"] <= predicted["p90"]).all()
    assert np.isfinite(predicted.to_numpy()).all() and (predicted.to_numpy() > 0).all()


def test_words_in_the_title_move_the_price(price_model):
    lot = {
        "make": "Porsche",
        "model": "911",
        "year": 1989,
        "mileage": 60_000.0,
        "sold_at": pd.Timestamp("2023-06-01"),
    }
    lots = pd.DataFrame(
        [
            {**lot, "title": "1989 Porsche 911"},
            {**lot, "title": "1989 Porsche 911 project car, needs work"},
            {**lot, "title": "1989 Porsche 911", "mileage": 200_000.0},
        ]
    )
    p50 = price_model.predict(lots)["p50"].to_numpy()
    assert p50[1] < 0.7 * p50[0]  # true effect: exp(-0.9) = 0.41
    assert p50[2] < 0.85 * p50[0]  # true effect: (200/60)^-0.3 = 0.70


def test_a_model_whose_market_moved_lately_is_priced_at_its_new_level(monkeypatch):
    """The 911's prices rise 35% four months before the cut-off: too few lots for a tree to
    split on, but its recent level carries the move into the test months."""
    from vintage_ai_assets.valuation import prices

    lots = synthetic_lots(2400, seed=5)
    moved = (lots["model"] == "911") & (pd.to_datetime(lots["sold_at"]) >= "2023-03-01")
    lots.loc[moved, "price"] *= np.exp(0.3)
    train, test = time_split(lots, "2023-07-01")
    moved_test = test[test["model"] == "911"]

    def bias(model) -> float:
        p50 = model.predict(moved_test)["p50"]
        return float(np.mean(np.log(moved_test["price"]) - np.log(p50)))

    assert abs(bias(fit_price_model(train))) < 0.04
    monkeypatch.setattr(prices, "RECENT_DAYS", 0)  # no recent level: the all-time one
    assert bias(fit_price_model(train)) > 0.06


def test_recent_level_counts_only_sales_before_the_lot():
    from vintage_ai_assets.valuation.prices import SMOOTHING, _RecentLevel

    level = _RecentLevel.fit(
        pd.Series(["a", "a", "a", "a", "b"]),
        np.array([0.0, 10.0, 10.0, 200.0, 5.0]),
        np.array([1.0, 2.0, 3.0, 4.0, 5.0]),
    )
    got, n = level.transform(
        pd.Series(["a", "a", "a", "a", "b", "c"]), np.array([10.0, 11.0, 200.0, 1000.0, 5.0, 3.0])
    )
    expected = [1 / (1 + SMOOTHING), 6 / (3 + SMOOTHING), 0.0, 4 / (1 + SMOOTHING), 0.0, 0.0]
    np.testing.assert_allclose(got, expected)  # day 200: [20, 200) is empty; day 1000: the
    np.testing.assert_allclose(np.expm1(n), [1, 3, 0, 1, 0, 0])  # latest 180 days it knows


def test_lots_without_a_description_are_priced_as_well_as_described_ones():
    """Trained on described lots, a bare lot (title only) is not priced low."""
    lots = synthetic_lots(900, seed=3)
    rng = np.random.default_rng(3)
    concours = rng.random(len(lots)) < 0.2
    lots["price"] = (lots["price"] * np.where(concours, 1.35, 1.0)).round(-1)
    lots["description"] = [
        f"Finished in {colour} over tan leather. The odometer shows {m:,.0f} miles. "
        f"{'Concours winner, restored to perfection. ' if c else 'Recent service. '}"
        "Offered with books, tools and records from new."
        for colour, m, c in zip(
            rng.choice(["red", "silver", "black", "white"], len(lots)),
            lots["mileage"].fillna(60_000),
            concours,
            strict=True,
        )
    ]
    train, test = time_split(lots, "2023-01-01", 12)
    model = fit_price_model(train)
    described = model.predict(test)["p50"].to_numpy()
    bare = model.predict(test.drop(columns="description"))["p50"].to_numpy()
    actual = test["price"].to_numpy()
    assert 0.9 < np.median(bare / actual) < 1.1
    assert rmsle(actual, bare) < rmsle(actual, described) + 0.1
    assert rmsle(actual, described) < 0.25


def test_unseen_models_and_missing_values_still_get_a_range(price_model):
    lots = pd.DataFrame(
        {
            "make": ["Lamborghini", "Porsche", "Ferrari"],
            "model": ["Countach", "959", "308 GTB"],
            "year": [1988, np.nan, 1980],
            "mileage": [np.nan, 20_000.0, np.nan],
            "sold_at": pd.to_datetime(["2023-05-01", "2023-05-01", None]),
            "title": ["1988 Lamborghini Countach", "Porsche 959", None],
        }
    )
    predicted = price_model.predict(lots)
    assert len(predicted) == 3 and np.isfinite(predicted.to_numpy()).all()
    assert (predicted["p10"] <= predicted["p50"]).all()
    assert (predicted["p50"] <= predicted["p90"]).all()
    assert price_model.predict(lots.iloc[:0]).empty


def test_missing_required_columns_are_named(split_lots, price_model):
    train, test = split_lots
    with pytest.raises(ValueError, match="mileage"):
        fit_price_model(train.drop(columns=["mileage"]))
    with pytest.raises(ValueError, match="price"):
        fit_price_model(train.drop(columns=["price"]))
    with pytest.raises(ValueError, match="sold_at"):
        price_model.predict(test.drop(columns=["sold_at", "price"]))


def test_price_model_is_deterministic_and_reads_attributes():
    lots = synthetic_lots(n=300, seed=3)
    flags = lots["title"].str.contains("project")
    lots["attributes"] = [
        f'{{"is_project_car": "{int(f)}", "Seller Type": "{"Dealer" if i % 3 else "Private"}"}}'
        for i, f in enumerate(flags)
    ]
    lots["title"] = lots["title"].str.replace(" project car, needs work", "", regex=False)
    first = fit_price_model(lots)
    second = fit_price_model(lots)
    pd.testing.assert_frame_equal(first.predict(lots), second.predict(lots))
    assert {"x_is_project_car", "c_seller_type"} <= set(first.feature_names)
    project = lots[flags].head(20)
    as_clean = project.assign(attributes='{"is_project_car": "0", "Seller Type": "Dealer"}')
    assert (first.predict(project)["p50"] < first.predict(as_clean)["p50"]).mean() > 0.8


# ---------------------------------------------------------------- value direction


def synthetic_index(cars: int = 24, months: int = 72, seed: int = 0) -> pd.DataFrame:
    """Monthly index series whose trend (up or down) persists for 18–30 months at a time."""
    rng = np.random.default_rng(seed)
    calendar = pd.date_range("2019-01-01", periods=months, freq="MS")
    rows = []
    for car in range(cars):
        level, drift, left = np.log(50_000), rng.choice([-0.02, 0.02]), rng.integers(6, 30)
        for month in calendar:
            if left == 0:
                drift, left = -drift, rng.integers(18, 31)
            left -= 1
            level += drift + rng.normal(0, 0.005)
            rows.append(
                {
                    "car": f"car-{car:02d}",
                    "month": month,
                    "lots": int(rng.integers(3, 9)),
                    "median_price": np.exp(level),
                    "index_value": np.exp(level + rng.normal(0, 0.01)),
                    "valuation": np.nan,
                }
            )
    return pd.DataFrame(rows)


def test_backtest_beats_always_up_and_base_rate_on_persistent_trends():
    result = backtest_direction(synthetic_index(), step=2)
    metrics = result.metrics
    assert result.series == 24 and len(result.origins) >= 15
    assert metrics["model"]["brier"] < metrics["always_up"]["brier"] - 0.1
    assert metrics["model"]["brier"] < metrics["base_rate"]["brier"] - 0.05
    assert metrics["model"]["accuracy"] > 0.7


def test_backtest_never_sees_the_future():
    index = synthetic_index(cars=12, months=60, seed=1)
    origin = pd.Timestamp("2022-06-01")
    later = index["month"] > origin
    scrambled = index.copy()
    rng = np.random.default_rng(5)
    scrambled.loc[later, "index_value"] *= rng.lognormal(0, 1.0, later.sum())
    scrambled.loc[later, "lots"] = 1
    runs = [
        backtest_direction(data, first_origin=origin, step=3).predictions
        for data in (index, scrambled)
    ]
    at_origin = [run[run["origin"] == origin].set_index("car") for run in runs]
    assert len(at_origin[0]) == 12
    np.testing.assert_allclose(at_origin[0]["model"], at_origin[1]["model"])
    for run in runs:
        assert (run["trained_through"] <= run["origin"]).all()
    # The same holds for a model fitted "as of" the origin.
    models = [fit_direction_model(data, as_of=origin) for data in (index, scrambled)]
    assert models[0].trained_through <= origin and models[0].train_rows == models[1].train_rows
    frame = direction_features(index[index["month"] <= origin])
    now = frame[frame["month"] == origin]
    np.testing.assert_allclose(models[0].predict_proba(now), models[1].predict_proba(now))


def test_latest_direction_flags_short_histories():
    index = synthetic_index(cars=10, months=48, seed=2)
    young = index[index["car"] == "car-00"].tail(5).assign(car="newcomer")
    unpriced = young.assign(car="two-lots", index_value=np.nan)  # no hedonic index yet
    stopped = index[index["car"] == "car-01"].iloc[:-6].assign(car="stopped")
    index = pd.concat([index, young, unpriced, stopped], ignore_index=True)
    model = fit_direction_model(index)
    latest = latest_direction(model, index).set_index("car")
    assert len(latest) == 13
    for car in ("newcomer", "two-lots"):
        assert latest.loc[car, "status"] == INSUFFICIENT
        assert latest.loc[car, "probability"] == pytest.approx(model.base_rate)
    assert latest.loc["stopped", "status"] == NO_RECENT_SALES
    assert latest.loc["stopped", "months_since_sale"] == 6
    assert latest.loc["stopped", "probability"] == pytest.approx(model.base_rate)
    assert (latest.drop(index=["newcomer", "two-lots", "stopped"])["status"] == OK).all()
    assert latest["probability"].between(0, 1).all()
    # Too little labelled history overall: the base rate, never a confident number.
    tiny = fit_direction_model(index[index["month"] < "2019-10-01"])
    assert tiny.estimator is None
    assert (latest_direction(tiny, index)["probability"] == tiny.base_rate).all()


def test_attention_features_are_used_when_present_and_optional():
    index = synthetic_index(cars=10, months=48, seed=4)
    attention = index[["car", "month"]].assign(
        mentions=np.random.default_rng(0).poisson(20, len(index)), sentiment=0.1
    )
    with_attention = fit_direction_model(index, attention)
    assert "att_mentions_level" in with_attention.features
    assert "att_sentiment_change" in with_attention.features
    latest = latest_direction(with_attention, index, attention)
    assert (latest["status"] == OK).all() and latest["probability"].between(0, 1).all()
    assert not any(f.startswith("att_") for f in fit_direction_model(index).features)


# ---------------------------------------------------------------- real Cars & Bids lots


def test_real_carsandbids_prices_and_direction(shared_data, catalog):
    from vintage_ai_assets.evaluation.value_direction import build_series
    from vintage_ai_assets.series.price_index import monthly_price_index

    lots, status = load_auction_lots(shared_data)
    assert lots is not None, status
    assert len(lots) == 30_774
    # A slice keeps the test quick: one make, two years of training, half a year of test.
    some = lots[lots["make"] == "Porsche"]
    some = some[some["sold_at"] >= "2023-03-01"]
    train, test = time_split(some, "2025-03-01", test_months=6)
    model = fit_price_model(train)
    predicted = model.predict(test)
    baselines = baseline_predictions(train, test)
    model_error = rmsle(test["price"], predicted["p50"])
    assert model_error < rmsle(test["price"], baselines["model_median"]) - 0.05
    inside = (test["price"] >= predicted["p10"]) & (test["price"] <= predicted["p90"])
    assert 0.65 <= inside.mean() <= 0.95

    series_lots, series = build_series(lots, catalog)
    assert {"porsche-996", "mercedes-sl-r129"} <= set(series["car"])
    backtest = backtest_direction(
        monthly_price_index(series_lots), first_origin=pd.Timestamp("2022-06-01"), step=6
    )
    assert backtest.series >= 30
    assert backtest.metrics["model"]["brier"] < backtest.metrics["always_up"]["brier"]
    assert backtest.metrics["model"]["brier"] < 0.25


def test_monthly_theme_features_flag_a_theme_taking_over():
    from vintage_ai_assets.valuation.per_car import monthly_attention, monthly_theme_features

    months = pd.date_range("2026-01-01", periods=5, freq="MS")
    shares = pd.DataFrame(
        {
            "car": "ferrari-355-gtb",
            "month": list(months) * 2,
            "topic_id": [0] * 5 + [1] * 5,
            "share": [0.5, 0.5, 0.5, 0.2, 0.1] + [0.1, 0.1, 0.1, 0.6, 0.8],
        }
    )
    features = monthly_theme_features(shares).set_index("month")
    assert features["theme_top_share"].tolist() == pytest.approx([0.5, 0.5, 0.5, 0.6, 0.8])
    # April: theme 1 at 0.6 against 0.1 in the three months before.
    assert features.loc["2026-04-01", "theme_rise"] == pytest.approx(0.5)
    assert features.loc["2026-02-01", "theme_rise"] == pytest.approx(0.0)
    daily = pd.DataFrame(
        {
            "car": "ferrari-355-gtb",
            "date": pd.date_range("2026-01-01", "2026-05-31", freq="D"),
            "mentions": 2,
            "scored": 2,
            "sentiment": 0.1,
        }
    )
    attention = monthly_attention(daily, shares)
    assert list(attention.columns) == [
        "car", "month", "mentions", "sentiment", "theme_top_share", "theme_rise"
    ]  # fmt: skip
    assert len(attention) == 5 and attention["theme_rise"].notna().sum() >= 4
