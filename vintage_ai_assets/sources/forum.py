"""Owner forums (XenForo 2 sites such as FerrariChat), fetched politely with ``requests``.

Domain code only: :func:`crawl` reads the threads of a site's tags (and any explicit
threads) and returns the posts written inside a :class:`TimeWindow`, in the shared raw
post shape (:data:`POST_COLUMNS`).

Politeness (:class:`PoliteSession`): an identifying User-Agent, ``robots.txt`` read once per
host (a disallowed URL is never requested; a ``Crawl-delay`` longer than ours wins), a delay
between requests to the same host, retries with exponential backoff on 429, 5xx, timeouts
and connection errors, ``Retry-After`` honoured (a longer wait than the backoff cap gives up
rather than come back early), redirects followed by hand so that each hop is checked
against robots.txt, and a cap on the page size and on the time a page may take.

How a thread is walked: XenForo lists posts oldest first and post ids increase, so the
crawler reads page 1 (title, number of pages), then walks *backwards* from the last page
and stops at the first page whose oldest post is older than ``window.start`` (every
earlier page is older still) or is already covered by ``state``. A daily run therefore
costs page 1 plus the pages that reach back to the start of the day, whatever the thread's
length. Both stops assume posts are in date and id order along the thread, which XenForo
guarantees except for posts moved in from another thread by a moderator.

Incremental state, and why it never hides posts from a backfill: ``state[thread_id] = S``
means *every post of the thread with an id <= S has already been delivered* (returned by
an earlier crawl, or quarantined). A crawl skips those posts and stops walking back at a
page that only holds them. It advances ``S`` only across an unbroken run of posts it has
itself delivered (accepted inside the window, or quarantined), starting right after the old
``S`` (or at the thread's first post when there is no state yet). A post outside the window
ends the run, so a post seen but not returned never counts as delivered: a later backfill
of an earlier day, or a later run for a later day, still gets it. The price is that a
thread whose first post predates the first window crawled never gets a state; its walk is
then bounded by ``window.start`` instead, which costs the same. Posts are only skipped
because they were *delivered*: a caller that rebuilds a partition from scratch (a rerun of
a day whose content it replaces) must pass ``state=None``; a caller that passes a state must
merge the result into what it already stored.

Failures: a page that still fails after the retries raises :class:`FetchError` (the caller
keeps the partition's previous content); a URL that robots.txt disallows is skipped and
listed in ``skipped_robots``; a thread that answers 404/410 (deleted) is listed in
``missing``; a post whose markup lacks an id or a parsable time is quarantined with the
locator ``page URL#position``, whatever the window, as the archive readers do.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import requests

from vintage_ai_assets.sources.records import (
    Quarantine,
    ReadResult,
    TimeWindow,
    author_hash,
    is_bot,
    posts_frame,
    to_utc_naive,
)
from vintage_ai_assets.text import strip_markup

DEFAULT_USER_AGENT = "vintage-ai/0.1 (+market intelligence for classic cars; polite crawler)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
GONE_STATUSES = frozenset({404, 410})
MAX_REDIRECTS = 5
MAX_RETRIES_LIMIT = 10
EXCERPT_CHARS = 200
EARLIEST_POST = datetime(1990, 1, 1)

_THREAD_PATH = re.compile(r"^(?P<base>.*?/threads/(?:[^/?#]*\.)?(?P<id>\d+))(?:/|$)")
_PAGE_IN_PATH = re.compile(r"/page-(\d+)/?$")
_POST_KEY = re.compile(r"^(?:js-)?post-(\d+)$")
_PERMALINK = re.compile(r"(?:/post-|/posts/)(\d+)/?(?:[?#].*)?$")
_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)
_BR = re.compile(r"<br\b[^>]*>[ \t]*\r?\n?", re.IGNORECASE)
_CONTENT_KEY = re.compile(r"data-content-key=\"thread-(\d+)\"")


class FetchError(RuntimeError):
    """A page could not be fetched (after the retries, when the failure was transient)."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class RobotsDisallowed(FetchError):
    """robots.txt forbids this URL to our User-Agent; it was not requested."""


# --------------------------------------------------------------------------- fetching


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdecimal():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass
class _Response:
    url: str
    status: int
    headers: dict[str, str]
    text: str


