"""Value direction, price models and estimates: checks of this layer (the repeated ones from the factories)."""

import dagster as dg

from vintage_ai_assets.defs.platform.check_factories import (
    CheckView,
    Rule,
    check_result,
    known_cars_rule,
    layer_checks,
    unique_rule,
)


def _probability_in_range(view: CheckView) -> dg.AssetCheckResult:
    failing = view.query(
        "SELECT car, probability, status FROM models.value_direction "
        "WHERE probability IS NULL OR probability < 0 OR probability > 1 LIMIT 20"
    )
    return check_result(failing, view.count("models.value_direction"), "0 <= probability <= 1")


def _ordered_price_quantiles(view: CheckView) -> dg.AssetCheckResult:
    failing = view.query(
        "SELECT car, kind, lot_id, p10, p50, p90 FROM forecasts.price_estimates "
        "WHERE NOT (p10 > 0 AND p10 <= p50 * (1 + 1e-9) AND p50 <= p90 * (1 + 1e-9)) LIMIT 20"
    )
    return check_result(failing, view.count("forecasts.price_estimates"), "0 < p10 <= p50 <= p90")


checks = [
    layer_checks(
        "value_models",
        [
            known_cars_rule(["models", "value_direction"]),
            Rule(
                ("models", "value_direction"),
                "probability_in_range",
                "each car's probability of a higher index in 6 months is within 0..1",
                _probability_in_range,
            ),
            known_cars_rule(["models", "price_models"]),
        ],
    ),
    layer_checks(
        "price_estimates",
        [
            unique_rule(["forecasts", "price_estimates"], ["car", "kind", "lot_id"]),
            Rule(
                ("forecasts", "price_estimates"),
                "ordered_price_quantiles",
                "every price estimate is positive with p10 <= p50 <= p90",
                _ordered_price_quantiles,
            ),
        ],
    ),
]
