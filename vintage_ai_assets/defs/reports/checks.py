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


def _no_recent_alerts(view: CheckView) -> dg.AssetCheckResult:
    failing = view.query(
        "SELECT car, kind, label, raised_on, until, message FROM reports.car_alerts "
        "WHERE active OR until > (SELECT max(date) FROM series.car_daily) - INTERVAL 28 DAY "
        "ORDER BY raised_on DESC LIMIT 20"
    )
    return check_result(
        failing,
        view.count("reports.car_alerts"),
        "no alert held in the last 28 days (a failure lists the cars to look at)",
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
            ),
            Rule(
                ("reports", "car_alerts"),
                "no_recent_alerts",
                "no car's sentiment fell, theme grew fast or volume spiked in the last 28 days "
                "(a warning that lists the alerts)",
                _no_recent_alerts,
                blocking=False,
            ),
        ],
    )
]
