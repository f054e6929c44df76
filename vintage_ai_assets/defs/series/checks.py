"""The daily series and the price index: checks of this layer (the repeated ones from the factories)."""

import dagster as dg

from vintage_ai_assets.defs.platform.check_factories import (
    check_result,
    count_rows,
    known_cars_check,
    not_future_check,
    unique_check,
)
from vintage_ai_assets.defs.platform.resources import CatalogResource, WarehouseResource

checks = [
    unique_check(["series", "car_daily"], ["car", "date"]),
    known_cars_check(["series", "car_daily"]),
    not_future_check(["series", "car_daily"], "date"),
    unique_check(["series", "price_index"], ["car", "month"]),
    known_cars_check(["series", "price_index"]),
]


@dg.asset_check(
    asset=dg.AssetKey(["series", "car_daily"]),
    name="every_car_every_day",
    blocking=True,
    description="every catalog car has a row for every day in the series",
)
def every_car_every_day(
    warehouse: WarehouseResource, catalog: CatalogResource
) -> dg.AssetCheckResult:
    store = warehouse.get()
    failing = store.query(
        "WITH days AS (SELECT DISTINCT date FROM series.car_daily), cars AS (SELECT unnest(?) AS car) "
        "SELECT cars.car, days.date FROM cars CROSS JOIN days "
        "ANTI JOIN series.car_daily d ON d.car = cars.car AND d.date = days.date LIMIT 20",
        [catalog.load().slugs],
    )
    return check_result(
        failing, count_rows(store, "series.car_daily"), "one row per catalog car and day"
    )
