"""The per-car reports: checks of this layer (the repeated ones from the factories)."""

import dagster as dg

from vintage_ai_assets.defs.platform.check_factories import check_result, count_rows
from vintage_ai_assets.defs.platform.resources import CatalogResource, WarehouseResource


@dg.asset_check(
    asset=dg.AssetKey(["reports", "car_reports"]),
    name="report_for_every_car",
    description="every catalog car has a report that names it",
)
def report_for_every_car(
    warehouse: WarehouseResource, catalog: CatalogResource
) -> dg.AssetCheckResult:
    store = warehouse.get()
    failing = store.query(
        "SELECT c.car, 'missing' AS problem FROM (SELECT unnest(?) AS car) c "
        "ANTI JOIN reports.car_reports r USING (car) "
        "UNION ALL SELECT car, 'does not name the car' FROM reports.car_reports "
        "WHERE position(car IN markdown) = 0 LIMIT 20",
        [catalog.load().slugs],
    )
    return check_result(
        failing,
        count_rows(store, "reports.car_reports"),
        "one report per catalog car",
        severity=dg.AssetCheckSeverity.WARN,
    )