class _SlowBody(Exception):
    """The body did not arrive within the time limit."""


@dataclass
class PoliteSession:
    """A ``requests.Session`` that identifies itself, obeys robots.txt, paces and retries.

    Every sleep (pacing, backoff, Retry-After) goes through ``sleep`` so tests can make it
    instant and count it. ``requests_made`` counts HTTP requests sent (robots.txt, retries
    and redirect hops included).
    """

    user_agent: str = DEFAULT_USER_AGENT
    delay_seconds: float = 2.0  # between requests to the same host
    timeout_seconds: float = 20.0  # connect, each read, and the whole body
    max_retries: int = 4  # on 429, 5xx, timeouts and connection errors
    backoff_seconds: float = 2.0  # backoff * 2**attempt ...
    max_backoff_seconds: float = 60.0  # ... capped; a longer Retry-After gives up
    respect_robots: bool = True
    max_bytes: int = 8 * 1024 * 1024
    sleep: Callable[[float], None] = time.sleep
    requests_made: int = field(default=0, init=False)
    _http: requests.Session = field(init=False, repr=False)
    _robots: dict[str, RobotFileParser] = field(default_factory=dict, init=False, repr=False)
    _host_delay: dict[str, float] = field(default_factory=dict, init=False, repr=False)
    _last_request: dict[str, float] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.delay_seconds < 0 or self.backoff_seconds < 0 or self.max_backoff_seconds < 0:
            raise ValueError("delays must not be negative")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        if not 0 <= self.max_retries <= MAX_RETRIES_LIMIT:
            raise ValueError(f"max_retries must be within 0..{MAX_RETRIES_LIMIT}")
        self._http = requests.Session()
        self._http.headers.update(
            {
                "User-Agent": self.user_agent,
                "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
                "Accept-Language": "en",
            }
        )

    def close(self) -> None:
        """Close the underlying connections."""
        self._http.close()

    def __enter__(self) -> PoliteSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str) -> str:
        """The text of the page at ``url`` (see :meth:`fetch`)."""
        return self.fetch(url)[1]

    def fetch(self, url: str) -> tuple[str, str]:
        """(final URL after redirects, page text) of ``url``.

        Raises :class:`RobotsDisallowed` before requesting a URL robots.txt forbids, and
        :class:`FetchError` for a non-200 answer or once the retries are spent.
        """
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            _origin(current)  # validates the scheme and host
            if self.respect_robots and not self.allowed(current):
                raise RobotsDisallowed(current, "disallowed by robots.txt")
            response = self._request(current)
            location = response.headers.get("location")
            if response.status in REDIRECT_STATUSES and location:
                current = urljoin(current, location)
                continue
            if response.status != 200:
                raise FetchError(current, f"HTTP {response.status}", response.status)
            return current, response.text
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def allowed(self, url: str) -> bool:
        """Whether robots.txt of the URL's host lets our User-Agent fetch it."""
        return self._robots_for(url).can_fetch(self.user_agent, url)

    # -- internals

    def _robots_for(self, url: str) -> RobotFileParser:
        origin = _origin(url)
        parser = self._robots.get(origin)
        if parser is not None:
            return parser
        parser = RobotFileParser(origin + "/robots.txt")
        current = origin + "/robots.txt"
        response = self._request(current)
        for _hop in range(MAX_REDIRECTS):
            location = response.headers.get("location")
            if response.status not in REDIRECT_STATUSES or not location:
                break
            current = urljoin(current, location)
            response = self._request(current)
        if response.status == 200:
            parser.parse(response.text.splitlines())
        elif response.status in (401, 403):
            parser.disallow_all = True  # the urllib.robotparser convention
        elif 400 <= response.status < 500:
            parser.allow_all = True  # no robots.txt: everything is allowed
        else:
            raise FetchError(current, f"robots.txt answered HTTP {response.status}")
        delay = parser.crawl_delay(self.user_agent)
        if delay is not None:
            self._host_delay[urlsplit(url).netloc] = float(delay)
        self._robots[origin] = parser
        return parser

    def _pace(self, host: str) -> None:
        delay = max(self.delay_seconds, self._host_delay.get(host, 0.0))
        last = self._last_request.get(host)
        if last is not None and delay > 0:
            wait = last + delay - time.monotonic()
            if wait > 0:
                self.sleep(min(wait, delay))

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_seconds * 2**attempt, self.max_backoff_seconds)

    def _request(self, url: str) -> _Response:
        """One URL, retried on transient failures; any final answer (even 404) is returned."""
        host = urlsplit(url).netloc
        last_error = "no attempt"
        status: int | None = None
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            self._pace(host)
            self.requests_made += 1
            try:
                response = self._once(url)
            except (requests.Timeout, requests.ConnectionError, _SlowBody) as exc:
                last_error = f"{type(exc).__name__}: {exc}"[:300]
                status = None
                wait = self._backoff(attempt)
            else:
                if response.status not in RETRY_STATUSES:
                    return response
                status = response.status
                last_error = f"HTTP {response.status}"
                wait = self._backoff(attempt)
                if response.status in (429, 503):
                    asked = parse_retry_after(response.headers.get("retry-after"))
                    if asked is not None:
                        if asked > self.max_backoff_seconds:
                            raise FetchError(
                                url,
                                f"HTTP {response.status} with Retry-After {asked:.0f}s "
                                f"(more than {self.max_backoff_seconds:.0f}s)",
                                response.status,
                            )
                        wait = asked
            finally:
                self._last_request[host] = time.monotonic()
            if attempt + 1 < attempts and wait > 0:
                self.sleep(wait)
        raise FetchError(url, f"gave up after {attempts} attempts; last: {last_error}", status)

    def _once(self, url: str) -> _Response:
        deadline = time.monotonic() + self.timeout_seconds
        timeout = (self.timeout_seconds, self.timeout_seconds)
        with self._http.get(url, timeout=timeout, stream=True, allow_redirects=False) as resp:
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_content(chunk_size=64 * 1024):
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchError(
                        url, f"page larger than {self.max_bytes} bytes", resp.status_code
                    )
                if time.monotonic() > deadline:
                    raise _SlowBody(f"body not received within {self.timeout_seconds}s")
                chunks.append(chunk)
            headers = {k.lower(): v for k, v in resp.headers.items()}
            return _Response(url, resp.status_code, headers, _decode(b"".join(chunks), headers))


