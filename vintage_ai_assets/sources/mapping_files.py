"""Field mappings of inbox files, as YAML: the user's beside the files, then the shipped ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

import yaml

from vintage_ai_assets.sources.inbox_listing import list_inbox_files


class Mapping(Protocol):
    files: str

    def applies_to(self, file_name: str) -> bool: ...


M = TypeVar("M", bound=Mapping)


def load_mapping_files(
    shipped: Path,
    extra_dir: Path | None,
    parse: Callable[[object, str], M],
    error: type[Exception],
) -> list[M]:
    """The mappings of ``extra_dir`` (its ``*.mapping.yaml``: regular files only, as for the
    data files) first, then the shipped ones in ``shipped``; the catch-all (``files: "*"``)
    last, so specific mappings win. A file that is not YAML raises ``error``."""
    files: list[Path] = []
    if extra_dir is not None:
        files += list_inbox_files(extra_dir, (".mapping.yaml",))
    files += sorted(shipped.glob("*.yaml"))
    mappings = []
    for file in files:
        try:
            mappings.append(parse(yaml.safe_load(file.read_text("utf-8")), str(file)))
        except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
            raise error(f"{file}: not valid YAML: {exc}") from None
    return sorted(mappings, key=lambda m: m.files == "*")


def mapping_for(file_name: str, mappings: list[M], error: type[Exception], kind: str) -> M:
    """The first mapping that applies to ``file_name``; ``error`` when none does."""
    for mapping in mappings:
        if mapping.applies_to(file_name):
            return mapping
    raise error(f"no {kind} mapping applies to {file_name}")
