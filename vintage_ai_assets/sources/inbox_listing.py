"""Which files of an inbox folder a reader takes: regular, visible files with its suffixes."""

from __future__ import annotations

from pathlib import Path


def list_inbox_files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Regular files in ``folder`` (not below it, no symlinks, no hidden files) with one of
    ``suffixes``, sorted by name."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if not p.is_symlink()
        and p.is_file()
        and not p.name.startswith(".")
        and p.name.lower().endswith(suffixes)
    )