def _decode(body: bytes, headers: dict[str, str]) -> str:
    match = _CHARSET.search(headers.get("content-type", ""))
    encoding = match.group(1) if match else "utf-8"
    try:
        return body.decode(encoding, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(url, "not an http(s) URL")
    return f"{parts.scheme}://{parts.netloc}"


# --------------------------------------------------------------------------- HTML tree


_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)


@dataclass(eq=False)
class _Node:
    """An element with its source offsets: ``source[start:end]`` is its whole markup."""

    tag: str
    attrs: dict[str, str]
    start: int
    inner_start: int
    inner_end: int = -1
    end: int = -1
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)

    def has_class(self, name: str) -> bool:
        return name in self.attrs.get("class", "").split()

    def walk(self, prune: _Test | None = None) -> Iterator[_Node]:
        """Descendants in document order; the subtree of a node ``prune`` accepts is skipped."""
        stack = list(reversed(self.children))
        while stack:
            node = stack.pop()
            yield node
            if prune is None or not prune(node):
                stack.extend(reversed(node.children))

    def find(self, match: _Test, prune: _Test | None = None) -> _Node | None:
        return next((n for n in self.walk(prune) if match(n)), None)

    def find_all(self, match: _Test, prune: _Test | None = None) -> list[_Node]:
        return [n for n in self.walk(prune) if match(n)]


_Test = Callable[[_Node], bool]


