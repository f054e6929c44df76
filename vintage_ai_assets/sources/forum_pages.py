"""XenForo 2 pages parsed into posts: thread URLs, tag pages and thread pages.

:func:`parse_tag_page` lists the threads of a tag (or forum, or search) page;
:func:`parse_thread_page` reads the posts of a thread page, with the text of each post
cleaned of quotes, signatures, scripts and link previews. A post whose markup lacks an id,
a parsable time or a body comes back as a :class:`BrokenPost` rather than being dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from vintage_ai_assets.sources.html_tree import Node, build_tree, inner_html, node_text
from vintage_ai_assets.sources.parsing import to_utc_naive
from vintage_ai_assets.text import strip_markup

EXCERPT_CHARS = 200  # text kept of a broken post
EARLIEST_POST = datetime(1990, 1, 1)  # an older post time is taken as unparsable

_THREAD_PATH = re.compile(r"^(?P<base>.*?/threads/(?:[^/?#]*\.)?(?P<id>\d+))(?:/|$)")
_PAGE_IN_PATH = re.compile(r"/page-(\d+)/?$")
_POST_KEY = re.compile(r"^(?:js-)?post-(\d+)$")
_PERMALINK = re.compile(r"(?:/post-|/posts/)(\d+)/?(?:[?#].*)?$")
_BR = re.compile(r"<br\b[^>]*>[ \t]*\r?\n?", re.IGNORECASE)
_CONTENT_KEY = re.compile(r"data-content-key=\"thread-(\d+)\"")


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


def _next_url(root: Node, url: str) -> str | None:
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
    root = build_tree(html)
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


def _post_time(article: Node) -> datetime | None:
    def outside_header(node: Node) -> bool:
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


def _post_id(article: Node) -> str | None:
    for key in ("data-content", "id"):
        match = _POST_KEY.match(article.attrs.get(key, "").strip())
        if match:
            return match.group(1)
    anchor = article.find(lambda n: n.has_class("u-anchorTarget") and "id" in n.attrs)
    match = _POST_KEY.match(anchor.attrs["id"].strip()) if anchor is not None else None
    return match.group(1) if match else None


def _post_body(article: Node) -> Node | None:
    holder = article.find(lambda n: n.tag == "article" and n.has_class("message-body"))
    return (holder or article).find(
        lambda n: n.has_class("bbWrapper"), prune=lambda n: n.has_class("message-signature")
    )


def _permalink(article: Node, post_id: str, page_url: str, base: str) -> str:
    for link in article.find_all(lambda n: n.tag == "a" and bool(n.attrs.get("href"))):
        target = _same_site(link.attrs["href"], page_url)
        match = _PERMALINK.search(urlsplit(target).path) if target else None
        if target and match and match.group(1) == post_id:
            return target.split("#", 1)[0]
    return f"{base}post-{post_id}"


def _body_replacement(node: Node) -> str | None:
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


def _body_text(html: str, body: Node) -> str:
    return strip_markup(_BR.sub("\n", inner_html(html, body, _body_replacement)))


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
    root = build_tree(html)
    heading = root.find(lambda n: n.tag == "h1" and n.has_class("p-title-value"))
    title = node_text(html, heading or root.find(lambda n: n.tag == "title"))

    page_match = _PAGE_IN_PATH.search(urlsplit(url).path)
    page = int(page_match.group(1)) if page_match else 1
    last_page = page
    for nav in root.find_all(lambda n: n.has_class("pageNav")):
        for link in nav.find_all(lambda n: n.tag == "a" and bool(n.attrs.get("href"))):
            number = _PAGE_IN_PATH.search(urlsplit(urljoin(url, link.attrs["href"])).path)
            if number:
                last_page = max(last_page, int(number.group(1)))

    def is_post(node: Node) -> bool:
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
