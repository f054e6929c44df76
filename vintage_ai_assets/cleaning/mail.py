"""A mail message reduced to its author's own words.

Each line of a body is given a class — ``O`` own words, ``Q`` quoted (``>`` lines, the
attribution that introduces them, an original or forwarded message below its marker),
``S`` signature, ``F`` list footer, ``H`` mail header, MIME part or encoded blob, ``B``
blank — by rules that look at the line and where it stands (the guideline is
``evaluation/data/owners_guideline.md``); :func:`own_words` keeps the ``O`` lines and
drops e-mail addresses and phone numbers. Everything is linear in the text's length.
"""

from __future__ import annotations

import re

from vintage_ai_assets.text import post_text

OWN, QUOTED, SIGNATURE, FOOTER, HEADER, BLANK = "O", "Q", "S", "F", "H", "B"

# ------------------------------------------------------------------ line shapes
_QUOTE_MARK = re.compile(r"^\s{0,6}(?:[A-Za-z]{0,4}>|\|(?!\|)|}|:(?=\s))")
_SNIP = re.compile(
    r"^\s*[<\[(]\s*(?:snip(?:ped)?|\.\.\.|…|deleted|text deleted|stuff deleted)\b.{0,40}[>\])]\s*$",
    re.I,
)
_ATTRIBUTION = re.compile(
    r"(?:\b(?:writes|wrote|said|says|scribbled|typed|posted)\s*:?\s*$"
    r"|^\s*in a message dated\b|^\s*in article\s*<|^\s*on .{3,120}\b(?:wrote|writes)\b"
    r"|^\s*(?:you|he|she) wrote\s*:?\s*$|^\s*quoting\b.{0,80}:\s*$"
    r"|^\s*message text written by\b)",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"^\s*(?:-{2,}\s*original message\s*-{2,}|_{5,}\s*reply separator\s*_{5,}"
    r"|-{2,}\s*forwarded message\s*-{2,}|begin forwarded message\s*:?"
    r"|-{2,}\s*begin (?:forwarded|included) message\s*-{2,}|>?\s*-{3,} ?forwarded by\b)",
    re.IGNORECASE,
)
_DASHES = re.compile(r"^\s*-{5,}\s*$")
_END_INCLUDED = re.compile(r"^\s*-{2,}\s*end (?:of )?(?:included|forwarded) message", re.I)
_HEADER_NAMES = (
    "from|to|cc|bcc|subject|date|sent|reply-to|return-path|received|message-id|in-reply-to"
    "|references|mime-version|content-type|content-transfer-encoding|content-disposition"
    "|content-description|content-id|organization|organisation|sender|precedence|status"
    "|x-[\\w-]+|errors-to|priority|importance|newsgroups|path|lines|nntp-posting-host"
    "|mailer|comments|encoding|apparently-to"
)
_HEADER = re.compile(rf"^\s{{0,2}}(?:{_HEADER_NAMES})\s*:", re.IGNORECASE)
_MIME_NOTE = re.compile(
    r"^\s*(?:this is a multi-part message in mime format|this message is in mime format"
    r"|text item:|the following mail header is for administrative use"
    r"|and may be ignored unless there are problems|\*+if there are problems save these headers"
    r"|this is a mime[- ]encapsulated message|--- ?mime boundary|\[attachment)",
    re.IGNORECASE,
)
_BOUNDARY = re.compile(r"^--[-=_A-Za-z0-9.:+/]{6,}$")
_BLOB = re.compile(r"^[A-Za-z0-9+/=]{60,}$|^M[ -`]{60}$")
_HTML_TAG = re.compile(
    r"</?(?:html|head|body|div|font|p|br|span|b|i|u|a|meta|table|tr|td|style)\b[^>]{0,300}>", re.I
)
_FOOTER = re.compile(
    r"(?:^=+\s*porsche\w*.{0,40}message\s*$|to post a message|for help, send|send (?:an )?e-?mail to"
    r".{0,60}(?:subscribe|help|post)|\bunsubscribe\b.{0,80}(?:send|mail|message|e-mail)"
    r"|(?:send|mail|message|e-mail).{0,80}\bunsubscribe\b|\blistserv\b|\bmajordomo\b"
    r"|^get your (?:free|private).{0,40}(?:e-?mail|mail)|^do you yahoo|^_{5,}\s*$"
    r"|^sent (?:via|from) |^\s*\.\s*$|mailing list\s*$|list (?:owner|admin|administrator)\b)",
    re.IGNORECASE,
)
_SIG_SEPARATOR = re.compile(r"^(?:- )?(?:--|---|__|==|\+ \+ \+|~~+)\s*$")
_DECORATION = re.compile(r"^[\s\-=_*~+#<>|/\\.:]{3,}$")
_EMAIL = re.compile(r"<email>|[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}", re.IGNORECASE)
_PHONE = re.compile(
    r"<phone>|(?:\+?\d{1,3}[\s.-])?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b|\b\d{3}[\s.-]\d{4}\b"
)
_URL = re.compile(r"https?://\S+|\bwww\.\S+|\b\S+\.(?:com|org|net|edu)\b", re.IGNORECASE)
_CAR_LINE = re.compile(r"^\s*['‘’`]?(?:19|20)?\d{2}\b[\s\w/.'\"()-]{0,60}$")
_CLOSING = re.compile(
    r"^\s*(?:thanks|many thanks|thanks again|thank you|thanx|thx|tia|cheers|stay tuned|regards|best|best regards|kind regards|"
    r"warm regards|sincerely|later|ciao|bye|take care|good luck|enjoy|happy motoring|"
    r"drive (?:safe|fast)|keep the faith|hope this helps|regards to all|jmho|imho|fwiw|hth"
    r"|my \$?\.?0?\.?02|just my|my two cents|my 2 cents)\b[\s\w,.!-]{0,40}$",
    re.IGNORECASE,
)
_CLOSING_NAME = re.compile(
    r"^(?:later|cheers|regards|best|ciao|thanks|thx|bye)\s*[,-]\s*([A-Z][a-z]+(?: [A-Z][a-z.]+){0,2})$",
    re.IGNORECASE,
)
_CONNECTORS = frozenset(["of", "at", "and", "the", "&", "for", "in", "de", "van", "von", "-", "|"])
_PARENTHESIS = re.compile(r"\([^()]{0,80}\)")
_NAME_TOKEN = re.compile(r"^[A-Za-z][A-Za-z.'\-]{0,20}$")
_WORD = re.compile(r"[A-Za-z]{2,}")


