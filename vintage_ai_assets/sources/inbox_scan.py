"""Cheap scans of inbox files for the days their records were written: the inbox sensor's
work per tick, which must stay a few seconds for a 500 MB archive (a sensor tick times out
after 60 s).

JSON lines (Reddit and social archives, mail dumps), plain, ``.gz`` or ``.zst``, are read
in large chunks and searched with a byte pattern for the date field (``"created_utc":``
and its value); only the values are converted, epoch numbers all at once with numpy, so
no record is JSON-parsed. A line is parsed in full, exactly as the readers do, only when
the pattern alone could be wrong about it: its value is not a plain number or string
(``null``, an object, an escaped or very long string or number), the field occurs twice
in it (a duplicate or nested key), or it does not look like one object (does not start
with ``{`` and end with ``}``: a line cut short). Lines that are not UTF-8 are ignored, as
the readers ignore them, and so are lines without the field.

What the scan finds equals what parsing every line finds (tests compare the two), but
for lines that look like one JSON object yet are not valid JSON, or whose only date field
is nested in another object: their date counts here, so the scan may find a day more,
never one less. (Never one less but for a key written with ``\\u`` escapes that it does
not need, ``"created\\u005futc"``: not recognised.) A field whose name JSON may only write
with escapes (quotes, backslashes, non-ASCII) and UTF-16/32 files are left to the full
parse (:func:`scan_json` returns None).

mbox files: only each message's first ``Date:`` header is read (with its continuation
lines), as the mail reader's e-mail parser reads it; a message over 4 MiB counts as
having no date, as the reader rejects it. (A message the e-mail package cannot parse at
all is rejected by the reader; its Date header counts here.)

Both stop after ``limit`` bytes of text when given one; the result then says it is
incomplete and holds what was found so far.
"""

from __future__ import annotations

import codecs
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import numpy as np

from vintage_ai_assets.sources.mailing_list import MAX_MESSAGE_BYTES, open_binary
from vintage_ai_assets.sources.parsing import parse_json_line, to_utc_naive
from vintage_ai_assets.sources.text_files import bom_encoding

#: Bytes of text searched at a time (a longer line grows the buffer).
CHUNK_BYTES = 32 * 2**20
_DECODE_BYTES = 4 * 2**20
_EPOCH = date(1970, 1, 1)
# Epoch seconds safely inside the years datetime takes (1..9999): converted with numpy;
# any other value (NaN, far past or future) goes through ``to_utc_naive``.
_LOW, _HIGH = -6.2e10, 2.5e11
_OPEN, _CLOSE, _CR = ord("{"), ord("}"), ord("\r")
# The mail reader's mbox rules (mailing_list.iter_mbox) and the e-mail parser's header line.
_FROM_LINE = re.compile(rb"^From \S{1,300} +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b")
_ESCAPED_FROM = re.compile(rb"^>+From ")
_HEADER_LINE = re.compile(rb"^(From |[\041-\071\073-\176]*:|[\t ])")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


@dataclass
class ScanResult:
    """The days (UTC) a file's records were written, the first and last record time, the
    bytes of text read, and whether the file was read to its end."""

    days: set[date] = field(default_factory=set)
    first: datetime | None = None
    last: datetime | None = None
    scanned: int = 0
    complete: bool = True


class Moments:
    """Collects record times: datetimes one by one, epoch seconds as numpy arrays."""

    def __init__(self) -> None:
        self.days: set[date] = set()
        self._epoch_days: set[int] = set()
        self.first: datetime | None = None
        self.last: datetime | None = None
        self._low = np.inf
        self._high = -np.inf

    def add(self, moment: datetime | None) -> None:
        if moment is None:
            return
        self.days.add(moment.date())
        if self.first is None or moment < self.first:
            self.first = moment
        if self.last is None or moment > self.last:
            self.last = moment

    def add_epochs(self, values: np.ndarray) -> None:
        """Epoch seconds, each taken as ``to_utc_naive`` takes it (``datetime.fromtimestamp``:
        microseconds rounded half to even, years 1..9999)."""
        if not len(values):
            return
        inside = (values > _LOW) & (values < _HIGH)
        for value in values[~inside]:  # rare: NaN, infinities, far past or future
            self.add(to_utc_naive(float(value)))
        values = values[inside]
        if not len(values):
            return
        seconds = np.trunc(values)
        micros = np.round((values - seconds) * 1e6)
        seconds += (micros >= 1e6).astype(np.float64) - (micros < 0).astype(np.float64)
        self._epoch_days.update(np.unique(np.floor_divide(seconds, 86400)).astype(int).tolist())
        self._low = min(self._low, float(values.min()))
        self._high = max(self._high, float(values.max()))

    def result(self, scanned: int, complete: bool) -> ScanResult:
        days = self.days | {_EPOCH + timedelta(days=d) for d in self._epoch_days}
        first, last = self.first, self.last
        if self._epoch_days:
            low, high = to_utc_naive(self._low), to_utc_naive(self._high)
            first = low if first is None or (low is not None and low < first) else first
            last = high if last is None or (high is not None and high > last) else last
        return ScanResult(days, first, last, scanned, complete)


