"""The demo's noise: re-posts, spam, bot comments and general car talk naming no catalog car.

(Non-English and ``[removed]`` texts replace car texts as they are written: see
:mod:`.threads`.)
"""

from __future__ import annotations

import random

from vintage_ai_assets.demo.draws import choose_weighted
from vintage_ai_assets.demo.records import Post, Thread
from vintage_ai_assets.demo.spec import NOISE_SHARES
from vintage_ai_assets.demo.threads import Conversations
from vintage_ai_assets.demo.vocabulary import AUTOMOD, GENERAL, SPAM, SPAM_AUTHORS, make_info


def add_noise(conv: Conversations) -> None:
    """Add the noise to ``conv``, in proportion to its car texts (one random stream)."""
    rng = random.Random(f"vintage-demo/{conv.spec.seed}/noise")
    car_posts = [p for p in conv.posts if p.car is not None]
    total = len(car_posts)
    if total == 0:
        return
    _duplicates(conv, rng, car_posts, round(total * NOISE_SHARES["duplicate"]))
    _spam(conv, rng, round(total * NOISE_SHARES["spam"]))
    _bots(conv, rng, round(total * NOISE_SHARES["bot"]))
    _general(conv, rng, max(2, round(total * NOISE_SHARES["general"])))


def _duplicates(conv: Conversations, rng: random.Random, car_posts: list[Post], count: int) -> None:
    """Exact re-posts by the same author: in another subreddit, twice in a thread, from a
    forum to Reddit or back, or as an Instagram repost."""
    later = conv.window.later
    candidates = [
        p for p in car_posts if p.text not in ("[removed]", "[deleted]") and p.author != "[deleted]"
    ]
    by_car_threads: dict[tuple[str, str], list[Thread]] = {}
    for source in ("reddit", "forum"):
        for t in conv.threads[source]:
            by_car_threads.setdefault((source, t.car or ""), []).append(t)
    made = 0
    for original in rng.sample(candidates, min(len(candidates), count * 2)):
        if made >= count:
            break
        cross = original.named and original.kind in ("comment", "post") and rng.random() < 0.35
        if cross:
            target_source = "reddit" if original.source == "forum" else "forum"
            ts = later(rng, original.ts, 600, 3 * 86400)
            threads = [
                t
                for t in by_car_threads.get((target_source, original.car or ""), [])
                if ts is not None and t.posts[0].ts < ts
            ]
            if ts is None or not threads:
                continue
            thread = threads[-1 - min(len(threads) - 1, int(rng.expovariate(0.3)))]
            kind = "comment" if target_source == "reddit" else "post"
            parent = thread.posts[0] if target_source == "reddit" else None
            conv.new_post(
                source=target_source,
                kind=kind,
                ts=ts,
                author=original.author,
                text=original.text,
                thread=thread,
                parent=parent,
                car=original.car,
                fault=original.fault,
                score=rng.randint(0, 10),
            )
        elif original.kind == "submission":
            ts = later(rng, original.ts, 3600, 10 * 86400)
            if ts is None:
                continue
            car = conv.catalog[original.car] if original.car else None
            subs = (car.subreddits if car else ()) or (original.thread.community,)
            thread = Thread("reddit", rng.choice(subs), original.thread.title, original.car)
            conv.threads["reddit"].append(thread)
            conv.new_post(
                source="reddit",
                kind="submission",
                ts=ts,
                author=original.author,
                text=original.text,
                thread=thread,
                car=original.car,
                fault=original.fault,
                score=rng.randint(0, 20),
            )
        elif original.kind == "caption":
            ts = later(rng, original.ts, 86400, 20 * 86400)
            if ts is None:
                continue
            thread = Thread("instagram", "", "", original.car)
            conv.threads["instagram"].append(thread)
            conv.new_post(
                source="instagram",
                kind="caption",
                ts=ts,
                author=original.author,
                text=original.text,
                thread=thread,
                car=original.car,
                fault=original.fault,
                score=int(rng.paretovariate(1.2) * 30),
                car_field=original.car_field,
            )
        else:
            ts = later(rng, original.ts, 60, 3 * 3600)
            if ts is None:
                continue
            conv.new_post(
                source=original.source,
                kind=original.kind,
                ts=ts,
                author=original.author,
                text=original.text,
                thread=original.thread,
                parent=original.parent,
                car=original.car,
                named=original.named,
                fault=original.fault,
                score=rng.randint(0, 5),
                car_field=original.car_field,
            )
        made += 1


def _spam(conv: Conversations, rng: random.Random, count: int) -> None:
    """Spam replies in random threads, some naming the thread's car."""
    for _ in range(count):
        source = choose_weighted(rng, (("reddit", 0.35), ("forum", 0.3), ("instagram", 0.35)))
        threads = conv.threads[source]
        if not threads:
            continue
        thread = rng.choice(threads)
        root = thread.posts[0]
        ts = conv.window.later(rng, root.ts, 60, 2 * 86400)
        if ts is None:
            continue
        car = conv.catalog[thread.car] if thread.car else None
        template = rng.choice(SPAM)
        if car is None and "{car}" in template:
            template = SPAM[0]
        text = conv.writer.fill(template, car, "spam", rng, ts)
        author = f"{rng.choice(SPAM_AUTHORS)}{rng.randint(1, 999)}"
        kind = {"reddit": "comment", "forum": "post", "instagram": "reply"}[source]
        conv.new_post(
            source=source,
            kind=kind,
            ts=ts,
            author=author,
            text=text,
            thread=thread,
            parent=root if source != "forum" else None,
            car=None,
            named=False,
            score=0,
        )


def _bots(conv: Conversations, rng: random.Random, count: int) -> None:
    """``AutoModerator`` comments right after some Reddit submissions."""
    subs = [t for t in conv.threads["reddit"] if t.posts[0].ts < conv.window.end_ts - 120]
    for thread in rng.sample(subs, min(count, len(subs))):
        root = thread.posts[0]
        text = rng.choice(AUTOMOD).replace("{sub}", thread.community)
        conv.new_post(
            source="reddit",
            kind="comment",
            ts=root.ts + rng.randint(5, 90),
            author="AutoModerator",
            text=text,
            thread=thread,
            parent=root,
            car=None,
            named=False,
            score=1,
        )


def _general(conv: Conversations, rng: random.Random, count: int) -> None:
    """General car talk (Reddit submissions and forum threads) naming no catalog car."""
    forums = sorted({f for c in conv.cars for f in make_info(c.make).forums})
    for _ in range(count):
        month = rng.randrange(len(conv.window.months))
        ts = conv.window.root_ts(rng, month)
        title, body = rng.choice(GENERAL)
        author = conv.authors.pick(rng, None)
        if rng.random() < 0.6:
            thread = Thread(
                "reddit",
                rng.choice(("cars", "classiccars", "Autos", "projectcar")),
                title,
                None,
            )
            conv.threads["reddit"].append(thread)
            conv.new_post(
                source="reddit",
                kind="submission",
                ts=ts,
                author=author,
                text=body,
                thread=thread,
                car=None,
                score=rng.randint(1, 200),
            )
        else:
            thread = Thread("forum", rng.choice(forums or ["classic-driver"]), title, None)
            conv.new_post(
                source="forum",
                kind="post",
                ts=ts,
                author=author,
                text=body,
                thread=thread,
                car=None,
                score=rng.randint(0, 15),
            )
