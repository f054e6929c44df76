"""Mailing-list archives from ``inbox/mail``: mbox files and JSONL message dumps.

Each message becomes a raw post: ``source`` is ``mail:<list>`` (the list's name, lower
case, dashes for spaces), ``community`` the list's name (``<group>: <list>`` when a dump
names the group that hosts per-model lists, as ``PorscheFans mailing list: 914``), ``title`` the subject, ``text``
the body as sent (quotes, signature and footer included: the clean layer reduces it to
the author's own words and the raw table keeps the original for display), ``author_hash``
a keyed hash of the sender, ``kind`` ``submission`` for a thread's first message and
``comment`` for a reply (``Re:``/``Fw:`` subject, ``In-Reply-To`` or ``References``).

Threads: the first id of ``References``, else ``In-Reply-To``, else the list and the
subject without ``Re:``/``Fw:`` prefixes, lower case (``thread_key`` of a JSONL dump
when it has one). Files:

- **mbox** (``.mbox``, ``.mbox.gz``, ``.mbox.zst``): messages start at ``From `` lines;
  the headers give ``Message-ID``, ``Date``, ``From``, ``Subject``, ``In-Reply-To``,
  ``References`` and ``List-Id`` (the list: its name, else its id; without one, the
  file's name); the body is the
  ``text/plain`` part (else the HTML part's text), decoded.
- **JSONL** (``.jsonl``, ``.ndjson``, plain, ``.gz`` or ``.zst``): one message per line,
  read through a field mapping (``sources/mappings/mail/*.yaml``, or
  ``<name>.mapping.yaml`` in the inbox folder): ``canonical.yaml`` reads our field
  names, ``porsche_lists.yaml`` the shared PorschePhiles/PorscheFans dump.

A message without a readable date, without an id, or without text is quarantined with its
reason; a repeated id in one file too.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import fnmatch
import gzip
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import zstandard

from vintage_ai_assets.sources import mapping_files
from vintage_ai_assets.sources.authors import author_hash, is_bot
from vintage_ai_assets.sources.file_spans import FileSpans, SpanTracker
from vintage_ai_assets.sources.inbox_listing import list_inbox_files
from vintage_ai_assets.sources.parsing import clean_text, parse_json_line, to_utc_naive
from vintage_ai_assets.sources.records import Quarantine, ReadResult, TimeWindow, posts_frame
from vintage_ai_assets.text import strip_markup

MBOX_SUFFIXES = (".mbox", ".mbox.gz", ".mbox.zst")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz", ".jsonl.zst", ".ndjson.zst")
SUFFIXES = MBOX_SUFFIXES + JSON_SUFFIXES
SHIPPED_MAPPINGS = Path(__file__).with_name("mappings") / "mail"
#: Our message fields: what a JSONL mapping may map.
FIELDS = (
    "id",
    "date",
    "author",
    "subject",
    "text",
    "list",
    "group",
    "thread",
    "message_id",
    "in_reply_to",
    "references",
)
REQUIRED = ("id", "date", "text")
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|aw|sv)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_LIST_ID = re.compile(r"<([^<>]{1,200})>")
_MSG_ID = re.compile(r"<[^<>\s]{1,500}>")
# "From sender@host Mon Apr 25 15:03:25 1994": a body line starting "From " is not one
_FROM_LINE = re.compile(rb"^From \S{1,300} +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b")


class MailMappingError(ValueError):
    """A mail field mapping is invalid."""


@dataclass(frozen=True)
class MailMapping:
    """How one JSONL dump's fields map onto our message fields."""

    name: str
    files: str = "*"
    fields: dict[str, str] = field(default_factory=dict)  # our field -> dump field
    author_is_hashed: bool = False  # the dump's author is already a pseudonym

    def applies_to(self, file_name: str) -> bool:
        return fnmatch.fnmatch(file_name.lower(), self.files.lower())

    def get(self, obj: dict, name: str) -> object:
        return obj.get(self.fields.get(name, name))


def parse_mapping(data: object, where: str) -> MailMapping:
    """Validate a mail mapping document."""
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise MailMappingError(f"{where}: a mapping needs a 'name'")
    fields = data.get("fields") or {}
    if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
        raise MailMappingError(f"{where}: 'fields' must map our fields to the dump's field names")
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise MailMappingError(f"{where}: unknown fields {sorted(unknown)}; known: {list(FIELDS)}")
    return MailMapping(
        name=data["name"],
        files=str(data.get("files", "*")),
        fields={str(k): v for k, v in fields.items()},
        author_is_hashed=bool(data.get("author_is_hashed", False)),
    )


def load_mappings(extra_dir: Path | None = None) -> list[MailMapping]:
    """User mappings (``*.mapping.yaml`` in ``extra_dir``) first, then the shipped ones; the
    catch-all (``files: "*"``) last."""
    return mapping_files.load_mapping_files(
        SHIPPED_MAPPINGS, extra_dir, parse_mapping, MailMappingError
    )


