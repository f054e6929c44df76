"""The attention forecasters and their forecasts: checks of this layer (the repeated ones from the factories)."""

import dagster as dg

from vintage_ai_assets.defs.platform.check_factories import (
    check_result,
    count_rows,
    known_cars_check,
    unique_check,
)
from vintage_ai_assets.defs.platform.resources import CatalogResource, WarehouseResource

checks = [
    known_cars_check(["models", "attention_models"]),
    unique_check(["forecasts", "car_forecasts"], ["car", "target", "date"]),
]


@dg.asset_check(
    asset=dg.AssetKey(["forecasts", "car_forecasts"]),
    name="forecasts_cover_catalog",
    description="every catalog car has both forecasts, with p10 <= p50 <= p90",
)
def forecasts_cover_catalog(
    warehouse: WarehouseResource, catalog: CatalogResource
) -> dg.AssetCheckResult:
    store = warehouse.get()
    failing = store.query(
        "SELECT car, target, 'missing' AS problem FROM (SELECT unnest(?) AS car) "
        "CROSS JOIN (SELECT unnest(['mentions', 'sentiment']) AS target) "
        "ANTI JOIN forecasts.car_forecasts f USING (car, target) "
        "UNION ALL SELECT car, target, 'quantiles out of order' FROM forecasts.car_forecasts "
        "WHERE NOT (p10 <= p50 + 1e-9 AND p50 <= p90 + 1e-9) LIMIT 20",
        [catalog.load().slugs],
    )
    return check_result(
        failing,
        count_rows(store, "forecasts.car_forecasts"),
        "every car forecast; ordered quantiles",
        severity=dg.AssetCheckSeverity.WARN,
    )
