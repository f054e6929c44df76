"""Owner forums (XenForo 2 sites such as FerrariChat), fetched politely with ``requests``.

Domain code only: :func:`crawl` reads the threads of a site's tags (and any explicit
threads) and returns the posts written inside a :class:`TimeWindow`, in the shared raw
post shape (:data:`POST_COLUMNS`).

Fetching goes through a :class:`~vintage_ai_assets.sources.polite_http.PoliteSession`
(identifying User-Agent, robots.txt, pacing, retries); pages are parsed by
:mod:`vintage_ai_assets.sources.forum_pages`.

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

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin

from vintage_ai_assets.sources.authors import author_hash, is_bot
from vintage_ai_assets.sources.forum_pages import EARLIEST_POST as EARLIEST_POST
from vintage_ai_assets.sources.forum_pages import EXCERPT_CHARS as EXCERPT_CHARS
from vintage_ai_assets.sources.forum_pages import (
    BrokenPost,
    ForumPost,
    ThreadPage,
    parse_tag_page,
    parse_thread_page,
    thread_base_url,
    thread_id_of,
    thread_page_url,
)
from vintage_ai_assets.sources.polite_http import DEFAULT_USER_AGENT as DEFAULT_USER_AGENT
from vintage_ai_assets.sources.polite_http import (
    FetchError,
    PoliteSession,
    RobotsDisallowed,
    url_origin,
)
from vintage_ai_assets.sources.records import Quarantine, ReadResult, TimeWindow, posts_frame

# ``X as X`` above re-exports EARLIEST_POST, EXCERPT_CHARS and DEFAULT_USER_AGENT, which
# callers read as ``forum.X``; the parsers and the session live in their own modules.

GONE_STATUSES = frozenset({404, 410})  # a thread or page that no longer exists


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
        url_origin(self.base_url)
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
