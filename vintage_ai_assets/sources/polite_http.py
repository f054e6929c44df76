"""Polite HTTP fetching with ``requests``, as the owner-forum crawler needs it.

:class:`PoliteSession` sends an identifying User-Agent, reads ``robots.txt`` once per host
(a disallowed URL is never requested; a ``Crawl-delay`` longer than ours wins), waits a delay
between requests to the same host, retries with exponential backoff on 429, 5xx, timeouts
and connection errors, honours ``Retry-After`` (a longer wait than the backoff cap gives up
rather than come back early), follows redirects by hand so that each hop is checked against
robots.txt, and caps the page size and the time a page may take.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import requests
from protego import Protego

DISALLOW_ALL = "User-agent: *\nDisallow: /\n"


def crawler_user_agent(contact: str | None = None) -> str:
    """The User-Agent the crawler sends: the product, and how a site's operator reaches
    whoever runs it (``VINTAGE_AI_CONTACT``: an e-mail address or a URL)."""
    reach = f"contact: {contact.strip()}" if contact and contact.strip() else "no contact set"
    return f"vintage-ai/0.1 (+market intelligence for classic cars; polite crawler; {reach})"


DEFAULT_USER_AGENT = crawler_user_agent()
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
MAX_RETRIES_LIMIT = 10

_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)


class FetchError(RuntimeError):
    """A page could not be fetched (after the retries, when the failure was transient)."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class RobotsDisallowed(FetchError):
    """robots.txt forbids this URL to our User-Agent; it was not requested."""


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
    _robots: dict[str, Protego] = field(default_factory=dict, init=False, repr=False)
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
            url_origin(current)  # validates the scheme and host
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
        return self._robots_for(url).can_fetch(url, self.user_agent)

    # -- internals

    def _robots_for(self, url: str) -> Protego:
        """The host's robots.txt, read once, by Protego (wildcards, ``$`` anchors, and the
        longest matching rule decides, as Google's and the RFC 9309 rules say)."""
        origin = url_origin(url)
        parser = self._robots.get(origin)
        if parser is not None:
            return parser
        current = origin + "/robots.txt"
        response = self._request(current)
        for _hop in range(MAX_REDIRECTS):
            location = response.headers.get("location")
            if response.status not in REDIRECT_STATUSES or not location:
                break
            current = urljoin(current, location)
            response = self._request(current)
        if response.status == 200:
            rules = response.text
        elif response.status in (401, 403):
            rules = DISALLOW_ALL  # a host that hides its robots.txt is not crawled
        elif 400 <= response.status < 500:
            rules = ""  # no robots.txt: everything is allowed
        else:
            raise FetchError(current, f"robots.txt answered HTTP {response.status}")
        parser = Protego.parse(rules)
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


def url_origin(url: str) -> str:
    """``scheme://host[:port]`` of an http(s) URL; FetchError for any other URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(url, "not an http(s) URL")
    return f"{parts.scheme}://{parts.netloc}"
