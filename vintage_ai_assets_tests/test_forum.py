"""Owner-forum crawler against a local XenForo 2 site (saved pages) with scripted faults.

The server listens on 127.0.0.1 only. Sleeps go through a recorder, so the politeness
delay (set high on purpose, never actually slept) and the backoffs are counted, not waited.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from vintage_ai_assets.sources import forum
from vintage_ai_assets.sources.authors import author_hash
from vintage_ai_assets.sources.forum import ForumSite, crawl
from vintage_ai_assets.sources.forum_pages import (
    parse_tag_page,
    parse_thread_page,
    thread_base_url,
)
from vintage_ai_assets.sources.polite_http import (
    FetchError,
    PoliteSession,
    RobotsDisallowed,
    parse_retry_after,
)
from vintage_ai_assets.sources.records import POST_COLUMNS, TimeWindow

FIXTURES = Path(__file__).parent / "fixtures" / "forum"
ROUTES = {
    "/robots.txt": "robots.txt",
    "/forum/tags/testarossa/": "tag-testarossa.html",
    "/forum/tags/testarossa/page-2": "tag-testarossa-page-2.html",
    "/forum/threads/testarossa-timing-belt.123/": "thread-123.html",
    "/forum/threads/testarossa-timing-belt.123/page-2": "thread-123-page-2.html",
    "/forum/threads/testarossa-timing-belt.123/page-3": "thread-123-page-3.html",
    "/forum/threads/f355-gearbox-noise-when-cold.456/": "thread-456.html",
}
T123 = "/forum/threads/testarossa-timing-belt.123/"
T456 = "/forum/threads/f355-gearbox-noise-when-cold.456/"
PRIVATE = "/forum/threads/testarossa-owners-registry.777/"
SLOW = "/forum/threads/slow-thread.888/"
AUTHORS = ["TR_Jim", "Rosso Corsa 512", "modena_mike", "f355_spider", "GearheadGiulia"]
ALL_TIME = TimeWindow(datetime(2000, 1, 1), datetime(2100, 1, 1))
DELAY = 30.0  # recorded, never slept: far above the time between two requests of a test
BACKOFF = 0.25
HANG_SECONDS = 2.0  # how long the slow URL keeps a request (released at teardown)


class ForumServer(ThreadingHTTPServer):
    """Serves the saved pages; records every request; plays scripted faults first."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.log: list[tuple[str, str]] = []  # (path, User-Agent)
        self.script: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.hang: set[str] = set()
        self.overrides: dict[str, str] = {}
        self.release = threading.Event()
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/forum/"

    def paths(self, since: int = 0) -> list[str]:
        with self.lock:
            return [path for path, _ in self.log[since:]]