# ----------------------------------------------------------------------------- JSON lines


def field_pattern(name: str) -> re.Pattern[bytes] | None:
    """The byte pattern of ``"name": value`` (None when JSON may only spell the name with
    escapes). Groups: 1 a number, 2 an epoch in a string, 3 another plain string; no group
    matched: any other value, whose line is parsed."""
    if not name or not name.isascii() or not name.isprintable() or any(c in name for c in '"\\'):
        return None
    return re.compile(
        re.escape(b'"' + name.encode() + b'"') + rb"[ \t\r]*:[ \t\r]*(?:"
        # a JSON number: no leading zero, not too long (longer ones are parsed)
        rb"(-?(?:0|[1-9]\d{0,19})(?:\.\d{1,20})?(?:[eE][+-]?\d{1,3})?)(?![\d.eE+-])"
        rb'|"(\d{1,20}(?:\.\d{1,20})?)"'  # "1767225600" or "1767225600.5"
        rb'|"([^"\\\x00-\x1f]{0,64})"'  # an ISO 8601 date or other text, without escapes
        rb"|)"
    )


def scan_json(path: Path, name: str, limit: int | None = None) -> ScanResult | None:
    """The days of the top-level field ``name`` of each line of a JSON-lines file (plain,
    ``.gz`` or ``.zst``); None when the file must be parsed in full instead (a UTF-16/32
    byte-order mark, or a field name the pattern cannot spell)."""
    pattern = field_pattern(name)
    if pattern is None:
        return None
    with open_binary(path) as stream:
        if bom_encoding(stream.peek(4)[:4]) in ("utf-16", "utf-32"):
            return None
        moments = Moments()
        scanned, complete = 0, True
        size = path.stat().st_size
        compressed = path.name.lower().endswith((".gz", ".zst"))
        for buffer, end, filled in _chunks(stream, size * 16 if compressed else size + 1):
            _scan_chunk(buffer, end, pattern, name, moments)
            scanned += end
            if limit is not None and scanned >= limit and (filled > end or stream.peek(1)):
                complete = False
                break
    return moments.result(scanned, complete)


def _chunks(stream: BinaryIO, expected: int) -> Iterator[tuple[bytearray, int, int]]:
    """(buffer, end, filled): the buffer's first ``end`` bytes are whole lines of ``stream``
    (the last one may lack its newline at the end of the file), the bytes up to ``filled``
    the start of the next line. One buffer is reused (:data:`CHUNK_BYTES`, less for a file
    expected to be smaller), grown for a line longer than it."""
    buffer = bytearray(min(CHUNK_BYTES, max(2**16, expected)))
    have = 0
    while True:
        with memoryview(buffer) as view:
            count = stream.readinto(view[have:])
        filled = have + (count or 0)
        if not count:  # the end of the file
            if filled:
                yield buffer, filled, filled
            return
        end = buffer.rfind(b"\n", have, filled) + 1
        if end == 0:  # no line ends yet: read on
            if filled == len(buffer):
                buffer.extend(bytes(len(buffer)))
            have = filled
            continue
        yield buffer, end, filled
        buffer[: filled - end] = buffer[end:filled]
        have = filled - end


def _undecodable_lines(buffer: bytearray, end: int) -> set[int]:
    """The starts of the lines in ``buffer[:end]`` that are not UTF-8 (the readers ignore
    them). Decoded a few MiB at a time, cut at line ends."""
    bad: set[int] = set()
    start = 0
    with memoryview(buffer) as view:
        while start < end:
            stop = buffer.find(b"\n", min(start + _DECODE_BYTES, end) - 1, end) + 1 or end
            try:
                codecs.utf_8_decode(view[start:stop], "strict", True)
                start = stop
            except UnicodeDecodeError as exc:
                where = start + exc.start
                bad.add(buffer.rfind(b"\n", 0, where) + 1)
                following = buffer.find(b"\n", where, end)
                start = end if following < 0 else following + 1
    return bad


