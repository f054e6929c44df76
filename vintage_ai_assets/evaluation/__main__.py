"""Run every evaluation (`make eval`): owners' mail cleaning, language identification, car
matching (team and Reddit texts; owners' messages and captions), sentiment, themes, prices,
price ranges per auction source, value direction, attention forecasts (the last three on
the warehouse of `make demo`).

Each prints its table and writes JSON under benchmarks/results/.
"""

from __future__ import annotations

import sys

from vintage_ai_assets.evaluation import (
    attention,
    language,
    mail_cleaning,
    matching,
    owners_matching,
    price_sources,
    prices,
    sentiment,
    themes,
    value_direction,
)


def main() -> int:
    for name, module in (
        ("mail_cleaning", mail_cleaning),
        ("language", language),
        ("matching", matching),
        ("owners_matching", owners_matching),
        ("sentiment", sentiment),
        ("themes", themes),
        ("prices", prices),
        ("price_sources", price_sources),
        ("value_direction", value_direction),
        ("attention", attention),
    ):
        print(f"\n=== {name} ===")
        module.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