class _Handler(BaseHTTPRequestHandler):
    server: ForumServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        state = self.server
        path = self.path.split("?", 1)[0]
        with state.lock:
            state.log.append((path, self.headers.get("User-Agent", "")))
            scripted = state.script.get(path)
            fault = scripted.pop(0) if scripted else None
        try:
            if path in state.hang:
                state.release.wait(HANG_SECONDS)
                self._send(200, "<html><body>too late</body></html>")
            elif fault is not None:
                self._send(fault[0], f"<html><body>error {fault[0]}</body></html>", fault[1])
            elif path in state.overrides:
                self._send(200, state.overrides[path])
            elif path in ROUTES:
                self._send(200, (FIXTURES / ROUTES[path]).read_text(encoding="utf-8"))
            else:
                self._send(
                    404, "<html><body>The requested thread could not be found.</body></html>"
                )
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def _send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
        payload = body.encode("utf-8")
        self.send_response(status)
        kind = "text/plain" if self.path.endswith(".txt") else "text/html"
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def server(monkeypatch) -> Iterator[ForumServer]:
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    instance = ForumServer()
    thread = threading.Thread(target=instance.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield instance
    finally:
        instance.release.set()
        instance.shutdown()
        instance.server_close()
        thread.join(timeout=5)


def _session(sleeps: list[float], **options) -> PoliteSession:
    settings = {
        "delay_seconds": DELAY,
        "timeout_seconds": 5.0,
        "max_retries": 2,
        "backoff_seconds": BACKOFF,
        "max_backoff_seconds": 10.0,
        "sleep": sleeps.append,
    }
    return PoliteSession(**{**settings, **options})


def _site(server: ForumServer, **options) -> ForumSite:
    return ForumSite(
        name="ferrarichat", base_url=server.base, **{"tags": ("testarossa",), **options}
    )


def _new_post_page() -> str:
    """Page 3 of thread 123 after someone replied (post 1008)."""
    page = (FIXTURES / "thread-123-page-3.html").read_text(encoding="utf-8")
    reply = """
<article class="message message--post js-post js-inlineModContainer  " data-author="modena_mike"
	data-content="post-1008" id="js-post-1008">
	<span class="u-anchorTarget" id="post-1008"></span>
	<div class="message-inner"><div class="message-cell message-cell--main">
		<div class="message-main js-quickEditTarget">
			<header class="message-attribution message-attribution--split">
				<ul class="message-attribution-main listInline "><li class="u-concealed">
					<a href="/forum/threads/testarossa-timing-belt.123/post-1008" rel="nofollow"><time
						class="u-dt" dir="auto" datetime="2026-02-03T18:10:00+0000"
						data-time="1770142200">Feb 3, 2026</time></a>
				</li></ul>
			</header>
			<div class="message-content js-messageContent"><div class="message-userContent">
				<article class="message-body js-selectToQuote"><div itemprop="text">
					<div class="bbWrapper">Cam seals are a known weak spot, good call.</div>
				</div></article>
			</div></div>
		</div>
	</div></div>
</article>"""
    cut = page.rindex("</article>") + len("</article>")
    return page[:cut] + reply + page[cut:]


# ----------------------------------------------------------------------------- parsing


def test_parse_thread_page_reads_xenforo_posts():
    url = "https://www.ferrarichat.com/forum/threads/testarossa-timing-belt.123/"
    page = parse_thread_page((FIXTURES / "thread-123.html").read_text(), url)
    assert page.thread_id == "123"
    assert page.title == "Testarossa timing belt: how often, really?"
    assert (page.page, page.last_page) == (1, 3)
    assert page.next_url == url + "page-2"
    assert [p.post_id for p in page.posts] == ["1001", "1002", "1003"]
    assert [p.author for p in page.posts] == ["TR_Jim", "Rosso Corsa 512", "modena_mike"]
    assert page.posts[0].created_at == datetime(2026, 1, 10, 9, 15)
    assert page.posts[0].url == url + "post-1001"
    first, reply, mention = (p.text for p in page.posts)
    assert "Ferrari Classiche is $6,500 with the tensioner bearings & water pump." in first
    assert "dataLayer" not in first  # script
    assert "Modena or bust" not in first and "Dino" not in first  # signature
    assert reply.startswith("Every three years, whatever the mileage.")
    assert "said:" not in reply and "The book says" not in reply and "expand" not in reply
    assert mention.startswith("@member I stretched mine") and "TR_Jim" not in mention
    assert page.broken == []


def test_parse_thread_page_reports_posts_without_id_or_time():
    url = "https://www.ferrarichat.com/forum/threads/f355-gearbox-noise-when-cold.456/"
    page = parse_thread_page((FIXTURES / "thread-456.html").read_text(), url)
    assert [p.post_id for p in page.posts] == ["2001", "2004"]
    assert [(b.position, b.post_id, b.reason) for b in page.broken] == [
        (2, "2002", "post time missing or unparsable"),
        (3, None, "post without an id"),
    ]
    assert page.next_url is None and page.last_page == 1
    with pytest.raises(ValueError):
        parse_thread_page("<html></html>", "https://www.ferrarichat.com/forum/members/x.1/")


def test_parse_tag_page_lists_threads_and_next_page():
    base = "https://www.ferrarichat.com/forum/"
    threads, next_url = parse_tag_page(
        (FIXTURES / "tag-testarossa.html").read_text(), base + "tags/testarossa/"
    )
    # contentRow results; the media item is not a thread
    assert threads == [base + "threads/testarossa-timing-belt.123/", base + PRIVATE[7:]]
    assert next_url == base + "tags/testarossa/page-2"
    threads, next_url = parse_tag_page(
        (FIXTURES / "tag-testarossa-page-2.html").read_text(), base + "tags/testarossa/page-2"
    )
    # structItem listing: the prefix label and the page-jump links are not threads
    assert threads == [base + T456[7:], base + T123[7:]]
    assert next_url is None


def test_thread_urls_are_reduced_to_the_first_page():
    base = "https://www.ferrarichat.com/forum/threads/"
    assert thread_base_url(base + "308-gtb-vs.-gts.456/page-7") == base + "308-gtb-vs.-gts.456/"
    assert thread_base_url(base + "slug.123/post-1008#post-1008") == base + "slug.123/"
    assert thread_base_url(base + "123") == base + "123/"
    assert thread_base_url("https://www.ferrarichat.com/forum/members/tr_jim.4211/") is None
    assert parse_retry_after("1") == 1.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    later = datetime(2015, 10, 21, 7, 27, 0).astimezone()
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=later) is not None
    assert parse_retry_after("soon") is None


