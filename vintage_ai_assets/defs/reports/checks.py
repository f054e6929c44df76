"""The per-car reports: checks of this layer (the repeated ones from the factories)."""

import dagster as dg

from vintage_ai_assets.defs.platform.check_factories import (
    CheckView,
    Rule,
    check_result,
    layer_checks,
)


def _report_for_every_car(view: CheckView) -> dg.AssetCheckResult:
    failing = view.query(
        "SELECT c.car, 'missing' AS problem FROM (SELECT unnest(?) AS car) c "
        "ANTI JOIN reports.car_reports r USING (car) "
        "UNION ALL SELECT car, 'does not name the car' FROM reports.car_reports "
        "WHERE position(car IN markdown) = 0 LIMIT 20",
        [view.slugs],
    )
    return check_result(
        failing,
        view.count("reports.car_reports"),
        "one report per catalog car",
        severity=dg.AssetCheckSeverity.WARN,
    )


checks = [
    layer_checks(
        "reports",
        [
            Rule(
                ("reports", "car_reports"),
                "report_for_every_car",
                "every catalog car has a report that names it",
                _report_for_every_car,
                blocking=False,
            )
        ],
    )
]
