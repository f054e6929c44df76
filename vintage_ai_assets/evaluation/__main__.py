"""Run every evaluation (`make eval`): car matching, sentiment, themes.

Each prints its table and writes JSON under benchmarks/results/.
"""

from __future__ import annotations

import sys

from vintage_ai_assets.evaluation import matching, sentiment, themes


def main() -> int:
    for name, module in (("matching", matching), ("sentiment", sentiment), ("themes", themes)):
        print(f"\n=== {name} ===")
        module.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