# ----------------------------------------------------------------------------- crawling


def test_crawl_follows_tags_and_threads_through_faults(server):
    server.script["/forum/tags/testarossa/page-2"] = [(503, {})]
    server.script[T123 + "page-2"] = [(429, {"Retry-After": "1"})]
    sleeps: list[float] = []
    session = _session(sleeps)

    outcome = crawl(_site(server), session, ALL_TIME)

    frame = outcome.result.accepted
    assert list(frame.columns) == POST_COLUMNS
    assert list(frame["source_id"]) == [
        "2001", "1001", "1002", "1003", "1004", "1005", "1006", "2004", "1007",
    ]  # fmt: skip
    assert set(frame["source"]) == {"forum:ferrarichat"}
    assert frame["record_id"].iloc[0] == "forum:ferrarichat:2001"
    assert set(frame["kind"]) == {"post"} and set(frame["title"]) == {""}
    assert frame["car_hint"].isna().all() and (frame[["score", "replies"]] == 0).all().all()
    post = frame.set_index("source_id")
    assert post.loc["1006", "created_at"] == datetime(2026, 1, 31, 14, 3)
    assert post.loc["1007", "created_at"] == datetime(2026, 2, 1, 7, 30)  # not the edit time
    assert post.loc["2001", "created_at"] == datetime(2025, 12, 28, 19, 20)
    assert post.loc["1004", "thread_id"] == "123" and post.loc["2004", "thread_id"] == "456"
    assert post.loc["2004", "community"] == "F355 gearbox noise when cold"
    assert post.loc["1004", "url"] == server.base + "threads/testarossa-timing-belt.123/post-1004"
    assert post.loc["1004", "locator"] == server.base + T123[7:] + "page-2#post-1004"
    # authors: hashed with the shared key, the names themselves appear nowhere
    assert post.loc["1001", "author_hash"] == author_hash("TR_Jim")
    assert post.loc["1002", "author_hash"] == author_hash("Rosso Corsa 512")
    cells = " ".join(frame.astype(str).to_numpy().ravel()).lower()
    for name in AUTHORS:
        assert name.lower() not in cells
    # quotes, signatures, scripts and link previews are not text
    texts = " ".join(frame["text"]).lower()
    for absent in ("said:", "click to expand", "datalayer", "modena or bust", "preview card"):
        assert absent not in texts
    assert "The book says" in post.loc["1001", "text"]
    assert "The book says" not in post.loc["1002", "text"]  # only in the quote of 1001
    assert post.loc["1005", "text"] == (
        "Booked it in for March at the same independent. Will report back with the invoice."
    )
    # broken posts: quarantined with reason and locator, counted as read
    quarantine = outcome.result.quarantine.frame()
    assert sorted(zip(quarantine["locator"], quarantine["reason"], strict=True)) == [
        (server.base + T456[7:] + "#2", "post time missing or unparsable"),
        (server.base + T456[7:] + "#3", "post without an id"),
    ]
    assert "GearheadGiulia" not in " ".join(quarantine["excerpt"])
    assert outcome.result.read == len(frame) + len(quarantine) == 11
    # robots.txt: read once; the disallowed thread was never requested
    paths = server.paths()
    assert paths.count("/robots.txt") == 1 and paths[0] == "/robots.txt"
    assert PRIVATE not in paths
    assert outcome.skipped_robots == [server.base + PRIVATE[7:]]
    # faults retried once each; pagination followed (thread walked back from its last page)
    assert paths.count("/forum/tags/testarossa/page-2") == 2
    assert paths.count(T123 + "page-2") == 2
    assert [p for p in paths if p.startswith(T123)] == [
        T123, T123 + "page-3", T123 + "page-2", T123 + "page-2",
    ]  # fmt: skip
    assert outcome.pages == 6
    assert outcome.requests == session.requests_made == len(paths) == 9
    # our own User-Agent on every request
    assert {agent for _, agent in server.log} == {forum.DEFAULT_USER_AGENT}
    # sleeps: Retry-After honoured, exponential backoff after the 503, a pause before
    # every request but the first
    assert 1.0 in sleeps and BACKOFF in sleeps
    pauses = [s for s in sleeps if s > 10]
    assert len(pauses) == len(paths) - 1 and all(s <= DELAY for s in pauses)
    assert outcome.state == {"123": "1007", "456": "2004"}
    assert not outcome.truncated and outcome.missing == []