class _TreeBuilder(HTMLParser):
    """A forgiving tree of the page: stray end tags are ignored, unclosed tags closed.

    It counts the open elements per tag, so a stray end tag costs nothing however deep
    the page nests (walking the stack for each would be quadratic on hostile pages).
    """

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.root = _Node("#root", {}, 0, 0)
        self._stack = [self.root]
        self._open_tags: dict[str, int] = {}

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _open(self, tag: str, attrs: list[tuple[str, str | None]], void: bool) -> None:
        start = self._offset()
        inner = start + len(self.get_starttag_text() or "")
        parent = self._stack[-1]
        node = _Node(tag, {k: v or "" for k, v in attrs}, start, inner, parent=parent)
        parent.children.append(node)
        if void:
            node.inner_end = node.end = inner
        else:
            self._stack.append(node)
            self._open_tags[tag] = self._open_tags.get(tag, 0) + 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag, attrs, tag in _VOID)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag, attrs, True)

    def handle_endtag(self, tag: str) -> None:
        if not self._open_tags.get(tag):
            return  # a stray end tag
        for depth in range(len(self._stack) - 1, 0, -1):
            if self._stack[depth].tag == tag:
                offset = self._offset()
                close = self.source.find(">", offset)
                end = close + 1 if close >= 0 else len(self.source)
                for node in self._stack[depth + 1 :]:  # closed implicitly
                    node.inner_end = node.end = offset
                self._stack[depth].inner_end = offset
                self._stack[depth].end = end
                for node in self._stack[depth:]:
                    self._open_tags[node.tag] -= 1
                del self._stack[depth:]
                return

    def finish(self) -> _Node:
        self.close()
        for node in self._stack[1:]:
            node.inner_end = node.end = len(self.source)
        self.root.inner_end = self.root.end = len(self.source)
        return self.root


def _tree(html: str) -> _Node:
    """The element tree of a page.

    What the parser is fed differs from ``html`` only where offsets cannot shift: ``<![``
    becomes ``<?[`` (a bogus comment up to the next ``>``, as browsers read it; the stdlib
    parser raises on most ``<![`` sections), and a closing ``<!---->`` is appended so that
    an unterminated comment or tag ends there instead of being rescanned at every ``<``
    after it (quadratic time on hostile pages).
    """
    builder = _TreeBuilder(html)
    builder.feed(html.replace("<![", "<?["))
    builder.feed("<!---->")
    return builder.finish()


def _inner_html(
    source: str, node: _Node, replace: Callable[[_Node], str | None] | None = None
) -> str:
    """The markup inside ``node``; a descendant for which ``replace`` gives a string is
    swapped for it (the string is inserted as is, so use ``""`` to remove)."""
    cuts: list[tuple[int, int, str]] = []
    if replace is not None:
        stack = list(reversed(node.children))
        while stack:
            child = stack.pop()
            substitute = replace(child)
            if substitute is not None:
                cuts.append((child.start, child.end, substitute))
            else:
                stack.extend(reversed(child.children))
    pieces: list[str] = []
    position = node.inner_start
    for start, end, substitute in cuts:  # document order, never nested
        pieces.append(source[position:start])
        pieces.append(substitute)
        position = max(position, end)
    pieces.append(source[position : max(position, node.inner_end)])
    return "".join(pieces)


def _text(source: str, node: _Node | None) -> str:
    return strip_markup(_inner_html(source, node)) if node is not None else ""


def _body_replacement(node: _Node) -> str | None:
    """What to put in place of an element of a post body (None: keep it)."""
    if node.tag in ("script", "style", "noscript", "template"):
        return " "
    if node.tag == "blockquote" and (
        node.has_class("bbCodeBlock--quote") or "data-quote" in node.attrs
    ):
        return "\n"
    if node.has_class("message-signature") or node.has_class("bbCodeBlock--unfurl"):
        return "\n"
    if node.tag == "a" and node.has_class("username"):
        return "@member"  # a mention: the member's name stays out of the text
    return None


# --------------------------------------------------------------------------- parsing


@dataclass
class ForumPost:
    """One post of a thread page (``created_at`` naive UTC)."""

    post_id: str
    author: str | None
    created_at: datetime
    text: str
    url: str
    position: int = 0  # 1-based place on its page


@dataclass
class BrokenPost:
    """A post whose markup lacks an id or a parsable time."""

    position: int
    post_id: str | None
    reason: str
    excerpt: str


@dataclass
class ThreadPage:
    """What a thread page holds."""

    thread_id: str
    title: str
    posts: list[ForumPost]
    next_url: str | None
    page: int = 1
    last_page: int = 1
    broken: list[BrokenPost] = field(default_factory=list)
    url: str = ""  # the page's own URL