def mapping_for(file_name: str, mappings: list[MailMapping]) -> MailMapping:
    return mapping_files.mapping_for(file_name, mappings, MailMappingError, "mail")


# ------------------------------------------------------------------------- reading
def open_binary(path: Path) -> io.BufferedIOBase:
    """``path`` as a binary stream, decompressed when it ends in ``.gz`` or ``.zst``."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if name.endswith(".zst"):
        reader = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(path.open("rb"))
        return io.BufferedReader(reader, buffer_size=1 << 20)
    return path.open("rb")


def iter_mbox(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number of its ``From `` line, raw bytes) of each message of an mbox file.

    A message starts at a ``From sender weekday …`` line at the start of the file or after
    a blank line (mboxo/mboxrd); ``>From `` escapes in bodies are undone. A message over
    :data:`MAX_MESSAGE_BYTES` is yielded cut short (it is quarantined by the reader).
    """
    with open_binary(path) as stream:
        start, size, previous_blank = 0, 0, True
        lines: list[bytes] = []
        for number, line in enumerate(stream, start=1):
            if previous_blank and _FROM_LINE.match(line):
                if lines:
                    yield start, b"".join(lines)
                start, size, lines = number, 0, []
            elif start:
                if re.match(rb"^>+From ", line):
                    line = line[1:]
                if size <= MAX_MESSAGE_BYTES:
                    lines.append(line)
                    size += len(line)
            previous_blank = not line.strip()
        if lines:
            yield start, b"".join(lines)


def iter_json_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, raw line) of a plain, gzip or zstandard JSONL file."""
    with open_binary(path) as stream:
        yield from enumerate(stream, start=1)


def thread_subject(subject: str) -> str:
    """A subject without ``Re:``/``Fw:`` prefixes, whitespace folded, lower case."""
    return " ".join(_REPLY_PREFIX.sub("", subject or "").split()).lower()


def list_slug(name: str) -> str:
    """``PorscheFans 914`` -> ``porschefans-914``: the list part of a ``mail:`` source."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "list"


def _message_ids(value: object) -> list[str]:
    return _MSG_ID.findall(value) if isinstance(value, str) else []


