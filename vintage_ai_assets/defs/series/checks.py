"""The daily series and the price index: checks of this layer (the repeated ones from the factories)."""

import dagster as dg

from vintage_ai_assets.defs.platform.check_factories import (
    CheckView,
    Rule,
    check_result,
    known_cars_rule,
    layer_checks,
    not_future_rule,
    unique_rule,
)


def _every_car_every_day(view: CheckView) -> dg.AssetCheckResult:
    failing = view.query(
        "WITH days AS (SELECT DISTINCT date FROM series.car_daily), cars AS (SELECT unnest(?) AS car) "
        "SELECT cars.car, days.date FROM cars CROSS JOIN days "
        "ANTI JOIN series.car_daily d ON d.car = cars.car AND d.date = days.date LIMIT 20",
        [view.slugs],
    )
    return check_result(failing, view.count("series.car_daily"), "one row per catalog car and day")


rules = [
    unique_rule(["series", "car_daily"], ["car", "date"]),
    known_cars_rule(["series", "car_daily"]),
    not_future_rule(["series", "car_daily"], "date"),
    Rule(
        ("series", "car_daily"),
        "every_car_every_day",
        "every catalog car has a row for every day in the series",
        _every_car_every_day,
    ),
    unique_rule(["series", "price_index"], ["car", "month"]),
    known_cars_rule(["series", "price_index"]),
]

checks = [layer_checks("series", rules)]