def _scan_chunk(
    buffer: bytearray, end: int, pattern: re.Pattern[bytes], name: str, moments: Moments
) -> None:
    """Add the dates of the whole lines in ``buffer[:end]``."""
    # (the whole buffer is checked for ASCII first: its bytes past ``end`` are text too)
    undecodable = set() if buffer.isascii() else _undecodable_lines(buffer, end)
    rfind, find = buffer.rfind, buffer.find
    numbers: list[bytes] = []
    texts: list[bytes] = []
    parse: list[int] = []  # starts of the lines to parse in full
    line = -1
    added: list[bytes] | None = None  # where this line's value went (None: nowhere)
    for match in pattern.finditer(buffer, 0, end):
        at = match.start()
        start = rfind(b"\n", 0, at) + 1
        if start == line:  # the field again in one line: parse it
            if added is not None:
                added.pop()
                parse.append(start)
                added = None
            continue
        line, added = start, None
        if start in undecodable:
            continue
        group = match.lastindex
        stop = find(b"\n", at, end)
        stop = end if stop < 0 else stop
        if stop > start and buffer[stop - 1] == _CR:
            stop -= 1
        if group is None or buffer[start] != _OPEN or buffer[stop - 1] != _CLOSE:
            parse.append(start)
        else:
            added = texts if group == 3 else numbers
            added.append(match.group(group))
    if numbers:
        moments.add_epochs(np.array(numbers).astype(np.float64))
    for text in set(texts):
        moments.add(to_utc_naive(text.decode("utf-8")))
    for start in parse:
        stop = find(b"\n", start, end)
        obj, _error = parse_json_line(bytes(buffer[start : end if stop < 0 else stop]))
        moments.add(to_utc_naive(obj.get(name)) if isinstance(obj, dict) else None)


# ----------------------------------------------------------------------------- mbox


def scan_mbox(path: Path, limit: int | None = None) -> ScanResult:
    """The days of the first ``Date:`` header of each message of an mbox file (messages
    split as the mail reader splits them; headers read as the e-mail parser reads them)."""
    moments = Moments()
    scanned, complete = 0, True
    with open_binary(path) as stream:
        previous_blank, started, in_headers, in_date = True, False, False, False
        size, date_lines = 0, None
        for raw in stream:
            scanned += len(raw)
            if previous_blank and _FROM_LINE.match(raw):
                if started:
                    moments.add(_message_time(date_lines, size))
                started, in_headers, in_date, size, date_lines = True, True, False, 0, None
                previous_blank = False
                if limit is not None and scanned >= limit:
                    complete = not stream.peek(1)
                    break
                continue
            previous_blank = not raw.strip()
            if not started:
                continue
            line = raw[1:] if raw[:1] == b">" and _ESCAPED_FROM.match(raw) else raw
            size += len(line)
            if not in_headers:
                continue
            if not _HEADER_LINE.match(line):  # a blank line (or body text) ends the headers
                in_headers = False
            elif line[:1] in (b" ", b"\t"):  # a continuation line
                if in_date:
                    date_lines.append(line)
            else:
                in_date = date_lines is None and line[:5].lower() == b"date:"
                if in_date:
                    date_lines = [line[5:].lstrip(b" \t")]
        else:
            if started:
                moments.add(_message_time(date_lines, size))
    return moments.result(scanned, complete)


def _message_time(date_lines: list[bytes] | None, size: int) -> datetime | None:
    """A message's time as the mail reader finds it (naive UTC): its first Date header,
    unfolded, parsed by the e-mail package's date header and read again from its text;
    None for a message over 4 MiB (rejected by the reader)."""
    if date_lines is None or size > MAX_MESSAGE_BYTES:
        return None
    text = b"".join(date_lines).decode("ascii", "surrogateescape")
    value = "".join(_LINE_BREAKS.split(text))
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
        moment = email.utils.parsedate_to_datetime(email.utils.format_datetime(moment))
    except Exception:  # the e-mail package raises many kinds on broken dates
        return None
    return to_utc_naive(moment.isoformat())
