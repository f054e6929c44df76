"""Reading text files: their encoding (UTF-8, or UTF-16/32 with a byte-order mark) and their
CSV rows."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path


class TextEncodingError(ValueError):
    """A text file is neither UTF-8 nor UTF-16/32 with a byte-order mark."""


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_encoding(head: bytes) -> str | None:
    """The encoding whose byte-order mark starts ``head`` (UTF-32 before UTF-16), or None."""
    return next((name for bom, name in _BOMS if head.startswith(bom)), None)


def text_encoding(path: Path) -> str:
    """The encoding to read a text file with: UTF-8 (a BOM is skipped), or UTF-16/32 when
    the file starts with their byte-order mark. The whole file is checked first, so a file
    is read completely or not at all; raises :class:`TextEncodingError` giving the offset
    of the first undecodable byte (e.g. of a latin-1 or cp1252 export)."""
    with path.open("rb") as handle:
        head = handle.read(4)
        encoding = bom_encoding(head) or "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        offset = 0
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise TextEncodingError(
                f"not {encoding.removesuffix('-sig').upper()} text "
                f"(undecodable byte at offset {offset + max(exc.start, 0)}); save it as UTF-8"
            ) from None
    return encoding


def csv_rows(reader: csv.DictReader) -> Iterator[tuple[int, dict | None, str | None]]:
    """(record number counted from 2, row or None, None or why the row is unreadable).

    A malformed row (e.g. a field over the csv module's size limit) is reported and the
    reader goes on with the next line, so one bad row does not hide the rest of the file.
    """
    number = 1
    while True:
        number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield number, None, f"unreadable CSV row: {exc}"
            continue
        yield number, row, None
