"""A fake Reddit API on 127.0.0.1 for the live-source tests, with real-shaped JSON.

Serves what praw calls for an application-only, read-only client:

- ``POST /api/v1/access_token`` (HTTP basic auth with the client id and secret)
- ``GET /r/<a>+<b>/new`` (Listing of t3 things, ``after`` pagination, ``limit``)
- ``GET /r/all/search`` (``q``, ``sort=new``; same pagination)
- ``GET /comments/<id>`` (``[submission Listing, comment Listing]`` with nested ``replies``
  and ``more`` stubs)
- ``POST /api/morechildren`` (form ``link_id``, ``children``): what a "load more comments"
  stub stands for, from the submission's ``hidden`` trees, as ``{"json": {"data":
  {"things": [...]}}}``: the requested comments flat (parents first, ``replies`` empty),
  plus the ``more`` stubs among the replies of a requested comment
- ``GET /comments/<id>/_/<comment id>`` ("continue this thread", a stub with count 0): the
  comment with its replies, from the hidden trees (the full version) or else the visible one

Pages are capped at ``page_size`` items, like Reddit caps them at 100. Every request is
logged (method, path, query, headers, body, the status sent, the fault applied). Faults
are scripted per path prefix with :meth:`FakeReddit.add_fault`.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

RATE_LIMIT_HEADERS = {
    "x-ratelimit-remaining": "598.0",
    "x-ratelimit-used": "2",
    "x-ratelimit-reset": "300",
}


@dataclass
class Fault:
    """A scripted failure for requests whose path starts with ``path``.

    kind: ``status`` (send ``status`` with ``headers``), ``hang`` (answer nothing for
    ``seconds``, then the normal response) or ``malformed`` (a 200 with a broken body).
    ``times`` is how many requests it hits (None: all of them).
    """

    path: str
    kind: str
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    times: int | None = 1


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str
    status: int | None = None
    fault: str | None = None


def listing(children: list[dict[str, Any]], after: str | None = None) -> dict[str, Any]:
    return {
        "kind": "Listing",
        "data": {
            "after": after,
            "dist": len(children),
            "modhash": "",
            "geo_filter": "",
            "children": children,
            "before": None,
        },
    }


def submission(
    sid: str,
    created: float,
    *,
    subreddit: str = "classiccars",
    title: str | None = "A car",
    selftext: str = "",
    author: str = "someone",
    score: int = 1,
    num_comments: int = 0,
) -> dict[str, Any]:
    """A t3 ``data`` object with the fields Reddit sends (and praw reads)."""
    permalink = f"/r/{subreddit}/comments/{sid}/a_car/"
    return {
        "id": sid,
        "name": f"t3_{sid}",
        "created_utc": created,
        "created": created,
        "subreddit": subreddit,
        "subreddit_name_prefixed": f"r/{subreddit}",
        "subreddit_id": "t5_2qh1" + subreddit[:1],
        "author": author,
        "author_fullname": "t2_" + author.encode().hex()[:8],
        "title": title,
        "selftext": selftext,
        "score": score,
        "ups": score,
        "num_comments": num_comments,
        "permalink": permalink,
        "url": f"https://www.reddit.com{permalink}",
        "is_self": True,
        "over_18": False,
        "stickied": False,
        "locked": False,
        "domain": f"self.{subreddit}",
    }


def comment(
    cid: str,
    created: float,
    *,
    link_id: str,
    parent_id: str | None = None,
    subreddit: str = "classiccars",
    body: str = "Nice",
    author: str = "commenter",
    score: int = 1,
    replies: list[dict[str, Any]] | None = None,
    depth: int = 0,
) -> dict[str, Any]:
    """A ``{"kind": "t1", "data": ...}`` thing, ``replies`` being t1 / more things."""
    return {
        "kind": "t1",
        "data": {
            "id": cid,
            "name": f"t1_{cid}",
            "created_utc": created,
            "created": created,
            "link_id": f"t3_{link_id}",
            "parent_id": parent_id or f"t3_{link_id}",
            "subreddit": subreddit,
            "subreddit_id": "t5_2qh1" + subreddit[:1],
            "author": author,
            "body": body,
            "score": score,
            "ups": score,
            "depth": depth,
            "permalink": f"/r/{subreddit}/comments/{link_id}/a_car/{cid}/",
            "replies": listing(replies) if replies else "",
            "stickied": False,
            "is_submitter": False,
        },
    }


def more(
    parent_id: str, children: list[str], depth: int = 0, count: int | None = None
) -> dict[str, Any]:
    """A "load more comments" stub; no children and count 0 is "continue this thread"."""
    return {
        "kind": "more",
        "data": {
            "count": len(children) if count is None else count,
            "name": f"t1_{children[0] if children else '_'}",
            "id": children[0] if children else "_",
            "parent_id": parent_id,
            "depth": depth,
            "children": children,
        },
    }


def flat_things(things: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """t1 and more things of a tree, parents first, each comment with empty ``replies``."""
    flat: list[dict[str, Any]] = []
    stack = list(reversed(things))
    while stack:
        thing = stack.pop()
        data = thing["data"]
        if thing["kind"] != "t1":
            flat.append(thing)
            continue
        replies = data.get("replies")
        flat.append({"kind": "t1", "data": {**data, "replies": ""}})
        if isinstance(replies, dict):
            stack.extend(reversed(replies["data"]["children"]))
    return flat


def find_comment(things: list[dict[str, Any]], cid: str) -> dict[str, Any] | None:
    """The t1 thing ``cid`` of a tree, with its replies."""
    stack = list(things)
    while stack:
        thing = stack.pop()
        if thing["kind"] != "t1":
            continue
        if thing["data"]["id"] == cid:
            return thing
        replies = thing["data"].get("replies")
        if isinstance(replies, dict):
            stack.extend(replies["data"]["children"])
    return None


class FakeReddit:
    """The fake API server; use as a context manager (``with FakeReddit(...) as fake``)."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        submissions: list[dict[str, Any]] | None = None,
        comments: dict[str, list[dict[str, Any]]] | None = None,
        hidden: dict[str, list[dict[str, Any]]] | None = None,
        page_size: int = 100,
        access_token: str = "fake-access-token-0f9e8d7c6b5a",
        max_hang: float = 5.0,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.submissions = list(submissions or [])
        self.comments = dict(comments or {})
        # per submission id: comment trees only reachable through "more" stubs
        self.hidden = dict(hidden or {})
        self.page_size = page_size
        self.access_token = access_token
        self.max_hang = max_hang
        self.faults: list[Fault] = []
        self.log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._release = threading.Event()  # ends hanging handlers when the server stops
        self.errors: list[str] = []  # exceptions raised in handlers (not client hang-ups)
        self._server = _Server(("127.0.0.1", 0), _make_handler(self))
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeReddit:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def add_fault(self, path: str, kind: str, **kwargs: Any) -> None:
        self.faults.append(Fault(path=path, kind=kind, **kwargs))

    def requests_to(self, path_prefix: str) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.log if r.path.startswith(path_prefix)]

    # -- request handling ---------------------------------------------------------

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if path.startswith(fault.path) and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode("utf-8", "replace") if length else ""
        entry = LoggedRequest(method, path, query, dict(handler.headers.items()), body)
        with self._lock:
            self.log.append(entry)

        fault = self._take_fault(path)
        if fault is not None:
            entry.fault = fault.kind
            if fault.kind == "status":
                payload = json.dumps({"message": "fault", "error": fault.status}).encode()
                self._send(handler, entry, fault.status, payload, fault.headers)
                return
            if fault.kind == "malformed":
                self._send(handler, entry, 200, b'{"kind": "Listing", "data": {"chil')
                return
            if fault.kind == "hang":
                self._release.wait(min(fault.seconds, self.max_hang))
                # falls through: the (late) normal answer, usually to a closed socket

        status, payload = self._route(handler, method, path, query, body)
        self._send(handler, entry, status, json.dumps(payload).encode())

    def _route(
        self,
        handler: BaseHTTPRequestHandler,
        method: str,
        path: str,
        query: dict[str, str],
        body: str = "",
    ) -> tuple[int, Any]:
        if path == "/api/v1/access_token":
            if method != "POST":
                return 405, {"error": 405}
            expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode())
            if handler.headers.get("Authorization") != f"Basic {expected.decode()}":
                return 401, {"message": "Unauthorized", "error": 401}
            return 200, {
                "access_token": self.access_token,
                "token_type": "bearer",
                "expires_in": 86400,
                "scope": "*",
            }
        if handler.headers.get("Authorization") != f"bearer {self.access_token}":
            return 401, {"message": "Unauthorized", "error": 401}
        segments = path.strip("/").split("/")
        if len(segments) == 3 and segments[0] == "r" and segments[2] == "new":
            wanted = {name.lower() for name in segments[1].split("+")}
            things = [s for s in self.submissions if s["subreddit"].lower() in wanted]
            return 200, self._page(things, query)
        if segments == ["r", "all", "search"]:
            term = query.get("q", "").lower()
            things = [
                s
                for s in self.submissions
                if term in (s.get("title") or "").lower() or term in s["selftext"].lower()
            ]
            return 200, self._page(things, query)
        if segments == ["api", "morechildren"]:
            if method != "POST":
                return 405, {"error": 405}
            return self._more_children(body)
        if len(segments) in (2, 4) and segments[0] == "comments":
            found = [s for s in self.submissions if s["id"] == segments[1]]
            if not found:
                return 404, {"message": "Not Found", "error": 404}
            things = self.comments.get(segments[1], [])
            if len(segments) == 4:  # /comments/<id>/_/<comment id>: "continue this thread"
                hidden = self.hidden.get(segments[1], [])  # the full version, if any
                cid = segments[3]
                thing = find_comment(hidden, cid) or find_comment(things, cid)
                thing = thing if segments[2] == "_" else None
                if thing is None:
                    return 404, {"message": "Not Found", "error": 404}
                things = [thing]
            return 200, [listing([{"kind": "t3", "data": found[0]}]), listing(things)]
        return 404, {"message": "Not Found", "error": 404}

    def _more_children(self, body: str) -> tuple[int, Any]:
        form = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
        link_id = form.get("link_id", "")
        wanted = {c for c in form.get("children", "").split(",") if c}
        if not link_id.startswith("t3_") or not wanted:
            return 400, {"json": {"errors": [["BAD_REQUEST", "link_id, children", None]]}}
        things = [
            thing
            for thing in flat_things(self.hidden.get(link_id[3:], []))
            if (thing["kind"] == "t1" and thing["data"]["id"] in wanted)
            or (thing["kind"] == "more" and thing["data"]["parent_id"][3:] in wanted)
        ]
        return 200, {"json": {"errors": [], "data": {"things": things}}}

    def _page(self, things: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
        ordered = sorted(things, key=lambda s: s["created_utc"], reverse=True)
        start = 0
        if query.get("after"):
            names = [s["name"] for s in ordered]
            start = names.index(query["after"]) + 1 if query["after"] in names else len(names)
        size = min(int(query.get("limit") or 25), self.page_size)
        page = ordered[start : start + size]
        after = page[-1]["name"] if page and start + size < len(ordered) else None
        return listing([{"kind": "t3", "data": s} for s in page], after)

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        entry: LoggedRequest,
        status: int,
        payload: bytes,
        headers: dict[str, str] | None = None,
    ) -> None:
        entry.status = status
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json; charset=UTF-8")
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in {**RATE_LIMIT_HEADERS, **(headers or {})}.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:  # the client gave up (timeout): nothing to answer
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeReddit

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, (BrokenPipeError, ConnectionResetError)):
            self.fake.errors.append(repr(exc))


def _make_handler(fake: FakeReddit) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            fake.handle(self, "GET")

        def do_POST(self) -> None:  # noqa: N802
            fake.handle(self, "POST")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler
