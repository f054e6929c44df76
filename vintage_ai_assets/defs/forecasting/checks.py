"""The attention forecasters and their forecasts: checks of this layer (the repeated ones from the factories)."""

import dagster as dg

from vintage_ai_assets.defs.platform.check_factories import (
    CheckView,
    Rule,
    check_result,
    known_cars_rule,
    layer_checks,
    unique_rule,
)
from vintage_ai_assets.defs.platform.freshness import every_car_fresh_rule


def _forecasts_cover_catalog(view: CheckView) -> dg.AssetCheckResult:
    failing = view.query(
        "SELECT car, target, 'missing' AS problem FROM (SELECT unnest(?) AS car) "
        "CROSS JOIN (SELECT unnest(['mentions', 'sentiment']) AS target) "
        "ANTI JOIN forecasts.car_forecasts f USING (car, target) "
        "UNION ALL SELECT car, target, 'quantiles out of order' FROM forecasts.car_forecasts "
        "WHERE NOT (p10 <= p50 + 1e-9 AND p50 <= p90 + 1e-9) LIMIT 20",
        [view.slugs],
    )
    return check_result(
        failing,
        view.count("forecasts.car_forecasts"),
        "every car forecast; ordered quantiles",
        severity=dg.AssetCheckSeverity.WARN,
    )


checks = [
    layer_checks("attention_models", [known_cars_rule(["models", "attention_models"])]),
    layer_checks(
        "car_forecasts",
        [
            unique_rule(["forecasts", "car_forecasts"], ["car", "target", "date"]),
            Rule(
                ("forecasts", "car_forecasts"),
                "forecasts_cover_catalog",
                "every catalog car has both forecasts, with p10 <= p50 <= p90",
                _forecasts_cover_catalog,
                blocking=False,
            ),
            every_car_fresh_rule(["forecasts", "car_forecasts"]),
        ],
    ),
]
