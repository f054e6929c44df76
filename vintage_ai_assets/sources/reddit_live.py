"""Reddit live source: recent submissions and comments through the official API (praw).

Application-only OAuth (client credentials grant), read-only. Rows are built with
:func:`vintage_ai_assets.sources.reddit_archive.record_from_json`, so live and archive
records share one shape (``record_id`` is ``reddit:<id>``, authors are hashed).

Retries live in one place: :class:`RetryingRequestor`, the HTTP layer praw is built on
(``praw.Reddit(requestor_class=...)`` is praw's documented extension point). It retries a
429 (honouring ``Retry-After``), a 5xx, a timeout or dropped connection, and a 200 whose
body is not JSON, a bounded number of times with an injectable ``sleep``. Because it
never hands a retryable response back to prawcore, prawcore's own server-error retries
(which sleep on the real clock) do not stack on top of it. When the attempts run out it
raises :class:`RedditFetchError`, which :func:`fetch_window` lets through; every other
API failure is turned into a :class:`RedditFetchError` too, so the caller's partition
keeps its previous content. Messages name the request path, the HTTP status or the
exception type, never credentials or tokens.

Comment trees arrive with "load more comments" stubs (praw's :class:`MoreComments`) where
Reddit cut them. Each expansion costs one API request (``/api/morechildren``, or
``/comments/<id>/_/<comment>`` for a "continue this thread" stub). :func:`fetch_window`
expands them within a budget, per submission and per call, largest stub first, and
reports in :class:`RedditReadResult` the requests spent, the stubs left and the comments
those stand for (their ``count``; 0 for "continue this thread", so a lower bound).
"""

from __future__ import annotations

import heapq
import ipaddress
import itertools
import logging
import math
import re
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import praw
import prawcore
import requests
from praw.exceptions import PRAWException
from praw.models import MoreComments
from prawcore.exceptions import (
    BadJSON,
    OAuthException,
    PrawcoreException,
    RequestException,
    ResponseException,
)

from vintage_ai_assets.sources.parsing import to_utc_naive
from vintage_ai_assets.sources.records import Quarantine, ReadResult, TimeWindow, posts_frame
from vintage_ai_assets.sources.reddit_access import (
    MORE_PER_RUN,
    MORE_PER_SUBMISSION,
    RedditCredentials,
    RedditFetchError,
)
from vintage_ai_assets.sources.reddit_archive import record_from_json

log = logging.getLogger(__name__)

SOURCE = "reddit"
LOCATOR_PREFIX = "reddit-api:"
DEFAULT_OAUTH_URL = "https://oauth.reddit.com"
DEFAULT_REDDIT_URL = "https://www.reddit.com"
PAGE_SIZE = 100  # Reddit's largest listing page
MAX_RETRY_AFTER = 300.0  # a longer Retry-After fails the run rather than blocking it
_SUBREDDIT_NAME = re.compile(r"^[A-Za-z0-9_]{2,21}$")
_LOOPBACK_NAMES = {"localhost"}

# Attributes of a praw Submission / Comment copied into the archive-shaped dict.
_PLAIN_FIELDS = (
    "id",
    "name",
    "created_utc",
    "title",
    "selftext",
    "body",
    "score",
    "num_comments",
    "permalink",
    "url",
    "link_id",
    "parent_id",
)


