"""The Reddit live source against a fake Reddit API on 127.0.0.1 (no network, no real sleeps)."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import dagster as dg
import pytest

from vintage_ai_assets.sources.authors import author_hash
from vintage_ai_assets.sources.records import POST_COLUMNS, TimeWindow
from vintage_ai_assets.sources.reddit_access import (
    DEFAULT_USER_AGENT,
    RedditCredentials,
    RedditFetchError,
)
from vintage_ai_assets.sources.reddit_live import MoreTally, fetch_window, make_reddit
from vintage_ai_assets_tests.fake_reddit import FakeReddit, comment, more, submission

CLIENT_ID = "vintage-client-id-4711"
CLIENT_SECRET = "s3cr3t-client-secret-do-not-leak"
TOKEN = "fake-access-token-0f9e8d7c6b5a"
USER_AGENT = "vintage-ai-tests/0.1 (fake reddit)"
SUBREDDITS = ["classiccars", "porsche"]
TERMS = ["300SL"]
NEW_PATH = "/r/classiccars+porsche/new"
SEARCH_PATH = "/r/all/search"
MORE_PATH = "/api/morechildren"
RETRIES = 3
BACKOFF = 0.25
CLIENT_TIMEOUT = 0.5

WINDOW = TimeWindow(datetime(2025, 11, 20), datetime(2025, 11, 21))
START = WINDOW.start.replace(tzinfo=UTC).timestamp()
END = WINDOW.end.replace(tzinfo=UTC).timestamp()
H = 3600.0


def _submissions() -> list[dict]:
    return [
        # newer than the window: skipped, but the listing goes on
        submission("n1", END + H, title="Mercedes 300SL sighting", author="zed"),
        submission("n2", END + 60, subreddit="porsche", title="Just now", author="zed"),
        # inside the window
        submission(
            "w1",
            START + 20 * H,
            title="1957 Mercedes 300SL Roadster sold",
            selftext="Sold for 1.2M",
            author="alice_classic",
            score=42,
            num_comments=6,
        ),
        submission(
            "w2", START + 18 * H, subreddit="porsche", title="911 RS barn find", author="bob"
        ),
        submission("bad1", START + 16 * H, title=None, author="mallory"),  # no title
        submission("w3", START + 12 * H, title="E-Type question", author="[deleted]"),
        submission("w4", START + 6 * H, subreddit="porsche", title="356 price", author="carol"),
        submission("w5", START + 1 * H, title="Jaguar XK120", author="carol"),
        submission("s1", START + 10 * H, subreddit="cars", title="300SL Gullwing", author="erin"),
        # older than the window: the listings stop at the first of these
        submission("o1", START - 60, title="old 300SL", author="old"),
        submission("s2", START - H, subreddit="cars", title="300SL older", author="old"),
        submission("o5", START - 2 * H, subreddit="porsche", title="300SL parts", author="old"),
        *[
            submission(f"p{i}", START - (3 + i) * H, subreddit="porsche", title="300SL", author="o")
            for i in range(6)
        ],
    ]


def _comments() -> dict[str, list[dict]]:
    return {
        "w1": [
            comment(
                "c1",
                START + 20.5 * H,
                link_id="w1",
                author="dave",
                body="Great car",
                replies=[
                    comment(
                        "c2",
                        START + 21 * H,
                        link_id="w1",
                        parent_id="t1_c1",
                        author="alice_classic",
                        body="Thanks!",
                        depth=1,
                        replies=[
                            comment(
                                "c3",
                                END + 100,  # after the window
                                link_id="w1",
                                parent_id="t1_c2",
                                body="Late reply",
                                depth=2,
                            )
                        ],
                    ),
                    more("t1_c1", ["c7"], depth=1),
                ],
            ),
            comment("c4", START + 22 * H, link_id="w1", author="[deleted]", body="[deleted]"),
            comment("c5", START + 23 * H, link_id="w1", author="AutoModerator", body="Rules"),
            comment("cbad", "soon", link_id="w1", author="frank", body="bad date"),
            more("t3_w1", ["c8", "c9"]),
        ],
        "s1": [
            comment("c6", START + 11 * H, link_id="s1", subreddit="cars", author="erin"),
            more("t3_s1", ["c11"]),
        ],
    }


def _hidden() -> dict[str, list[dict]]:
    """The comments behind the "more" stubs above (served by /api/morechildren)."""
    return {
        "w1": [
            comment("c7", START + 20.7 * H, link_id="w1", parent_id="t1_c1", depth=1),
            comment("c8", START + 21.5 * H, link_id="w1", author="gina", body="Worth it"),
            comment("c9", START + 22.5 * H, link_id="w1", author="hank", body="Too much"),
        ],
        "s1": [comment("c11", START + 12 * H, link_id="s1", subreddit="cars", author="ivan")],
    }


# behind the stubs: t3_w1 ["c8", "c9"] (count 2), t1_c1 ["c7"] (1), t3_s1 ["c11"] (1)
BEHIND_STUBS = {"reddit:c7", "reddit:c8", "reddit:c9", "reddit:c11"}


EXPECTED_IDS = {
    "reddit:w1",
    "reddit:w2",
    "reddit:w3",
    "reddit:w4",
    "reddit:w5",
    "reddit:s1",
    "reddit:c1",
    "reddit:c2",
    "reddit:c4",
    "reddit:c5",
    "reddit:c6",
    *BEHIND_STUBS,
}
AUTHORS = ["alice_classic", "bob", "carol", "dave", "erin", "mallory", "frank", "zed", "gina"]


@pytest.fixture
def fake():
    with FakeReddit(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        submissions=_submissions(),
        comments=_comments(),
        hidden=_hidden(),
        page_size=3,
        access_token=TOKEN,
    ) as server:
        yield server
    assert server.errors == []


class SleepRecorder:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def _client(fake: FakeReddit, sleep: SleepRecorder, secret: str = CLIENT_SECRET):
    credentials = RedditCredentials(CLIENT_ID, secret, USER_AGENT)
    return make_reddit(
        credentials,
        oauth_url=fake.url,
        reddit_url=fake.url,
        timeout=CLIENT_TIMEOUT,
        retries=RETRIES,
        backoff=BACKOFF,
        sleep=sleep,
    )


def _fetch(fake: FakeReddit, sleep: SleepRecorder | None = None, **kwargs):
    reddit = _client(fake, sleep or SleepRecorder())
    return fetch_window(reddit, SUBREDDITS, TERMS, WINDOW, **kwargs)


def _assert_complete(result) -> None:
    frame = result.accepted
    assert set(frame["record_id"]) == EXPECTED_IDS
    assert frame["record_id"].is_unique
    assert result.read == len(EXPECTED_IDS) + 2


def _assert_no_secrets(text: str) -> None:
    assert CLIENT_SECRET not in text
    assert TOKEN not in text
    assert CLIENT_ID not in text


# -- the happy path ---------------------------------------------------------------------


def test_fetch_window_reads_listings_search_and_comments(fake, caplog):
    caplog.set_level(logging.DEBUG)
    sleep = SleepRecorder()
    result = _fetch(fake, sleep)
    frame = result.accepted

    # application-only OAuth: a client-credentials token, basic auth with id and secret
    token_calls = fake.requests_to("/api/v1/access_token")
    assert len(token_calls) == 1
    assert token_calls[0].method == "POST"
    expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert token_calls[0].headers["Authorization"] == f"Basic {expected}"
    assert "grant_type=client_credentials" in token_calls[0].body
    for request in fake.log:
        assert request.headers["User-Agent"].startswith(USER_AGENT)
        if request.path != "/api/v1/access_token":
            assert request.headers["Authorization"] == f"bearer {TOKEN}"
            assert request.query["raw_json"] == "1"

    # listings paginated with `after`, stopping at the first page older than the window
    listing_pages = fake.requests_to(NEW_PATH)
    assert [r.query.get("after") for r in listing_pages] == [None, "t3_w1", "t3_w3"]
    search_pages = fake.requests_to(SEARCH_PATH)
    assert [r.query.get("after") for r in search_pages] == [None, "t3_s1"]
    assert {r.query["q"] for r in search_pages} == {"300SL"}
    assert {r.query["sort"] for r in search_pages} == {"new"}
    # comment trees of the kept submissions only (bad1 is quarantined, so not read)
    fetched = {r.path for r in fake.requests_to("/comments/")}
    assert fetched == {f"/comments/{i}" for i in ("w1", "w2", "w3", "w4", "w5", "s1")}
    assert all(r.status == 200 for r in fake.log)
    assert sleep.calls == []

    # only in-window records, w1 once although both the listing and the search found it
    _assert_complete(result)
    assert list(frame.columns) == POST_COLUMNS
    assert frame["created_at"].between(WINDOW.start, WINDOW.end, inclusive="left").all()
    rows = frame.set_index("record_id")
    assert rows.loc["reddit:w1", "kind"] == "submission"
    assert rows.loc["reddit:w1", "thread_id"] == "w1"
    assert rows.loc["reddit:w1", "title"] == "1957 Mercedes 300SL Roadster sold"
    assert rows.loc["reddit:w1", "text"] == "Sold for 1.2M"
    assert rows.loc["reddit:w1", "score"] == 42
    assert rows.loc["reddit:w1", "replies"] == 6
    assert rows.loc["reddit:w1", "url"] == "https://www.reddit.com/r/classiccars/comments/w1/a_car/"
    assert rows.loc["reddit:w1", "locator"] == "reddit-api:t3_w1"
    assert rows.loc["reddit:w2", "community"] == "porsche"
    assert rows.loc["reddit:s1", "community"] == "cars"

    # the comment tree flattened (nested replies included), each tied to its thread
    comments = frame[frame["kind"] == "comment"].set_index("record_id")
    assert set(comments.index) == {
        "reddit:c1",
        "reddit:c2",
        "reddit:c4",
        "reddit:c5",
        "reddit:c6",
        *BEHIND_STUBS,  # the "load more comments" stubs expanded (default budget)
    }
    assert comments.loc["reddit:c7", "thread_id"] == "w1"
    assert comments.loc["reddit:c11", "thread_id"] == "s1"
    assert result.more == MoreTally(requests=3, stubs_left=0, comments_left=0)
    assert comments.loc["reddit:c2", "thread_id"] == "w1"
    assert comments.loc["reddit:c2", "text"] == "Thanks!"
    assert comments.loc["reddit:c6", "thread_id"] == "s1"
    assert comments.loc["reddit:c1", "locator"] == "reddit-api:t1_c1"
    assert comments["title"].eq("").all()

    # authors hashed, never stored; deleted authors have none; bots flagged
    assert rows.loc["reddit:w1", "author_hash"] == author_hash("alice_classic")
    assert comments.loc["reddit:c2", "author_hash"] == author_hash("alice_classic")
    assert rows.loc["reddit:w3", "author_hash"] is None
    assert comments.loc["reddit:c4", "author_hash"] is None
    assert bool(comments.loc["reddit:c5", "author_is_bot"])
    assert not bool(comments.loc["reddit:c1", "author_is_bot"])
    dumped = frame.to_csv() + result.quarantine.frame().to_csv()
    for name in AUTHORS:
        assert name not in dumped

    # what could not become a row is quarantined with its API locator and the reason
    quarantined = result.quarantine.frame().set_index("locator")
    assert set(quarantined.index) == {"reddit-api:t3_bad1", "reddit-api:t1_cbad"}
    assert quarantined.loc["reddit-api:t3_bad1", "reason"] == "submission without title"
    assert quarantined.loc["reddit-api:t1_cbad", "reason"] == "missing or invalid created_utc"
    assert result.read == len(frame) + len(result.quarantine)

    _assert_no_secrets(dumped)
    _assert_no_secrets(caplog.text)


def test_without_comments_and_bounded_by_max_submissions(fake):
    result = _fetch(fake, comments=False, max_submissions=3)
    assert fake.requests_to("/comments/") == []
    # each listing stops after max_submissions items: n1, n2, w1 and n1, w1, s1
    assert set(result.accepted["record_id"]) == {"reddit:w1", "reddit:s1"}
    assert len(fake.requests_to(NEW_PATH)) == 1
    assert len(fake.requests_to(SEARCH_PATH)) == 1


# -- faults -----------------------------------------------------------------------------


def test_429_with_retry_after_is_waited_out_then_retried(fake):
    fake.add_fault(NEW_PATH, "status", status=429, headers={"Retry-After": "1"})
    sleep = SleepRecorder()
    result = _fetch(fake, sleep)
    _assert_complete(result)
    first_page = [r for r in fake.requests_to(NEW_PATH) if "after" not in r.query]
    assert [r.status for r in first_page] == [429, 200]
    assert sleep.calls == [1.0]  # Retry-After (longer than the 0.25 s backoff)


def test_server_error_is_retried_with_backoff(fake):
    fake.add_fault("/comments/w1", "status", status=500)
    sleep = SleepRecorder()
    result = _fetch(fake, sleep)
    _assert_complete(result)
    assert [r.status for r in fake.requests_to("/comments/w1")] == [500, 200]
    assert sleep.calls == [BACKOFF]  # ours only: prawcore's own retry never saw the 500


def test_hanging_request_times_out_and_is_retried(fake):
    fake.add_fault(SEARCH_PATH, "hang", seconds=3.0)  # longer than the 0.5 s client timeout
    sleep = SleepRecorder()
    result = _fetch(fake, sleep)
    _assert_complete(result)
    first_page = [r for r in fake.requests_to(SEARCH_PATH) if "after" not in r.query]
    assert [r.fault for r in first_page] == ["hang", None]
    assert sleep.calls == [BACKOFF]


def test_malformed_json_that_stays_malformed_raises_fetch_error(fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.add_fault(NEW_PATH, "malformed", times=None)
    sleep = SleepRecorder()
    with pytest.raises(RedditFetchError) as caught:
        _fetch(fake, sleep)
    message = str(caught.value)
    assert "malformed JSON" in message
    assert NEW_PATH in message
    assert f"{RETRIES + 1} attempt" in message
    assert len(fake.requests_to(NEW_PATH)) == RETRIES + 1  # bounded
    assert sleep.calls == [BACKOFF * 2**i for i in range(RETRIES)]  # exponential backoff
    assert caught.value.__cause__ is None  # no chained traceback from inside praw
    _assert_no_secrets(message + repr(caught.value))
    _assert_no_secrets(caplog.text)


def test_persistent_server_error_gives_up_after_bounded_retries(fake):
    fake.add_fault("/comments/w1", "status", status=503, times=None)
    sleep = SleepRecorder()
    with pytest.raises(RedditFetchError, match="HTTP 503 after 4 attempt"):
        _fetch(fake, sleep)
    assert len(fake.requests_to("/comments/w1")) == RETRIES + 1  # no retries stacked on ours
    assert len(sleep.calls) == RETRIES


def test_excessive_retry_after_fails_at_once(fake):
    fake.add_fault(NEW_PATH, "status", status=429, headers={"Retry-After": "3600"}, times=None)
    sleep = SleepRecorder()
    with pytest.raises(RedditFetchError, match="Retry-After 3600"):
        _fetch(fake, sleep)
    assert len(fake.requests_to(NEW_PATH)) == 1
    assert sleep.calls == []


def test_rejected_credentials_raise_fetch_error_without_the_secret(fake, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-secret-value-1234"
    reddit = _client(fake, SleepRecorder(), secret=wrong)
    with pytest.raises(RedditFetchError, match="HTTP 401") as caught:
        fetch_window(reddit, SUBREDDITS, TERMS, WINDOW)
    assert len(fake.requests_to("/api/v1/access_token")) == 1
    assert fake.requests_to(NEW_PATH) == []
    for text in (str(caught.value), repr(caught.value), caplog.text):
        assert wrong not in text
        assert CLIENT_ID not in text


# -- credentials and client -------------------------------------------------------------


def test_credentials_from_env_and_repr_hides_secrets(monkeypatch):
    monkeypatch.delenv("REDDIT_CLIENT_ID", raising=False)
    monkeypatch.delenv("REDDIT_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("REDDIT_USER_AGENT", raising=False)
    assert RedditCredentials.from_env() is None
    monkeypatch.setenv("REDDIT_CLIENT_ID", CLIENT_ID)
    assert RedditCredentials.from_env() is None  # no secret
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", CLIENT_SECRET)
    credentials = RedditCredentials.from_env()
    assert credentials == RedditCredentials(CLIENT_ID, CLIENT_SECRET, DEFAULT_USER_AGENT)
    assert DEFAULT_USER_AGENT == "vintage-ai/0.1 (market intelligence for classic cars)"
    monkeypatch.setenv("REDDIT_USER_AGENT", USER_AGENT)
    credentials = RedditCredentials.from_env()
    assert credentials is not None and credentials.user_agent == USER_AGENT
    for text in (repr(credentials), str(credentials), f"{credentials}", repr([credentials])):
        _assert_no_secrets(text)


def test_client_is_read_only_and_refuses_plain_http_elsewhere():
    credentials = RedditCredentials(CLIENT_ID, CLIENT_SECRET, USER_AGENT)
    reddit = make_reddit(credentials)
    assert reddit.read_only
    assert reddit.config.oauth_url == "https://oauth.reddit.com"
    assert reddit.config.reddit_url == "https://www.reddit.com"
    with pytest.raises(ValueError, match="https"):
        make_reddit(credentials, oauth_url="http://example.com")
    with pytest.raises(ValueError, match="https"):
        make_reddit(credentials, reddit_url="ftp://127.0.0.1")


def test_invalid_subreddit_name_is_refused(fake):
    reddit = _client(fake, SleepRecorder())
    with pytest.raises(ValueError, match="subreddit"):
        fetch_window(reddit, ["classiccars/../x"], [], WINDOW)
    assert fake.log == []


def test_window_start_is_inclusive_and_end_exclusive(fake):
    narrow = TimeWindow(WINDOW.start + timedelta(hours=12), WINDOW.start + timedelta(hours=18))
    result = fetch_window(_client(fake, SleepRecorder()), SUBREDDITS, TERMS, narrow, comments=False)
    assert set(result.accepted["record_id"]) == {"reddit:w3"}  # w2 sits exactly at the end
    assert set(result.quarantine.frame()["locator"]) == {"reddit-api:t3_bad1"}


# -- "load more comments" stubs, within a budget --------------------------------------


def _more_requests(fake: FakeReddit) -> list[tuple[str, str]]:
    """(link_id, children) of each /api/morechildren request, in order."""
    forms = [parse_qs(r.body) for r in fake.requests_to(MORE_PATH)]
    return [(form["link_id"][0], form["children"][0]) for form in forms]


def test_budget_zero_expands_nothing_and_counts_the_stubs(fake, caplog):
    caplog.set_level(logging.WARNING)
    result = _fetch(fake, more_per_submission=0)
    assert fake.requests_to(MORE_PATH) == []
    assert set(result.accepted["record_id"]) == EXPECTED_IDS - BEHIND_STUBS
    # the stubs' own counts: 2 (c8, c9) + 1 (c7) on w1, 1 (c11) on s1
    assert result.more == MoreTally(requests=0, stubs_left=3, comments_left=4)
    [warning] = [r for r in caplog.records if "not expanded" in r.getMessage()]
    assert warning.levelno == logging.WARNING
    assert "3 'load more comments' stub(s)" in warning.getMessage()
    assert "4 comment(s)" in warning.getMessage()


def test_big_enough_budget_fetches_every_comment(fake, caplog):
    caplog.set_level(logging.WARNING)
    result = _fetch(fake, more_per_submission=50, more_per_run=None)
    _assert_complete(result)
    assert result.more == MoreTally(requests=3, stubs_left=0, comments_left=0)
    # the larger stub first; each request names the thread and the stub's children
    assert _more_requests(fake) == [("t3_w1", "c8,c9"), ("t3_w1", "c7"), ("t3_s1", "c11")]
    assert all(r.method == "POST" and r.status == 200 for r in fake.requests_to(MORE_PATH))
    assert "not expanded" not in caplog.text


def test_budget_one_expands_the_larger_of_two_stubs_and_counts_the_other(fake):
    result = _fetch(fake, more_per_submission=1)
    assert _more_requests(fake) == [("t3_w1", "c8,c9"), ("t3_s1", "c11")]  # one per thread
    assert set(result.accepted["record_id"]) == EXPECTED_IDS - {"reddit:c7"}
    assert result.more == MoreTally(requests=2, stubs_left=1, comments_left=1)  # c7's stub


def test_budget_per_run_caps_expansions_across_submissions(fake):
    result = _fetch(fake, more_per_submission=8, more_per_run=1)
    assert _more_requests(fake) == [("t3_w1", "c8,c9")]  # s1 (read later) gets none
    assert set(result.accepted["record_id"]) == EXPECTED_IDS - {"reddit:c7", "reddit:c11"}
    assert result.more == MoreTally(requests=1, stubs_left=2, comments_left=2)


def _deep_thread() -> tuple[list[dict], dict, dict]:
    """x1: a stub whose expansion holds another stub, and a "continue this thread" stub."""
    sub = [submission("x1", START + 5 * H, title="Miura restoration log", num_comments=6)]
    tree = [
        comment(
            "d1",
            START + 5.1 * H,
            link_id="x1",
            replies=[
                comment(
                    "d2",
                    START + 5.2 * H,
                    link_id="x1",
                    parent_id="t1_d1",
                    depth=1,
                    replies=[more("t1_d2", [], depth=2, count=0)],  # continue this thread
                )
            ],
        ),
        more("t3_x1", ["d3", "d4"]),
    ]
    hidden = [
        comment("d3", START + 5.3 * H, link_id="x1", replies=[more("t1_d3", ["d5"], depth=1)]),
        comment("d4", START + 5.4 * H, link_id="x1"),
        comment("d5", START + 5.5 * H, link_id="x1", parent_id="t1_d3", depth=1),
        # the full d2, as /comments/x1/_/d2 returns it
        comment(
            "d2",
            START + 5.2 * H,
            link_id="x1",
            parent_id="t1_d1",
            depth=1,
            replies=[comment("d6", START + 5.6 * H, link_id="x1", parent_id="t1_d2", depth=2)],
        ),
    ]
    return sub, {"x1": tree}, {"x1": hidden}


@pytest.mark.parametrize(
    ("budget", "tally", "missing"),
    [
        (3, MoreTally(requests=3, stubs_left=0, comments_left=0), set()),
        # the continue stub goes last (count 0), and counts 0: a lower bound
        (2, MoreTally(requests=2, stubs_left=1, comments_left=0), {"reddit:d6"}),
        # the stub found inside the first expansion counts against the same budget
        (1, MoreTally(requests=1, stubs_left=2, comments_left=1), {"reddit:d5", "reddit:d6"}),
    ],
)
def test_stubs_inside_expansions_and_continue_this_thread(budget, tally, missing):
    subs, tree, hidden = _deep_thread()
    with FakeReddit(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        submissions=subs,
        comments=tree,
        hidden=hidden,
        access_token=TOKEN,
    ) as server:
        result = fetch_window(
            _client(server, SleepRecorder()),
            ["classiccars"],
            [],
            WINDOW,
            more_per_submission=budget,
        )
    assert server.errors == []
    every = {"reddit:x1", *(f"reddit:d{i}" for i in range(1, 7))}
    assert set(result.accepted["record_id"]) == every - missing
    assert result.accepted["record_id"].is_unique
    assert result.more == tally
    assert [r.body.count("children=") for r in server.requests_to(MORE_PATH)] == [1] * min(
        budget, 2
    )
    continued = server.requests_to("/comments/x1/_/")
    assert [r.path for r in continued] == (["/comments/x1/_/d2"] if budget >= 3 else [])


def test_expansion_failure_is_a_fetch_error(fake):
    fake.add_fault(MORE_PATH, "status", status=503, times=None)
    sleep = SleepRecorder()
    with pytest.raises(RedditFetchError, match="comments of t3_w1.*HTTP 503"):
        _fetch(fake, sleep)
    assert len(fake.requests_to(MORE_PATH)) == RETRIES + 1  # bounded, like every request


def test_materialised_asset_reports_what_was_not_expanded(fake, tmp_path, monkeypatch):
    from vintage_ai_assets.defs.ingest.assets import raw_reddit_live
    from vintage_ai_assets.defs.platform.resources import (
        CatalogResource,
        RedditResource,
        WarehouseIOManager,
        WarehouseResource,
    )

    monkeypatch.setenv("REDDIT_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", CLIENT_SECRET)
    warehouse = WarehouseResource(database=str(tmp_path / "warehouse.duckdb"))
    resources = {
        "reddit": RedditResource(
            oauth_url=fake.url,
            reddit_url=fake.url,
            timeout_seconds=2,
            backoff_seconds=0.01,
            more_comments_per_submission=1,
        ),
        "catalog": CatalogResource(),
        "warehouse": warehouse,
        "warehouse_io": WarehouseIOManager(warehouse=warehouse),
    }
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [raw_reddit_live], partition_key="2025-11-20", resources=resources, instance=instance
        )
    assert result.success
    [materialization] = result.asset_materializations_for_node("raw__reddit_live")
    metadata = {key: value.value for key, value in materialization.metadata.items()}
    assert metadata["comments_not_expanded"] == 1  # w1's stub for c7
    assert metadata["more_stubs_left"] == 1
    assert metadata["more_requests"] >= 1
    assert metadata["accepted"] > 0
    assert ("t3_w1", "c8,c9") in _more_requests(fake)
    assert ("t3_w1", "c7") not in _more_requests(fake)