def test_incremental_crawl_skips_posts_already_delivered(server):
    sleeps: list[float] = []
    first = crawl(_site(server), _session(sleeps), ALL_TIME)
    assert first.state == {"123": "1007", "456": "2004"}

    server.overrides[T123 + "page-3"] = _new_post_page()
    mark = len(server.log)
    second = crawl(_site(server), _session(sleeps), ALL_TIME, state=first.state)

    assert list(second.result.accepted["source_id"]) == ["1008"]
    assert len(second.result.quarantine) == 0  # the broken posts were dealt with before
    assert second.result.read == 1
    assert second.state == {"123": "1008", "456": "2004"}
    paths = server.paths(mark)
    assert T123 + "page-2" not in paths  # the walk back stopped at the page holding 1007
    assert second.pages == 5 and second.pages < first.pages

    third = crawl(_site(server), _session(sleeps), ALL_TIME, state=second.state)
    assert third.result.accepted.empty and third.result.read == 0
    assert third.state == second.state


def test_day_window_never_marks_unread_posts_as_delivered(server):
    site = _site(
        server,
        tags=(),
        threads=(
            "threads/testarossa-timing-belt.123/",
            server.base + "threads/f355-gearbox-noise-when-cold.456/post-2004",
        ),
    )
    day = crawl(site, _session([]), TimeWindow(datetime(2026, 2, 1), datetime(2026, 2, 2)))
    assert list(day.result.accepted["source_id"]) == ["1007"]
    assert T123 + "page-2" not in server.paths()  # page 3 starts before the day
    assert len(day.result.quarantine) == 2  # undated posts are quarantined whatever the window
    assert day.result.read == 3
    assert day.state == {}  # neither thread was delivered from its first post

    backfill = crawl(
        site, _session([]), TimeWindow(datetime(2026, 1, 20), datetime(2026, 1, 21)), day.state
    )
    assert list(backfill.result.accepted["source_id"]) == ["1004"]


