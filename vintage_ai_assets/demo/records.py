"""The demo's threads and posts, their platform ids, and the records the readers parse."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from vintage_ai_assets.demo.vocabulary import FORUM_DOMAINS
from vintage_ai_assets.demo.window import iso
from vintage_ai_assets.demo.wording import B36, slugify

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass(eq=False)
class Thread:
    """A Reddit submission's thread, a forum thread or an Instagram post with its replies."""

    source: str  # reddit | forum | instagram
    community: str  # subreddit, forum site, or "" for instagram
    title: str
    car: str | None
    posts: list[Post] = field(default_factory=list)
    tid: str = ""
    code: str = ""  # instagram shortcode


@dataclass(eq=False)
class Post:
    """One text of a thread."""

    seq: int
    source: str  # reddit | forum | instagram
    kind: str  # submission | comment | post | caption | reply
    ts: int
    author: str
    text: str
    thread: Thread
    parent: Post | None = None
    car: str | None = None  # the car whose stream produced it (None for noise)
    named: bool = True  # whether the text names its car
    fault: bool = False
    score: int = 1
    comments: int = 0
    car_field: str | None = None  # instagram ``car``
    sid: str = ""


def _b36(value: int) -> str:
    out = ""
    while value:
        value, rem = divmod(value, 36)
        out = B36[rem] + out
    return out or "0"


def assign_ids(posts: list[Post], seed: int) -> None:
    """Give every post (and thread) a platform-style id, rising with time."""
    rng = random.Random(f"vintage-demo/{seed}/ids")
    order = sorted(posts, key=lambda p: (p.ts, p.seq))
    counters = {"submission": int("1k00000", 36), "comment": int("mq00000", 36)}
    forum_threads: dict[str, int] = {}
    forum_posts: dict[str, int] = {}
    ig = {"caption": 3_580_000_000_000_000_000, "reply": 17_890_000_000_000_000}
    for post in order:
        thread = post.thread
        if post.source == "reddit":
            counters[post.kind] += rng.randint(3, 400)
            post.sid = _b36(counters[post.kind])
            if post.kind == "submission":
                thread.tid = post.sid
        elif post.source == "forum":
            site = thread.community
            if not thread.tid:
                forum_threads[site] = forum_threads.get(site, 1_180_000) + rng.randint(1, 40)
                thread.tid = str(forum_threads[site])
            forum_posts[site] = forum_posts.get(site, 21_400_000) + rng.randint(1, 300)
            post.sid = str(forum_posts[site])
        else:
            ig[post.kind] += (
                rng.randint(10**9, 10**11) if post.kind == "caption" else rng.randint(10**6, 10**9)
            )
            post.sid = str(ig[post.kind])
            if post.kind == "caption" and not thread.code:
                thread.code = "C" + "".join(rng.choice(_B64) for _ in range(10))


def record(post: Post) -> dict:
    """``post`` as its reader expects it: pushshift Reddit, or a social-export record."""
    thread = post.thread
    if post.source == "reddit":
        sub = thread.community
        slug = slugify(thread.title, "_", 50)
        if post.kind == "submission":
            permalink = f"/r/{sub}/comments/{post.sid}/{slug}/"
            n_comments = sum(1 for p in thread.posts if p.kind == "comment")
            return {
                "id": post.sid,
                "name": f"t3_{post.sid}",
                "created_utc": post.ts,
                "subreddit": sub,
                "author": post.author,
                "title": thread.title,
                "selftext": post.text,
                "score": post.score,
                "num_comments": n_comments,
                "permalink": permalink,
                "url": f"https://www.reddit.com{permalink}",
                "is_self": True,
            }
        parent = post.parent or thread.posts[0]
        prefix = "t3_" if parent.kind == "submission" else "t1_"
        return {
            "id": post.sid,
            "name": f"t1_{post.sid}",
            "link_id": f"t3_{thread.tid}",
            "parent_id": f"{prefix}{parent.sid}",
            "created_utc": post.ts,
            "subreddit": sub,
            "author": post.author,
            "body": post.text,
            "score": post.score,
            "permalink": f"/r/{sub}/comments/{thread.tid}/{slug}/{post.sid}/",
        }
    if post.source == "forum":
        site = thread.community
        slug = slugify(thread.title, "-", 60)
        return {
            "source": f"forum:{site}",
            "id": post.sid,
            "created_at": iso(post.ts),
            "author": post.author,
            "text": post.text,
            "url": f"https://{FORUM_DOMAINS.get(site, site + '.com')}/threads/"
            f"{slug}.{thread.tid}/post-{post.sid}",
            "thread_id": thread.tid,
            "thread_title": thread.title,
            "likes": post.score,
        }
    url = f"https://www.instagram.com/p/{thread.code}/"
    if post.kind == "reply":
        url += f"c/{post.sid}/"
    out = {
        "source": "instagram",
        "id": post.sid,
        "created_at": iso(post.ts),
        "author": post.author.lower().replace("-", "."),
        "text": post.text,
        "url": url,
    }
    if post.car_field:
        out["car"] = post.car_field
    out["likes"] = post.score
    out["comments"] = (
        sum(1 for p in thread.posts if p.kind == "reply") if post.kind == "caption" else 0
    )
    return out