def thread_base_url(url: str) -> str | None:
    """The canonical first-page URL of the thread a URL points into, or None."""
    parts = urlsplit(url)
    match = _THREAD_PATH.match(parts.path)
    if parts.scheme not in ("http", "https") or not parts.netloc or match is None:
        return None
    return f"{parts.scheme}://{parts.netloc}{match.group('base')}/"


def thread_id_of(url: str) -> str | None:
    """The numeric thread id in a XenForo thread URL (``.../threads/slug.123/`` -> "123")."""
    match = _THREAD_PATH.match(urlsplit(url).path)
    return match.group("id") if match else None


def thread_page_url(base: str, page: int) -> str:
    """URL of page ``page`` of the thread whose first page is ``base``."""
    return base if page <= 1 else f"{base}page-{page}"


def _same_site(href: str, page_url: str) -> str | None:
    """``href`` resolved against the page, if it stays on the page's scheme and host."""
    try:
        target = urljoin(page_url, href.strip())
        same = urlsplit(target)[:2] == urlsplit(page_url)[:2]
    except ValueError:  # e.g. an invalid IPv6 host
        return None
    return target if same else None


def _next_url(root: _Node, url: str) -> str | None:
    """The next page's link; one to another site or scheme (``javascript:``) is ignored."""
    link = root.find(lambda n: n.tag == "a" and n.has_class("pageNav-jump--next"))
    href = link.attrs.get("href", "").strip() if link is not None else ""
    return _same_site(href, url) if href else None


def parse_tag_page(html: str, url: str) -> tuple[list[str], str | None]:
    """Thread URLs listed on a tag, forum or search page, and the next page's URL.

    Threads come from ``div.structItem-title`` and ``h3.contentRow-title`` links, reduced to
    each thread's first page and kept in order without repeats; links to other hosts or to
    anything but a thread (media, profiles) are left out.
    """
    root = _tree(html)
    host = urlsplit(url).netloc
    found: list[str] = []
    for holder in root.find_all(
        lambda n: n.has_class("structItem-title") or n.has_class("contentRow-title")
    ):
        for link in holder.find_all(lambda n: n.tag == "a" and bool(n.attrs.get("href"))):
            target = urljoin(url, link.attrs["href"].strip())
            base = thread_base_url(target)
            if base and urlsplit(base).netloc == host and base not in found:
                found.append(base)
    return found, _next_url(root, url)


def _post_time(article: _Node) -> datetime | None:
    def outside_header(node: _Node) -> bool:
        return any(
            node.has_class(name)
            for name in ("message-content", "message-lastEdit", "message-footer", "bbWrapper")
        )

    stamp = article.find(lambda n: n.tag == "time", prune=outside_header)
    if stamp is None:
        return None
    moment = None
    epoch = stamp.attrs.get("data-time", "").strip()
    if epoch.isdecimal():
        moment = to_utc_naive(int(epoch))
    if moment is None:
        moment = to_utc_naive(stamp.attrs.get("datetime", ""))
    if moment is None or moment < EARLIEST_POST:
        return None
    return moment


def _post_id(article: _Node) -> str | None:
    for key in ("data-content", "id"):
        match = _POST_KEY.match(article.attrs.get(key, "").strip())
        if match:
            return match.group(1)
    anchor = article.find(lambda n: n.has_class("u-anchorTarget") and "id" in n.attrs)
    match = _POST_KEY.match(anchor.attrs["id"].strip()) if anchor is not None else None
    return match.group(1) if match else None


def _post_body(article: _Node) -> _Node | None:
    holder = article.find(lambda n: n.tag == "article" and n.has_class("message-body"))
    return (holder or article).find(
        lambda n: n.has_class("bbWrapper"), prune=lambda n: n.has_class("message-signature")
    )


def _permalink(article: _Node, post_id: str, page_url: str, base: str) -> str:
    for link in article.find_all(lambda n: n.tag == "a" and bool(n.attrs.get("href"))):
        target = _same_site(link.attrs["href"], page_url)
        match = _PERMALINK.search(urlsplit(target).path) if target else None
        if target and match and match.group(1) == post_id:
            return target.split("#", 1)[0]
    return f"{base}post-{post_id}"