def _is_name_line(line: str) -> bool:
    """A sign-off: one to four name-like words ("scott", "Stan", "-John White-", "JZ"),
    also after a closing word on the same line ("Later, Jason Boettcher")."""
    if re.fullmatch(r"\s*[a-z]+\.\s*", line):
        return False  # "labor." ends a sentence
    stripped = _PARENTHESIS.sub("", line).strip().strip("-~=*_ \t").rstrip(",.")
    closing = _CLOSING_NAME.match(stripped)
    if closing:
        stripped = closing.group(1)
    tokens = stripped.split()
    if not 1 <= len(tokens) <= 4 or _CLOSING.match(stripped):
        return False
    if not all(_NAME_TOKEN.match(t) for t in tokens):
        return False
    if len(tokens) > 1:
        return all(t[0].isupper() for t in tokens)
    # a single lower-case word is a name only when short ("scott", "ken", "jz")
    return len(tokens[0]) <= 10


def _strong_signature(line: str) -> bool:
    """A line that is signature material wherever it stands (address, phone, rule, columns)."""
    s = line.strip()
    return bool(
        _EMAIL.search(s)
        or _PHONE.search(s)
        or _URL.search(s)
        or _DECORATION.match(s)
        or _SIG_SEPARATOR.match(s)
        or "\t" in s
        or re.search(r"\S {4,}\S", s)
    )