class RetryingRequestor(prawcore.Requestor):
    """prawcore's HTTP layer with our timeout and a bounded retry on transient failures."""

    def __init__(
        self,
        *,
        retries: int,
        backoff: float,
        sleep: Callable[[float], object],
        max_retry_after: float = MAX_RETRY_AFTER,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.retries = max(0, int(retries))
        self.backoff = max(0.0, float(backoff))
        self.sleep = sleep
        self.max_retry_after = max_retry_after

    def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        # prawcore's Session always passes its module-wide TIMEOUT; our own timeout wins.
        del timeout
        method = str(args[0]).upper() if args else str(kwargs.get("method", "")).upper()
        url = str(args[1]) if len(args) > 1 else str(kwargs.get("url", ""))
        where = f"{method} {urlsplit(url).path}"
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            wait = self.backoff * 2 ** (attempt - 1)
            try:
                response = self._http.request(*args, timeout=self.timeout, **kwargs)
            except (
                requests.exceptions.Timeout,
                requests.exceptions.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                problem = type(exc).__name__
            except requests.exceptions.RequestException as exc:
                raise RedditFetchError(f"{where}: request failed ({type(exc).__name__})") from None
            else:
                status = response.status_code
                if status == 429:
                    problem = "HTTP 429 (rate limited)"
                    retry_after = _retry_after_seconds(response.headers.get("retry-after"))
                    if retry_after is not None:
                        if retry_after > self.max_retry_after:
                            raise RedditFetchError(
                                f"{where}: rate limited, Retry-After {retry_after:g} s is longer"
                                f" than {self.max_retry_after:g} s"
                            )
                        wait = max(wait, retry_after)
                elif status >= 500:
                    problem = f"HTTP {status}"
                elif status == 200 and not _json_body_ok(response):
                    problem = "malformed JSON"
                else:
                    return response
                response.close()
            if attempt == attempts:
                raise RedditFetchError(f"{where}: {problem} after {attempts} attempt(s)")
            log.warning(
                "Reddit %s: %s; retry %d/%d in %.1f s", where, problem, attempt, self.retries, wait
            )
            self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


def _retry_after_seconds(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else math.nan
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _json_body_ok(response: requests.Response) -> bool:
    if response.headers.get("content-length") == "0" or not response.content:
        return True
    try:
        response.json()
    except ValueError:
        return False
    return True


def _checked_url(url: str | None, default: str, name: str) -> str:
    if url is None:
        return default
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return url.rstrip("/")
    if parts.scheme == "http" and host:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host.lower() in _LOOPBACK_NAMES
        if loopback:  # credentials go in clear text: only to this machine (tests)
            return url.rstrip("/")
    raise ValueError(f"{name} must be an https URL (plain http only to a loopback host)")


def make_reddit(
    credentials: RedditCredentials,
    *,
    oauth_url: str | None = None,
    reddit_url: str | None = None,
    timeout: float = 16.0,
    retries: int = 3,
    backoff: float = 2.0,
    sleep: Callable[[float], object] = time.sleep,
) -> praw.Reddit:
    """A read-only praw client with application-only OAuth (client credentials grant).

    Every praw setting is passed explicitly, so neither a ``praw.ini`` (praw still parses
    its packaged one and any user/working-directory file) nor ``praw_*`` environment
    variables can change endpoints, credentials or behaviour. ``oauth_url`` (API calls)
    and ``reddit_url`` (token endpoint) redirect the client, e.g. to a fake server.
    """
    settings: dict[str, Any] = {
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "user_agent": credentials.user_agent,
        "oauth_url": _checked_url(oauth_url, DEFAULT_OAUTH_URL, "oauth_url"),
        "reddit_url": _checked_url(reddit_url, DEFAULT_REDDIT_URL, "reddit_url"),
        "short_url": "https://redd.it",
        "redirect_uri": None,
        "refresh_token": None,
        "username": None,
        "password": None,
        "check_for_updates": False,
        "check_for_async": False,
        "comment_kind": "t1",
        "message_kind": "t4",
        "redditor_kind": "t2",
        "submission_kind": "t3",
        "subreddit_kind": "t5",
        "trophy_kind": "t6",
        "ratelimit_seconds": 5,
        "timeout": max(1, math.ceil(timeout)),
        "window_size": 600,
    }
    reddit = praw.Reddit(
        "DEFAULT",
        config_interpolation=None,
        requestor_class=RetryingRequestor,
        requestor_kwargs={
            "timeout": float(timeout),
            "retries": retries,
            "backoff": backoff,
            "sleep": sleep,
        },
        **settings,
    )
    reddit.read_only = True
    return reddit


def _redact(text: str, reddit: praw.Reddit) -> str:
    config = getattr(reddit, "config", None)
    for secret in (getattr(config, "client_secret", None), getattr(config, "client_id", None)):
        if isinstance(secret, str) and len(secret) >= 4:
            text = text.replace(secret, "<redacted>")
    return text


def _api_error(what: str, exc: Exception, reddit: praw.Reddit) -> RedditFetchError:
    """A RedditFetchError describing ``exc`` without credentials, tokens or URLs' queries."""
    if isinstance(exc, RedditFetchError):
        message = str(exc)
    elif isinstance(exc, BadJSON):
        message = "malformed JSON"
    elif isinstance(exc, ResponseException):
        message = f"HTTP {exc.response.status_code} ({type(exc).__name__})"
    elif isinstance(exc, OAuthException):
        message = f"authentication refused ({exc.error})"
    elif isinstance(exc, RequestException):
        message = f"request failed ({type(exc.original_exception).__name__})"
    elif isinstance(exc, (PrawcoreException, PRAWException)):
        message = type(exc).__name__
    else:
        message = f"unexpected response ({type(exc).__name__})"
    return RedditFetchError(_redact(f"Reddit API, {what}: {message}", reddit))


_API_ERRORS = (
    RedditFetchError,
    PrawcoreException,
    PRAWException,
    requests.exceptions.RequestException,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
)


def _next_thing(iterator: Iterator[Any], what: str, reddit: praw.Reddit) -> Any | None:
    try:
        return next(iterator)
    except StopIteration:
        return None
    except _API_ERRORS as exc:
        raise _api_error(what, exc, reddit) from None


@dataclass
class MoreTally:
    """What the "load more comments" expansions of one fetch cost and left behind."""

    requests: int = 0  # expansion requests made (one per stub expanded)
    stubs_left: int = 0  # stubs not expanded (budget spent, or a stub that cannot be)
    comments_left: int = 0  # sum of the left stubs' ``count``: comments not fetched

    def add(self, other: MoreTally) -> None:
        self.requests += other.requests
        self.stubs_left += other.stubs_left
        self.comments_left += other.comments_left


@dataclass
class RedditReadResult(ReadResult):
    """A :class:`ReadResult` plus the cost and the leftovers of comment-tree expansion."""

    more: MoreTally = field(default_factory=MoreTally)


def _more_count(stub: Any) -> int:
    count = vars(stub).get("count")
    return count if isinstance(count, int) and count > 0 else 0


def _expandable(stub: Any) -> bool:
    """Whether praw can expand ``stub`` (its asserts hold): children listed iff count > 0."""
    data = vars(stub)
    children = data.get("children")
    parent_id = data.get("parent_id")
    if not isinstance(children, list) or not isinstance(parent_id, str) or "_" not in parent_id:
        return False
    return bool(children) == (_more_count(stub) > 0)


def _flatten(things: Any) -> list[Any]:
    """Comments and stubs of a forest or list, replies included, breadth first."""
    queue = deque(things)
    flat: list[Any] = []
    while queue:
        thing = queue.popleft()
        flat.append(thing)
        if not isinstance(thing, MoreComments):
            queue.extend(thing.replies)
    return flat


def _comments_of(submission: Any, reddit: praw.Reddit, budget: int) -> tuple[list[Any], MoreTally]:
    """The comments of ``submission``'s tree, expanding at most ``budget`` "more" stubs.

    The same policy as praw's ``CommentForest.replace_more(limit=budget, threshold=0)``
    (the stub standing for most comments first; stubs found inside an expansion join the
    queue and count against the same budget), written out because ``replace_more`` does
    not tell how many requests it made, and a budget per fetch needs that number.
    """
    what = f"comments of t3_{vars(submission).get('id')}"
    tally = MoreTally()
    comments: list[Any] = []
    queue: list[tuple[int, int, Any]] = []
    order = itertools.count()  # ties keep tree order, so the choice is deterministic

    def take(things: Any) -> None:
        for thing in _flatten(things):
            if isinstance(thing, MoreComments):
                heapq.heappush(queue, (-_more_count(thing), next(order), thing))
            else:
                comments.append(thing)

    try:
        take(submission.comments)
        while queue:
            _, _, stub = heapq.heappop(queue)
            if tally.requests >= budget or not _expandable(stub):
                tally.stubs_left += 1
                tally.comments_left += _more_count(stub)
                continue
            tally.requests += 1
            take(stub.comments())
    except (*_API_ERRORS, AssertionError) as exc:  # praw asserts on odd expansion replies
        raise _api_error(what, exc, reddit) from None
    return comments, tally


def thing_dict(thing: Any) -> dict[str, Any]:
    """A pushshift-shaped dict from a praw Submission/Comment, without lazy API fetches."""
    data = vars(thing)
    obj = {key: data[key] for key in _PLAIN_FIELDS if key in data}
    if "subreddit" in data:
        subreddit = data["subreddit"]
        obj["subreddit"] = (
            subreddit if isinstance(subreddit, str) else getattr(subreddit, "display_name", None)
        )
    author = data.get("author")
    obj["author"] = (
        author if isinstance(author, str) or author is None else vars(author).get("name")
    )
    return obj


def _excerpt(obj: dict[str, Any]) -> dict[str, Any]:
    """What a quarantined thing looked like, without its author's name."""
    return {key: value for key, value in obj.items() if key != "author"}


def _fullname(obj: dict[str, Any], kind: str) -> str:
    name = obj.get("name")
    if isinstance(name, str) and name:
        return name
    source_id = obj.get("id")
    return f"{kind}_{source_id}" if isinstance(source_id, str) and source_id else f"{kind}_?"


def _subreddit_path(subreddits: Sequence[str]) -> str:
    names = [name.strip().removeprefix("r/") for name in subreddits if name.strip()]
    bad = [name for name in names if not _SUBREDDIT_NAME.match(name)]
    if bad:
        raise ValueError(f"invalid subreddit name(s): {bad}")
    return "+".join(dict.fromkeys(names))


def fetch_window(
    reddit: praw.Reddit,
    subreddits: Sequence[str],
    search_terms: Sequence[str],
    window: TimeWindow,
    *,
    max_submissions: int = 2000,
    comments: bool = True,
    more_per_submission: int = MORE_PER_SUBMISSION,
    more_per_run: int | None = MORE_PER_RUN,
) -> RedditReadResult:
    """Submissions and comments written inside ``window``, from listings and search.

    Listings are read newest first; each stops at the first submission older than
    ``window.start`` (or after ``max_submissions`` items). Comments are read from the
    trees of the kept submissions, expanding at most ``more_per_submission`` "load more
    comments" stubs per tree and ``more_per_run`` in all (None: no total; 0: none, the
    stubs are only counted). Raises :class:`RedditFetchError` when the API cannot be
    read, after the client's bounded retries.
    """
    quarantine = Quarantine()
    rows: list[dict] = []
    kept: dict[str, tuple[Any, dict[str, Any]]] = {}
    limit = max(0, int(max_submissions))
    listings: list[tuple[str, Iterator[Any]]] = []
    path = _subreddit_path(subreddits)
    if path:
        listings.append(
            (f"r/{path}/new", reddit.subreddit(path).new(limit=limit, request_limit=PAGE_SIZE))
        )
    for term in dict.fromkeys(t.strip() for t in search_terms if t.strip()):
        generator = reddit.subreddit("all").search(
            term, sort="new", limit=limit, request_limit=PAGE_SIZE
        )
        listings.append((f"search {term!r}", generator))

    quarantined: set[str] = set()
    truncated = False
    for what, iterator in listings:
        for _ in range(limit):
            thing = _next_thing(iterator, what, reddit)
            if thing is None:
                break
            obj = thing_dict(thing)
            created = to_utc_naive(obj.get("created_utc"))
            if created is None:
                fullname = _fullname(obj, "t3")
                if fullname not in quarantined:
                    quarantined.add(fullname)
                    _, reason = record_from_json(obj, LOCATOR_PREFIX + fullname)
                    quarantine.add(
                        SOURCE, LOCATOR_PREFIX + fullname, reason or "invalid", _excerpt(obj)
                    )
                continue
            if created >= window.end:
                continue
            if created < window.start:
                break  # newest first: everything after this is older still
            source_id = obj.get("id")
            key = source_id if isinstance(source_id, str) else _fullname(obj, "t3")
            if key in kept:
                continue
            if len(kept) >= limit:
                truncated = True
                break
            kept[key] = (thing, obj)
    if truncated:
        log.warning("Reddit live: stopped at max_submissions=%d for %s", limit, window)

    per_submission = max(0, int(more_per_submission))
    run_budget = None if more_per_run is None else max(0, int(more_per_run))
    more = MoreTally()
    seen_comments: set[str] = set()
    for thing, obj in kept.values():
        fullname = _fullname(obj, "t3")
        row, reason = record_from_json(obj, LOCATOR_PREFIX + fullname)
        if row is None:
            quarantine.add(SOURCE, LOCATOR_PREFIX + fullname, reason or "invalid", _excerpt(obj))
            continue
        rows.append(row)
        if not comments:
            continue
        budget = per_submission if run_budget is None else min(per_submission, run_budget)
        tree, tally = _comments_of(thing, reddit, budget)
        more.add(tally)
        if run_budget is not None:
            run_budget -= tally.requests
        for comment in tree:
            cobj = thing_dict(comment)
            cname = _fullname(cobj, "t1")
            if cname in seen_comments:
                continue
            seen_comments.add(cname)
            created = to_utc_naive(cobj.get("created_utc"))
            if created is not None and not window.contains(created):
                continue
            crow, reason = record_from_json(cobj, LOCATOR_PREFIX + cname)
            if crow is None:
                quarantine.add(SOURCE, LOCATOR_PREFIX + cname, reason or "invalid", _excerpt(cobj))
            else:
                rows.append(crow)
    if more.stubs_left:
        log.warning(
            "Reddit live %s .. %s: %d 'load more comments' stub(s) not expanded, standing for"
            " %d comment(s); %d expansion request(s) made (budget: %d per submission, %s per"
            " run)",
            window.start,
            window.end,
            more.stubs_left,
            more.comments_left,
            more.requests,
            per_submission,
            "no limit" if more_per_run is None else max(0, int(more_per_run)),
        )
    log.info(
        "Reddit live %s .. %s: %d records, %d quarantined",
        window.start,
        window.end,
        len(rows),
        len(quarantine),
    )
    return RedditReadResult(posts_frame(rows), quarantine, len(rows) + len(quarantine), more=more)