def _body_text(html: str, body: _Node) -> str:
    return strip_markup(_BR.sub("\n", _inner_html(html, body, _body_replacement)))


def parse_thread_page(html: str, url: str) -> ThreadPage:
    """Posts, title, position and next page of a XenForo thread page.

    Quotes of other posts, scripts, signatures and link previews are removed from the
    text, mentions become ``@member``. Raises ValueError when the page is not a thread.
    """
    thread_id = thread_id_of(url)
    if thread_id is None:
        match = _CONTENT_KEY.search(html[:20_000])
        thread_id = match.group(1) if match else None
    if thread_id is None:
        raise ValueError(f"not a XenForo thread page: {url}")
    base = thread_base_url(url) or url
    root = _tree(html)
    heading = root.find(lambda n: n.tag == "h1" and n.has_class("p-title-value"))
    title = _text(html, heading or root.find(lambda n: n.tag == "title"))

    page_match = _PAGE_IN_PATH.search(urlsplit(url).path)
    page = int(page_match.group(1)) if page_match else 1
    last_page = page
    for nav in root.find_all(lambda n: n.has_class("pageNav")):
        for link in nav.find_all(lambda n: n.tag == "a" and bool(n.attrs.get("href"))):
            number = _PAGE_IN_PATH.search(urlsplit(urljoin(url, link.attrs["href"])).path)
            if number:
                last_page = max(last_page, int(number.group(1)))

    def is_post(node: _Node) -> bool:
        return node.tag == "article" and (
            node.has_class("message--post")
            or (node.has_class("message") and node.has_class("js-post"))
        )

    posts: list[ForumPost] = []
    broken: list[BrokenPost] = []
    for position, article in enumerate(root.find_all(is_post, prune=is_post), start=1):
        post_id = _post_id(article)
        body = _post_body(article)
        text = _body_text(html, body) if body is not None else ""
        created = _post_time(article)
        reason = (
            "post without an id"
            if post_id is None
            else "post time missing or unparsable"
            if created is None
            else "post without a message body"
            if body is None
            else None
        )
        if reason is not None or post_id is None or created is None:
            broken.append(BrokenPost(position, post_id, reason or "", text[:EXCERPT_CHARS]))
            continue
        author = article.attrs.get("data-author", "").strip() or None
        posts.append(
            ForumPost(
                post_id=post_id,
                author=author,
                created_at=created,
                text=text,
                url=_permalink(article, post_id, url, base),
                position=position,
            )
        )
    return ThreadPage(thread_id, title, posts, _next_url(root, url), page, last_page, broken, url)


# --------------------------------------------------------------------------- crawling


@dataclass(frozen=True)
class ForumSite:
    """A XenForo forum to crawl: tags whose threads to read, plus explicit threads."""

    name: str  # records get source f"forum:{name}"
    base_url: str  # e.g. "https://www.ferrarichat.com/forum/"
    tags: tuple[str, ...] = ()  # crawled as {base_url}tags/{tag}/, page-2, ...
    threads: tuple[str, ...] = ()  # thread URLs, absolute or relative to base_url

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,63}", self.name):
            raise ValueError(f"forum name must be a lower-case slug: {self.name!r}")
        _origin(self.base_url)
        if not self.base_url.endswith("/"):
            object.__setattr__(self, "base_url", self.base_url + "/")

    @property
    def source(self) -> str:
        return f"forum:{self.name}"

    def tag_url(self, tag: str) -> str:
        return urljoin(self.base_url, f"tags/{quote(tag.strip(), safe='-_.')}/")

    def thread_urls(self) -> list[str]:
        """The explicit threads as first-page URLs; ValueError for one that is not a thread."""
        urls = []
        for entry in self.threads:
            base = thread_base_url(urljoin(self.base_url, entry.strip()))
            if base is None:
                raise ValueError(f"not a XenForo thread URL: {entry!r}")
            urls.append(base)
        return urls


@dataclass
class CrawlResult:
    """Posts of the window, the new incremental state and what the crawl cost."""

    result: ReadResult
    state: dict[str, str]  # thread_id -> id up to which every post has been delivered
    pages: int  # pages fetched
    skipped_robots: list[str]
    missing: list[str] = field(default_factory=list)  # threads answering 404/410
    truncated: bool = False  # max_pages was reached: the window may be incomplete
    requests: int = 0  # HTTP requests sent (robots.txt, retries and redirects included)