def _columns(line: str) -> bool:
    """Signature layout: deep indentation, tabs or wide gaps between words."""
    expanded = line.expandtabs(8)
    s = line.strip()
    return (
        len(expanded) - len(expanded.lstrip()) >= 16
        or "\t" in s
        or bool(re.search(r"\S {4,}\S", s))
    )


def _closing(line: str) -> bool:
    """A closing before the sign-off: "Thanks,", "Talk to you later,", "Cheers!"."""
    s = line.strip()
    return bool(_CLOSING.match(s)) or (
        s.endswith((",", "!")) and len(s.split()) <= 6 and not _is_name_line(s)
    )


def _looks_signature(line: str) -> bool:
    """A line that a signature block is made of."""
    s = line.strip()
    if not s:
        return False
    if _EMAIL.search(s) or _PHONE.search(s) or _URL.search(s) or _DECORATION.match(s):
        return True
    if _is_name_line(s) or _SIG_SEPARATOR.match(s):
        return True
    if _columns(line):
        return True  # "Dave Darling          74 914 2.0 (VROOM!)"
    if _CAR_LINE.match(s) and len(s.split()) <= 9 and not s.endswith(("?", ".")):
        return True  # "'87 944 Azure Blue/Tan", "1974 Porsche 914 2.0"
    if s[0] in "\"'`" and s.rstrip()[-1:] in "\"'`" and len(s) < 100:
        return True  # a signature quote
    words = [w for w in s.split() if w.lower() not in _CONNECTORS]
    capitalised = sum(w[:1].isupper() or w[:1].isdigit() or not w[:1].isalpha() for w in words)
    return len(words) <= 9 and capitalised >= len(words) - 1 and not s.endswith(("?", "!"))


def _prose(line: str) -> bool:
    """A line of running text (a sentence, not a name, address or title)."""
    s = line.strip()
    words = _WORD.findall(s)
    lower = sum(w.islower() for w in words)
    return len(words) >= 6 and lower >= len(words) / 2


def _mime_lines(lines: list[str], labels: list[str]) -> None:
    """Mark MIME machinery: part headers, boundaries, non-text parts and HTML duplicates."""
    boundaries = {
        ln.strip()
        for i, ln in enumerate(lines)
        if _BOUNDARY.match(ln.strip())
        and any(x.lower().lstrip().startswith("content-") for x in lines[i + 1 : i + 4])
    }
    if not boundaries:
        return
    stems = {b.rstrip("-") for b in boundaries}  # "--XYZ--" closes the parts of "--XYZ"
    in_headers, keep_part, seen_plain = False, True, False
    for i, line in enumerate(lines):
        s = line.strip()
        if s.rstrip("-") in stems:
            labels[i] = HEADER
            in_headers, keep_part = True, True
            continue
        if in_headers:
            if not s:
                in_headers = False
                labels[i] = BLANK
                continue
            labels[i] = HEADER
            low = s.lower()
            if low.startswith("content-type:") or "content-type:" in low:
                is_plain = "text/plain" in low
                keep_part = is_plain or ("text/html" in low and not seen_plain)
                seen_plain |= is_plain
            continue
        if not keep_part and s:
            labels[i] = HEADER


def classify_lines(text: str) -> list[str]:
    """One class letter per line of ``text`` (``text.split("\\n")``)."""
    lines = text.split("\n")
    labels = [BLANK if not ln.strip() else "" for ln in lines]
    for mark in (
        _mime_lines,
        _header_lines,
        _glued_message,
        _quoted_lines,
        _quote_fragments,
        _footer_lines,
        _signature,
    ):
        mark(lines, labels)
    return [lab or OWN for lab in labels]


