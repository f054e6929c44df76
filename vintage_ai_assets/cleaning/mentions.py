"""Build ``clean.mentions`` from raw posts: one row per (text, car), rejects quarantined.

Steps, each with its quarantine reason: removed/deleted bodies (``removed``), bot
authors (``bot``), spam (``spam``), overlong texts (``too_long``), exact re-posts by the
same author (``duplicate``), and texts that name no catalog car (``no_car``). Language
is detected and kept; comments that name no car inherit the cars of their thread.

Owners' texts — mail messages (source ``mail:<list>``) and forum or social posts (kind
``post``) — are matched by what they are about (below); Reddit by every catalog car named.
Mail messages are first reduced to their author's own words
(:mod:`vintage_ai_assets.cleaning.mail`; the raw table keeps the message as sent): a
message with none left is ``no_own_words``, a request to the list's machinery
(``unsubscribe``, ``please add me``) ``list_admin``. A thread's first message keeps its
subject as its title. The makes that a message's list and subject name count as named
for its weak aliases (on a Porsche owners' list "my 944" is the Porsche). Its cars are
those of :mod:`vintage_ai_assets.cleaning.aboutness`: of every car its words, hashtags,
subject (a reply's), thread (a reply's) or list (``PorscheFans 914``) name, those the
message is about; ``matched_by`` says how each was found.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from vintage_ai_assets.catalog import Catalog
from vintage_ai_assets.cleaning import aboutness
from vintage_ai_assets.cleaning.language import detect_language
from vintage_ai_assets.cleaning.mail import is_list_admin, message_text, own_words
from vintage_ai_assets.cleaning.matching import CarMatcher
from vintage_ai_assets.cleaning.spam import is_spam
from vintage_ai_assets.sources.records import EXCERPT_CHARS
from vintage_ai_assets.text import (
    MAX_TEXT_CHARS,
    content_hash,
    normalised_for_dedup,
    post_text,
)

MENTION_COLUMNS = [
    "mention_id",
    "car",
    "source",
    "source_id",
    "record_id",
    "kind",
    "thread_id",
    "created_at",
    "date",
    "text",
    "text_hash",
    "dedup_hash",
    "author_hash",
    "url",
    "lang",
    "engagement",
    "matched_by",
]
QUARANTINE_COLUMNS = ["record_id", "source", "locator", "reason", "excerpt", "created_at"]
TOO_LONG_CHARS = 200_000


@dataclass
class MentionsResult:
    """Mentions of the window, the rejected records, and counts per reason."""

    mentions: pd.DataFrame
    quarantine: pd.DataFrame

    @property
    def reasons(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.quarantine["reason"].value_counts().items()}


def mention_id(record_id: str, car: str) -> str:
    return hashlib.blake2b(f"{record_id}|{car}".encode(), digest_size=8).hexdigest()


def build_mentions(
    posts: pd.DataFrame,
    catalog: Catalog,
    thread_cars: dict[str, list[str]] | None = None,
    seen_dedup: Iterable[tuple[str, str]] = (),
    matcher: CarMatcher | None = None,
) -> MentionsResult:
    """Clean, filter, language-tag and car-match raw posts.

    ``thread_cars`` maps thread ids seen before this batch to their cars (for comments
    that only say "mine did too"); ``seen_dedup`` holds (author_hash, dedup_hash) pairs
    already kept earlier, so a re-post on a later day is a duplicate too.
    """
    matcher = matcher or CarMatcher(catalog)
    thread_cars = dict(thread_cars or {})
    seen = set(seen_dedup)
    known = set(catalog.slugs)
    rows: list[dict] = []
    rejects: list[dict] = []
    ordered = posts.sort_values(["created_at", "record_id"], kind="stable")

    def reject(post: dict, reason: str, text: str) -> None:
        rejects.append(
            {
                "record_id": post["record_id"],
                "source": post["source"],
                "locator": post["locator"],
                "reason": reason,
                "excerpt": text[:EXCERPT_CHARS],
                "created_at": post["created_at"],
            }
        )

    pending_comments: list[tuple[dict, str, str]] = []
    lists: dict[str, tuple[frozenset[str], list[str]]] = {}

    def list_context(post: dict) -> tuple[frozenset[str], list[str]]:
        """The makes a mail message's list and subject name, and the list's own car."""
        community = str(post.get("community") or "")
        if community not in lists:
            cars = matcher.cars(community)
            lists[community] = (matcher.makes_named(community), cars if len(cars) == 1 else [])
        makes, list_car = lists[community]
        return makes | matcher.makes_named(str(post.get("title") or "")), list_car

    for post in ordered.to_dict("records"):
        body_raw = post.get("text") or ""
        title = post.get("title")
        if len(body_raw) + (len(title) if isinstance(title, str) else 0) > TOO_LONG_CHARS:
            reject(post, "too_long", body_raw or title)
            continue
        is_mail = str(post["source"]).startswith("mail:")
        if is_mail:
            own = own_words(body_raw)
            if not own:
                reject(post, "no_own_words", body_raw)
                continue
            if is_list_admin(own):
                reject(post, "list_admin", own)
                continue
            text = message_text(title, own, reply=post["kind"] == "comment")
        else:
            text = post_text(post.get("title"), body_raw)
        if not text:
            reject(post, "removed", body_raw)
            continue
        if post.get("author_is_bot"):
            reject(post, "bot", text)
            continue
        if is_spam(text):
            reject(post, "spam", text)
            continue
        dedup = hashlib.blake2b(normalised_for_dedup(text).encode(), digest_size=8).hexdigest()
        key = (post.get("author_hash") or "", dedup)
        if key in seen:
            reject(post, "duplicate", text)
            continue
        seen.add(key)
        text = text[:MAX_TEXT_CHARS]
        if is_mail or post["kind"] == "post":
            kept = _cars_about(post, text, matcher, thread_cars, list_context if is_mail else None)
            hint = post.get("car_hint")
            if isinstance(hint, str) and hint in known:
                kept.setdefault(hint, "source")
            if post["kind"] == "submission" and post.get("thread_id"):
                thread_cars[post["thread_id"]] = list(kept)
            if not kept:
                reject(post, "no_car", text)
                continue
            rows.extend(_rows(post, text, dedup, list(kept), kept))
            continue
        cars = matcher.cars(text)
        matched_by = "alias"
        hint = post.get("car_hint")
        if isinstance(hint, str) and hint in known and hint not in cars:
            cars.append(hint)
            matched_by = "source" if len(cars) == 1 else matched_by
        if post["kind"] == "submission" and post.get("thread_id"):
            thread_cars[post["thread_id"]] = cars
        if not cars:
            if post["kind"] == "comment" and post.get("thread_id"):
                pending_comments.append((post, text, dedup))
            else:
                reject(post, "no_car", text)
            continue
        rows.extend(_rows(post, text, dedup, cars, matched_by))
    for post, text, dedup in pending_comments:
        cars = thread_cars.get(post["thread_id"]) or []
        if cars:
            rows.extend(_rows(post, text, dedup, cars, "thread"))
        else:
            reject(post, "no_car", text)
    mentions = pd.DataFrame(rows, columns=MENTION_COLUMNS)
    if not mentions.empty:
        langs = {t: detect_language(t) for t in mentions["text"].unique()}
        mentions["lang"] = mentions["text"].map(langs)
    mentions["created_at"] = pd.to_datetime(mentions["created_at"]).astype("datetime64[ns]")
    mentions["date"] = mentions["created_at"].dt.normalize()
    mentions["engagement"] = mentions["engagement"].astype("int64")
    mentions = mentions.sort_values(["created_at", "mention_id"], kind="stable").reset_index(
        drop=True
    )
    quarantine = pd.DataFrame(rejects, columns=QUARANTINE_COLUMNS)
    quarantine["created_at"] = pd.to_datetime(quarantine["created_at"]).astype("datetime64[ns]")
    return MentionsResult(mentions, quarantine)


def _cars_about(
    post: dict,
    text: str,
    matcher: CarMatcher,
    thread_cars: dict[str, list[str]],
    list_context: Callable[[dict], tuple[frozenset[str], list[str]]] | None,
) -> dict[str, str]:
    """The cars an owners' message or post is about, each with how it was found;
    ``list_context`` gives a mail message's list makes and list car."""
    makes, list_cars = list_context(post) if list_context is not None else (frozenset(), [])
    reply = post["kind"] == "comment"
    found = aboutness.candidates(
        matcher,
        text,
        context_makes=makes,
        subject=str(post.get("title") or "") if reply else "",
        thread_cars=thread_cars.get(post.get("thread_id"), [])
        if post["kind"] != "submission"
        else [],
        list_cars=list_cars,
        reply=reply,
    )
    return {c.car: c.how for c in aboutness.about(found)}


def _rows(
    post: dict, text: str, dedup: str, cars: list[str], matched_by: str | dict[str, str]
) -> list[dict]:
    return [
        {
            "mention_id": mention_id(post["record_id"], car),
            "car": car,
            "source": post["source"],
            "source_id": post["source_id"],
            "record_id": post["record_id"],
            "kind": post["kind"],
            "thread_id": post.get("thread_id"),
            "created_at": post["created_at"],
            "date": None,
            "text": text,
            "text_hash": content_hash(text),
            "dedup_hash": dedup,
            "author_hash": post.get("author_hash"),
            "url": post.get("url"),
            "lang": None,
            "engagement": int(post.get("score") or 0) + int(post.get("replies") or 0),
            "matched_by": matched_by if isinstance(matched_by, str) else matched_by[car],
        }
        for car in cars
    ]