_Item = ForumPost | BrokenPost


@dataclass
class _Crawl:
    site: ForumSite
    session: PoliteSession
    window: TimeWindow
    old_state: dict[str, str]
    max_pages: int
    pages: int = 0
    read: int = 0
    truncated: bool = False
    rows: list[dict] = field(default_factory=list)
    quarantine: Quarantine = field(default_factory=Quarantine)
    state: dict[str, str] = field(default_factory=dict)
    skipped_robots: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def fetch(self, url: str) -> tuple[str, str] | None:
        """(final URL, html), or None when robots.txt forbids it or the budget is spent."""
        if self.pages >= self.max_pages:
            self.truncated = True
            return None
        try:
            final, html = self.session.fetch(url)
        except RobotsDisallowed:
            self.skipped_robots.append(url)
            return None
        self.pages += 1
        return final, html

    def tag_threads(self, tag: str) -> list[str]:
        """First-page URLs of the threads of a tag, following its pages."""
        found: list[str] = []
        url: str | None = self.site.tag_url(tag)
        visited: set[str] = set()
        while url is not None and url not in visited and not self.truncated:
            visited.add(url)
            fetched = self.fetch(url)
            if fetched is None:
                break
            links, url = parse_tag_page(fetched[1], fetched[0])
            found.extend(link for link in links if link not in found)
        return found

    def parse(self, fetched: tuple[str, str] | None) -> ThreadPage | None:
        if fetched is None:
            return None
        url, html = fetched
        try:
            return parse_thread_page(html, url)
        except ValueError as exc:
            self.read += 1
            self.quarantine.add(self.site.source, url, str(exc), "")
            return None

    def thread(self, base: str) -> None:
        """Read page 1, then walk back from the last page (see the module docstring)."""
        try:
            first = self.parse(self.fetch(base))
        except FetchError as exc:
            if exc.status in GONE_STATUSES:
                self.missing.append(base)
                return
            raise
        if first is None:
            return
        known = self.old_state.get(first.thread_id, "")
        delivered = int(known) if known.isdigit() else None
        pages = {1: first}
        lowest = first.last_page + 1  # lowest page >= 2 read on the walk back
        for number in range(first.last_page, 1, -1):  # bounded by max_pages in fetch()
            url = thread_page_url(base, number)
            try:
                page = self.parse(self.fetch(url))
            except FetchError as exc:
                if exc.status not in GONE_STATUSES:
                    raise
                # A page the thread lists but the forum does not have (a damaged or stale
                # page count): recorded, and the walk stops as at an unreadable page.
                self.read += 1
                self.quarantine.add(self.site.source, url, f"listed page gone: {exc}", "")
                break
            if page is None:
                break
            pages[number] = page
            lowest = number
            oldest = page.posts[0] if page.posts else None
            if oldest is not None and (
                (delivered is not None and int(oldest.post_id) <= delivered)
                or oldest.created_at < self.window.start
            ):
                break
        # The state can only advance along pages read without a gap: all of them when the
        # walk reached page 2, else the pages from `lowest` to the last.
        chain_from = 1 if lowest <= 2 else lowest
        items = [
            (number, item, pages[number].url)
            for number in sorted(pages)
            for item in sorted([*pages[number].posts, *pages[number].broken], key=_position)
        ]
        self.collect(first.thread_id, first.title, items, delivered, chain_from)

    def collect(
        self,
        thread_id: str,
        title: str,
        items: list[tuple[int, _Item, str]],
        delivered: int | None,
        chain_from: int,
    ) -> None:
        """Accept or quarantine the items after the state, then advance the state."""
        ids = [_numeric(item.post_id) for _, item, _ in items]
        after = [_after_state(items, ids, index, delivered) for index in range(len(items))]
        settled: list[bool] = []
        for index, (_number, item, url) in enumerate(items):
            if not after[index]:
                settled.append(True)
            elif isinstance(item, BrokenPost):
                self.read += 1
                self.quarantine.add(
                    self.site.source, f"{url}#{item.position}", item.reason, item.excerpt
                )
                settled.append(True)
            elif f"{self.site.source}:{item.post_id}" in self.seen:
                settled.append(True)  # shown twice after posts moved between pages
            elif not self.window.contains(item.created_at):
                settled.append(False)
            else:
                self.seen.add(f"{self.site.source}:{item.post_id}")
                self.read += 1
                self.rows.append(self.row(thread_id, title, item, url))
                settled.append(True)

        chain = [i for i, (number, _, _) in enumerate(items) if number >= chain_from]
        if delivered is None and chain_from != 1:
            return  # the thread's first post was not read: nothing is known to be delivered
        if (
            delivered is not None
            and chain_from != 1
            and not any(ids[i] is not None and ids[i] <= delivered for i in chain)
        ):
            return  # posts between the state and the pages read may be missing
        newest = delivered
        for index in chain:
            if not after[index]:
                continue
            if not settled[index]:
                break
            if ids[index] is not None:
                newest = ids[index] if newest is None else max(newest, ids[index])
        if newest is not None and newest != delivered:
            self.state[thread_id] = str(newest)

    def row(self, thread_id: str, title: str, post: ForumPost, page_url: str) -> dict:
        return {
            "record_id": f"{self.site.source}:{post.post_id}",
            "source": self.site.source,
            "source_id": post.post_id,
            "kind": "post",
            "thread_id": thread_id,
            "community": title[:300] or None,
            "created_at": post.created_at,
            "author_hash": author_hash(post.author),
            "author_is_bot": is_bot(post.author),
            "title": "",
            "text": post.text,
            "url": post.url,
            "car_hint": None,
            "score": 0,
            "replies": 0,
            "locator": f"{page_url}#post-{post.post_id}",
        }