def _header_lines(lines: list[str], labels: list[str]) -> None:
    """Mail headers: the block at the top, runs of headers and their folded lines anywhere,
    MIME notes, encoded blobs and lines of bare HTML tags."""
    n = len(lines)
    i = 0
    while i < n and (labels[i] in (BLANK, HEADER) or _HEADER.match(lines[i])):
        if labels[i] != BLANK:
            labels[i] = HEADER
        elif i + 1 < n and not _HEADER.match(lines[i + 1]):
            break
        i += 1
    for i, line in enumerate(lines):
        neighbours = (lines[i - 1] if i else "", lines[i + 1] if i + 1 < n else "")
        if labels[i] == "" and _HEADER.match(line) and any(map(_HEADER.match, neighbours)):
            labels[i] = HEADER
    for i in range(1, n):
        folded = lines[i][:1] in (" ", "\t", ")") or len(lines[i - 1]) >= 78
        if labels[i] == "" and labels[i - 1] == HEADER and (folded or _HEADER.match(lines[i])):
            labels[i] = HEADER
    for i, line in enumerate(lines):
        bare_html = _HTML_TAG.search(line) and len(_HTML_TAG.sub("", line).strip()) < 3
        if labels[i] == "" and (_MIME_NOTE.match(line) or _BLOB.match(line.strip()) or bare_html):
            labels[i] = HEADER


def _glued_message(lines: list[str], labels: list[str]) -> None:
    """Another message appended after the end-of-message dot and its own headers."""
    for i, line in enumerate(lines):
        if line.strip() == "." and _glued_headers(lines, labels, i + 1):
            for j in range(i + 1, len(lines)):
                if labels[j] == "":
                    labels[j] = QUOTED
            return


def _quoted_lines(lines: list[str], labels: list[str]) -> None:
    """Quote-marked lines, attributions, snips, and everything below an original or
    forwarded message's marker (up to an end-of-included-message line)."""
    n = len(lines)
    below_original = False
    for i, line in enumerate(lines):
        if _ORIGINAL.match(line) or (
            _DASHES.match(line) and any(_HEADER.match(x.lstrip()) for x in lines[i + 1 : i + 3])
        ):
            below_original = True
        elif _END_INCLUDED.match(line):
            below_original = False
            labels[i] = QUOTED
            continue
        if below_original:
            if labels[i] != BLANK and not _FOOTER.search(line):
                labels[i] = QUOTED
            continue
        quote_header = _HEADER.match(line) and i + 1 < n and _QUOTE_MARK.match(lines[i + 1])
        attribution = _ATTRIBUTION.search(line) and len(line) < 200
        if labels[i] == "" and (
            _QUOTE_MARK.match(line) or _SNIP.match(line) or attribution or quote_header
        ):
            labels[i] = QUOTED
    # a header block right after an attribution or inside quotes ("From: ... Sent: ...")
    for i, line in enumerate(lines):
        if labels[i] == "" and _HEADER.match(line) and _near(labels, i, QUOTED):
            labels[i] = QUOTED


def _footer_lines(lines: list[str], labels: list[str]) -> None:
    """List footers, and decoration between the last words and the footer."""
    for i, line in enumerate(lines):
        if labels[i] == "" and _FOOTER.search(line):
            labels[i] = FOOTER
    _trailing_footer(lines, labels)


def _glued_headers(lines: list[str], labels: list[str], start: int) -> bool:
    """Whether a block of at least two mail headers starts at the first non-blank line
    from ``start`` (a second message appended after the end-of-message dot)."""
    j = start
    while j < len(lines) and not lines[j].strip():
        j += 1
    return j + 1 < len(lines) and all(_HEADER.match(lines[k]) for k in (j, j + 1))


def _neighbour(labels: list[str], i: int, step: int) -> int | None:
    """The nearest non-blank line before (``step`` −1) or after (+1) line ``i``."""
    j = i + step
    while 0 <= j < len(labels) and labels[j] == BLANK:
        j += step
    return j if 0 <= j < len(labels) else None