def test_page_budget_truncates_without_claiming_delivery(server):
    outcome = crawl(_site(server), _session([]), ALL_TIME, max_pages=4)
    assert outcome.truncated and outcome.pages == 4
    assert list(outcome.result.accepted["source_id"]) == ["1001", "1002", "1003", "1006", "1007"]
    assert outcome.state == {}
    assert T456 not in server.paths()


def test_timeouts_raise_fetch_error_after_retries(server):
    server.hang.add(SLOW)
    sleeps: list[float] = []
    session = _session(sleeps, timeout_seconds=0.2, max_retries=2)
    site = _site(server, tags=(), threads=("threads/slow-thread.888/",))
    with pytest.raises(FetchError) as caught:
        crawl(site, session, ALL_TIME)
    assert caught.value.url == server.base + SLOW[7:]
    assert "gave up after 3 attempts" in str(caught.value) and "Timeout" in str(caught.value)
    assert server.paths().count(SLOW) == 3
    assert [s for s in sleeps if s < 10] == [BACKOFF, 2 * BACKOFF]


def test_robots_disallowed_url_is_never_requested(server):
    session = _session([])
    with pytest.raises(RobotsDisallowed):
        session.get(server.base + PRIVATE[7:])
    assert server.paths() == ["/robots.txt"]
    assert session.allowed(server.base + T123[7:])


ROBOTS_RULES = """User-agent: *
Disallow: /forum/*/reply
Disallow: /*.php$
Disallow: /forum/members/
Allow: /forum/members/public
"""


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/forum/threads/testarossa.1/reply", False),  # wildcard in the middle
        ("/forum/threads/testarossa.1/", True),
        ("/forum/index.php", False),  # "$": the URL ends there
        ("/forum/index.php?page=2", True),  # ... and this one does not
        ("/forum/members/jim.5/", False),
        ("/forum/members/public-list", True),  # the longest matching rule wins
    ],
)
def test_robots_rules_are_read_as_crawlers_read_them(server, path, allowed):
    """Wildcards, end anchors and the longest match (the standard library's parser knows
    none of them: it allowed the first three and applied the first rule, not the longest)."""
    server.overrides["/robots.txt"] = ROBOTS_RULES
    origin = server.base.removesuffix("/forum/")
    assert _session([]).allowed(origin + path) is allowed


def test_the_user_agent_names_the_product_and_the_operator_contact(tmp_path):
    from vintage_ai_assets.defs.platform.resources import build_resources
    from vintage_ai_assets.settings import Settings

    forums = build_resources(Settings.for_directory(tmp_path, contact="ops@example.org"))
    agent = forums["forums"].session().user_agent
    assert agent.startswith("vintage-ai/") and "contact: ops@example.org" in agent
    assert (
        "no contact set"
        in build_resources(Settings.for_directory(tmp_path))["forums"].session().user_agent
    )


def test_long_retry_after_and_client_errors_are_not_retried(server):
    server.script[T123] = [(429, {"Retry-After": "3600"})]
    sleeps: list[float] = []
    session = _session(sleeps)
    with pytest.raises(FetchError, match="Retry-After 3600s"):
        session.get(server.base + T123[7:])
    assert server.paths().count(T123) == 1 and not [s for s in sleeps if s < 10]

    with pytest.raises(FetchError) as caught:
        session.get(server.base + "threads/deleted-thread.999/")
    assert caught.value.status == 404
    assert server.paths().count("/forum/threads/deleted-thread.999/") == 1

    gone = crawl(
        _site(server, tags=(), threads=("threads/deleted-thread.999/",)), session, ALL_TIME
    )
    assert gone.missing == [server.base + "threads/deleted-thread.999/"]
    assert gone.result.accepted.empty and gone.pages == 0