def _position(item: _Item) -> int:
    return item.position


def _numeric(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _after_state(
    items: list[tuple[int, _Item, str]], ids: list[int | None], index: int, delivered: int | None
) -> bool:
    """Whether an item comes after the state. A post without an id takes the place of the
    nearest post with an id before it on its page (or, failing that, after it)."""
    if delivered is None:
        return True
    own = ids[index]
    if own is None:
        number = items[index][0]
        same_page = [i for i, (n, _, _) in enumerate(items) if n == number and ids[i] is not None]
        before = [ids[i] for i in same_page if i < index]
        later = [ids[i] for i in same_page if i > index]
        own = before[-1] if before else later[0] if later else None
    return own is None or own > delivered


def crawl(
    site: ForumSite,
    session: PoliteSession,
    window: TimeWindow,
    state: dict[str, str] | None = None,
    max_pages: int = 200,
) -> CrawlResult:
    """Read the posts of ``site`` written inside ``window``.

    Tag pages are followed page by page, then every thread found (and every explicit
    thread) is read once: page 1, then back from the last page until the window start or
    the state is reached. At most ``max_pages`` pages are fetched in all (``truncated``
    tells when that cut the crawl short; the state is still exact). ``state`` maps a thread
    id to the id up to which its posts were delivered before: those posts are neither
    fetched again where avoidable nor returned (see the module docstring for why a later
    backfill of an earlier day still finds everything). Raises :class:`FetchError` when a
    page fails after the retries; robots-disallowed URLs are skipped and listed.
    """
    if max_pages < 1:
        raise ValueError("max_pages must be at least 1")
    explicit = site.thread_urls()  # a misconfigured thread fails before any request
    run = _Crawl(site, session, window, dict(state or {}), max_pages)
    requests_before = session.requests_made
    threads: list[str] = []
    for tag in site.tags:
        threads.extend(run.tag_threads(tag))
    threads.extend(explicit)
    done: set[str] = set()
    for base in threads:
        thread_id = thread_id_of(base)
        if thread_id is None or thread_id in done:
            continue
        done.add(thread_id)
        if run.truncated:
            break
        run.thread(base)
    new_state = {**(state or {}), **run.state}
    result = ReadResult(posts_frame(run.rows), run.quarantine, run.read)
    return CrawlResult(
        result=result,
        state=new_state,
        pages=run.pages,
        skipped_robots=run.skipped_robots,
        missing=run.missing,
        truncated=run.truncated,
        requests=session.requests_made - requests_before,
    )