def _body(message: email.message.EmailMessage) -> str:
    """The text/plain part (else the HTML part as text) of a parsed message."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    return strip_markup(content) if part.get_content_subtype() == "html" else content


def message_from_mbox(raw: bytes, list_name: str) -> tuple[dict | None, str | None]:
    """Our message fields from one raw mbox message, or the reason it is rejected."""
    if len(raw) > MAX_MESSAGE_BYTES:
        return None, "message larger than 4 MiB"
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        headers = {
            k: str(message.get(k, "") or "")
            for k in (
                "message-id",
                "date",
                "from",
                "subject",
                "in-reply-to",
                "references",
                "list-id",
            )
        }
        body = _body(message)
    except Exception as exc:  # the email package raises many kinds on broken input
        return None, f"unparsable message: {type(exc).__name__}"
    try:
        moment = email.utils.parsedate_to_datetime(headers["date"]) if headers["date"] else None
    except (TypeError, ValueError, IndexError):
        moment = None
    ids = _message_ids(headers["message-id"])
    list_id = _LIST_ID.search(headers["list-id"])
    phrase = headers["list-id"].split("<", 1)[0].strip().strip('"')
    _, sender = email.utils.parseaddr(headers["from"])
    return {
        "id": ids[0] if ids else None,
        "date": moment.isoformat() if moment else None,
        "author": sender or headers["from"] or None,
        "subject": headers["subject"],
        "text": body,
        "list": phrase or (list_id.group(1).split(".")[0] if list_id else None) or list_name,
        "message_id": ids[0] if ids else None,
        "in_reply_to": headers["in-reply-to"],
        "references": headers["references"],
    }, None


def message_from_json(obj: object, mapping: MailMapping) -> tuple[dict | None, str | None]:
    """Our message fields from one JSONL object through ``mapping``, or the reason."""
    if not isinstance(obj, dict):
        return None, "not a JSON object"
    return {name: mapping.get(obj, name) for name in FIELDS}, None


def post_from_message(
    msg: dict, locator: str, default_list: str, author_is_hashed: bool = False
) -> tuple[dict | None, str | None]:
    """A raw post row from our message fields, or the reason it is rejected."""
    missing = [k for k in REQUIRED if msg.get(k) in (None, "")]
    if missing:
        return None, f"missing {', '.join(missing)}"
    if not isinstance(msg["text"], str):
        return None, "text is not a string"
    created = to_utc_naive(msg["date"]) if not isinstance(msg["date"], datetime) else msg["date"]
    if created is None:
        return None, "date is not a date (ISO 8601, epoch or RFC 2822)"
    list_name = str(msg.get("list") or "").strip()[:100]
    group = str(msg.get("group") or "").strip()[:100]
    if group and list_name.lower() not in group.lower():
        list_name = f"{group}: {list_name}" if list_name else group
    list_name = list_name or group or default_list
    subject = msg.get("subject") if isinstance(msg.get("subject"), str) else ""
    references = _message_ids(msg.get("references"))
    reply_to = _message_ids(msg.get("in_reply_to"))
    thread = msg.get("thread")
    if references:
        thread_id = references[0]
    elif reply_to:
        thread_id = reply_to[0]
    elif isinstance(thread, str) and thread.strip():
        thread_id = thread.strip()
    else:
        thread_id = f"{list_name}::{thread_subject(subject)}"
    is_reply = bool(references or reply_to or _REPLY_PREFIX.match(subject))
    author = msg.get("author")
    source_id = str(msg["id"]).strip()[:200]
    source = f"mail:{list_slug(list_name)}"
    return {
        "record_id": f"{source}:{source_id}",
        "source": source,
        "source_id": source_id,
        "kind": "comment" if is_reply else "submission",
        "thread_id": clean_text(str(thread_id))[:300],
        "community": list_name,
        "created_at": created,
        "author_hash": author_hash(author),
        "author_is_bot": False if author_is_hashed else is_bot(author),
        "title": clean_text(subject)[:500],
        "text": clean_text(msg["text"]),
        "url": None,
        "car_hint": None,
        "score": 0,
        "replies": 0,
        "locator": locator,
    }, None


def _excerpt(raw: bytes) -> str:
    return raw[:200].decode("utf-8", "replace")


def iter_file_messages(
    path: Path, mappings: list[MailMapping] | None = None
) -> Iterator[tuple[str, dict | None, str | None, bytes]]:
    """(locator, our message fields or None, reason, raw excerpt) for each message of a file."""
    name = clean_text(path.name)
    if path.name.lower().endswith(MBOX_SUFFIXES):
        list_name = re.sub(r"\.mbox(\.gz|\.zst)?$", "", path.name, flags=re.IGNORECASE)
        for number, raw in iter_mbox(path):
            msg, reason = message_from_mbox(raw, list_name)
            yield f"{name}:{number}", msg, reason, raw[:200]
        return
    mapping = mapping_for(path.name, mappings if mappings is not None else load_mappings())
    for number, line in iter_json_lines(path):
        if not line.strip():
            continue
        obj, error = parse_json_line(line)
        if error is not None:
            yield f"{name}:{number}", None, error, line[:200]
            continue
        msg, reason = message_from_json(obj, mapping)
        yield f"{name}:{number}", msg, reason, line[:200]


def message_time(msg: dict | None) -> datetime | None:
    """When a message was written (naive UTC), if its date is readable."""
    if msg is None:
        return None
    value = msg.get("date")
    return value if isinstance(value, datetime) else to_utc_naive(value)


def read_archives(
    paths: Iterable[Path], window: TimeWindow, spans: FileSpans | None = None
) -> ReadResult:
    """Every message written inside ``window`` from these files; with ``spans``, files known
    to hold nothing inside ``window`` are not opened."""
    rows: list[dict] = []
    quarantine = Quarantine()
    read = files = 0
    mappings_by_dir: dict[Path, list[MailMapping]] = {}
    for path in paths:
        if spans is not None and spans.skip(path, window):
            continue
        files += 1
        name = clean_text(path.name)
        seen: set[str] = set()
        span = SpanTracker()
        default_list = re.sub(r"\.(mbox|jsonl|ndjson)(\.gz|\.zst)?$", "", path.name, flags=re.I)
        try:
            if path.parent not in mappings_by_dir:
                mappings_by_dir[path.parent] = load_mappings(path.parent)
            mappings = mappings_by_dir[path.parent]
            # a dump whose authors are pseudonyms already: no bot names to recognise
            hashed = not path.name.lower().endswith(MBOX_SUFFIXES) and (
                mapping_for(path.name, mappings).author_is_hashed
            )
            for locator, msg, reason, raw in iter_file_messages(path, mappings):
                created = message_time(msg)
                span.see(created)
                if created is not None and not window.contains(created):
                    continue
                read += 1
                if msg is None:
                    quarantine.add("mail", locator, reason or "invalid message", _excerpt(raw))
                    continue
                row, why = post_from_message(msg, locator, default_list, hashed)
                if row is None:
                    quarantine.add("mail", locator, why or "invalid message", _excerpt(raw))
                elif row["record_id"] in seen:
                    quarantine.add(
                        row["source"], locator, "repeated id in the file", row["record_id"]
                    )
                else:
                    seen.add(row["record_id"])
                    rows.append(row)
        except (OSError, EOFError, ValueError, zstandard.ZstdError, MailMappingError) as exc:
            read += 1
            quarantine.add("mail", name, f"unreadable file: {type(exc).__name__}: {exc}")
        else:
            if spans is not None:
                spans.learn(path, span.first, span.last)
    if spans is not None:
        spans.save()
    return ReadResult(posts_frame(rows), quarantine, read, files)


def read_inbox(folder: Path, window: TimeWindow, spans: FileSpans | None = None) -> ReadResult:
    """Read the mail archives in an inbox folder for ``window``."""
    return read_archives(list_inbox_files(folder, SUFFIXES), window, spans)