def _quote_fragments(lines: list[str], labels: list[str]) -> None:
    """Lines that belong to a quote without its mark: the tail of a wrapped quoted line
    ("> ... refund guarantee from K40 / changed / >> my mind"), rules above a quote."""
    for i, line in enumerate(lines):
        if labels[i] != "":
            continue
        before, after = _neighbour(labels, i, -1), _neighbour(labels, i, 1)
        quoted_before = before == i - 1 and labels[before] == QUOTED
        quoted_after = after == i + 1 and labels[after] == QUOTED
        words = len(line.split())
        wrapped_tail = (
            quoted_before
            and line[:1].islower()
            and words <= 8
            and len(lines[i - 1].rstrip()) >= 60
            and not lines[i - 1].rstrip().endswith((".", "?", "!"))
        )
        rule_above_quote = _DASHES.match(line) and after is not None and labels[after] == QUOTED
        if (quoted_before and quoted_after and words <= 4) or wrapped_tail or rule_above_quote:
            labels[i] = QUOTED


def _near(labels: list[str], i: int, cls: str, span: int = 2) -> bool:
    lo, hi = max(0, i - span), min(len(labels), i + span + 1)
    return any(labels[j] == cls for j in range(lo, hi) if j != i)


def _trailing_footer(lines: list[str], labels: list[str]) -> None:
    """Decoration and stray punctuation between the last words and a list footer."""
    last_footer = max((i for i, lab in enumerate(labels) if lab == FOOTER), default=-1)
    if last_footer < 0:
        return
    j = last_footer - 1
    while j >= 0 and labels[j] in ("", BLANK, FOOTER):
        if labels[j] == "" and not _DECORATION.match(lines[j].strip()):
            break
        if labels[j] == "":
            labels[j] = FOOTER
        j -= 1


def _signature(lines: list[str], labels: list[str]) -> None:
    """Mark the signature: a ``--`` block, or the trailing block of sign-off lines."""
    open_lines = [i for i, lab in enumerate(labels) if lab == ""]
    if not open_lines:
        return
    # explicit separator: everything own-looking after it, up to a quote, is signature
    for i in open_lines:
        if _SIG_SEPARATOR.match(lines[i].strip()) and lines[i].strip().endswith("-"):
            later = [j for j in open_lines if j >= i]
            if len(later) <= MAX_SIGNATURE_LINES and not any(
                _PS.match(lines[j].strip()) for j in later
            ):
                for j in later:
                    labels[j] = SIGNATURE
                break
    _signoff_block(lines, labels)
    # trailing block: from the last own line upwards, while lines look like a signature;
    # a quote or a gap of several blank lines ends the search
    remaining = [i for i in open_lines if labels[i] == ""]
    if not remaining:
        return
    block: list[int] = []
    for i in reversed(remaining):
        if block and any(labels[j] == QUOTED for j in range(i + 1, block[-1])):
            break
        line = lines[i]
        hard = _columns(line) or (
            _strong_signature(line) and not (_prose(line) and _EMAIL.search(line))
        )
        if not hard and (_closing(line) or _prose(line) or not _looks_signature(line)):
            break
        block.append(i)
    # a line that runs on from the text above it ("... WILL SWAP OR TRADE FOR / VW WHEELS.")
    # is not a signature unless it is a sign-off name or plainly signature material
    while block:
        top = block[-1]
        above = top - 1
        runs_on = above >= 0 and labels[above] == "" and not _closing(lines[above])
        mid_sentence = runs_on and not lines[above].rstrip().endswith((".", "!", "?", ")"))
        if runs_on and (
            mid_sentence or not (_is_name_line(lines[top]) or _strong_signature(lines[top]))
        ):
            block.pop()
        else:
            break
    if not block:
        return
    if len(block) == len(remaining) and not _is_name_line(lines[block[-1]]):
        # the whole message would go: keep it unless it is plainly a signature
        if not any(_EMAIL.search(lines[j]) or _PHONE.search(lines[j]) for j in block):
            return
        block = [j for j in block if _EMAIL.search(lines[j]) or _PHONE.search(lines[j])]
    for j in block:
        labels[j] = SIGNATURE


