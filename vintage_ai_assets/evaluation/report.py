"""How an evaluation hands over its figures: the table on the terminal, the JSON on disk."""

from __future__ import annotations

import json
from pathlib import Path


def publish(result: dict, table: str, out: Path) -> None:
    """Print ``table`` and write ``result`` as JSON to ``out`` (folders made as needed)."""
    print(table)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")
