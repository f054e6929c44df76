"""Value direction, price models and estimates: checks of this layer (the repeated ones from the factories)."""

import dagster as dg

from vintage_ai_assets.defs.platform.check_factories import (
    check_result,
    count_rows,
    known_cars_check,
    unique_check,
)
from vintage_ai_assets.defs.platform.resources import WarehouseResource

checks = [
    known_cars_check(["models", "value_direction"]),
    known_cars_check(["models", "price_models"]),
    unique_check(["forecasts", "price_estimates"], ["car", "kind", "lot_id"]),
]


@dg.asset_check(
    asset=dg.AssetKey(["models", "value_direction"]),
    name="probability_in_range",
    blocking=True,
    description="each car's probability of a higher index in 6 months is within 0..1",
)
def probability_in_range(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    store = warehouse.get()
    failing = store.query(
        "SELECT car, probability, status FROM models.value_direction "
        "WHERE probability IS NULL OR probability < 0 OR probability > 1 LIMIT 20"
    )
    return check_result(
        failing, count_rows(store, "models.value_direction"), "0 <= probability <= 1"
    )


@dg.asset_check(
    asset=dg.AssetKey(["forecasts", "price_estimates"]),
    name="ordered_price_quantiles",
    blocking=True,
    description="every price estimate is positive with p10 <= p50 <= p90",
)
def ordered_price_quantiles(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    store = warehouse.get()
    failing = store.query(
        "SELECT car, kind, lot_id, p10, p50, p90 FROM forecasts.price_estimates "
        "WHERE NOT (p10 > 0 AND p10 <= p50 * (1 + 1e-9) AND p50 <= p90 * (1 + 1e-9)) LIMIT 20"
    )
    return check_result(
        failing, count_rows(store, "forecasts.price_estimates"), "0 < p10 <= p50 <= p90"
    )