def _tail_line(line: str) -> bool:
    """A line that may follow a sign-off name: not running text, or set apart as
    signature text is (quoted, bracketed, indented, in columns)."""
    s = line.strip()
    return (
        not _prose(line) or _strong_signature(line) or s[:1] in "\"'([" or line[:4].isspace()
    ) and not _PS.match(s)


_PS = re.compile(r"^p\.? ?s\.?\b", re.IGNORECASE)
MAX_SIGNATURE_LINES = 14


def _signoff_block(lines: list[str], labels: list[str]) -> None:
    """A sign-off name and what follows it, when nothing after it is running text:
    "Thanks, / Keith / 951 wannabe owner"."""
    remaining = [i for i, lab in enumerate(labels) if lab == ""]
    # a postscript after the signature stays the author's words: look above it
    postscripts = [k for k, i in enumerate(remaining) if _PS.match(lines[i].strip())]
    if postscripts and len(remaining) - postscripts[-1] <= MAX_SIGNATURE_LINES:
        remaining = remaining[: postscripts[-1]]
    best = None
    prose_after = 0
    for k in range(len(remaining) - 1, max(-1, len(remaining) - 1 - MAX_SIGNATURE_LINES), -1):
        i = remaining[k]
        if k + 1 < len(remaining) and any(
            labels[j] == QUOTED for j in range(i + 1, remaining[k + 1])
        ):
            break
        line = lines[i]
        if _is_name_line(line) and k > 0:
            above = remaining[k - 1]
            if (
                above < i - 1
                or _closing(lines[above])
                or lines[above].rstrip().endswith((".", "!", "?", ")", ":"))
            ):
                best = k
        elif not _tail_line(line):
            prose_after = prose_after + 1 if best is None else prose_after
            if best is not None or prose_after > 1:
                break
    # a name with a signature block under it may carry one line of running text
    # ("Zero cats (but we're thinking of getting 2 ...)") when the rest is plainly signature
    if best is not None and prose_after:
        tail = remaining[best + 1 :]
        material = sum(_looks_signature(lines[j]) or _columns(lines[j]) for j in tail)
        if material < max(2, (len(tail) + 1) // 2):
            best = None
    if best is not None:
        for j in remaining[best:]:
            labels[j] = SIGNATURE


def own_words(text: str, labels: list[str] | None = None) -> str:
    """The author's own words of a mail body: ``O`` lines, addresses and phones removed."""
    lines = text.split("\n")
    labels = labels or classify_lines(text)
    kept: list[str] = []
    for line, label in zip(lines, labels, strict=True):
        if label == OWN:
            kept.append(_PHONE.sub("", _EMAIL.sub("", line)).rstrip())
        elif label == BLANK and kept and kept[-1] != "":
            kept.append("")
    return "\n".join(kept).strip()


_ADMIN = re.compile(
    r"\b(?:un-?subscribe|subscribe|sign ?off|signoff|remove me|add me|take me off|put me on"
    r"|drop me|delete me|test(?:ing)?(?: message| post)?,? (?:please )?ignore|this is a test)\b",
    re.IGNORECASE,
)


def is_list_admin(own: str) -> bool:
    """Whether a message's own words are only a request to the list's machinery
    ("please add me", "unsubscribe", "test, please ignore")."""
    words = own.split()
    return 0 < len(words) <= 30 and bool(_ADMIN.search(own))


def message_text(subject: str | None, own: str, reply: bool) -> str:
    """What the clean layer keeps of a message: its own words, under its subject when it
    starts a thread (a reply's subject is the thread's, not the author's)."""
    return post_text(None if reply else subject, own)
