"""The demo's conversations: each car's Reddit threads, forum threads and Instagram posts."""

from __future__ import annotations

import math
import random
import re
from datetime import date

from vintage_ai_assets.catalog import Car, Catalog
from vintage_ai_assets.demo.authors import Authors
from vintage_ai_assets.demo.draws import choose_weighted, poisson
from vintage_ai_assets.demo.records import Post, Thread
from vintage_ai_assets.demo.spec import (
    FAULT_CAR,
    FAULT_SHARE,
    FAULT_VOLUME_BUMP,
    NOISE_SHARES,
    RISING_CAR,
    RISING_VOLUME_FACTOR,
    SOURCE_SHARES,
)
from vintage_ai_assets.demo.texts import Slots, Writer
from vintage_ai_assets.demo.vocabulary import (
    COMMENT_OPENERS,
    FIRST_NAMES,
    FORUM_CLOSERS,
    FORUM_GREETINGS,
    HASHTAGS,
    INSTAGRAM,
    INSTAGRAM_COMMENTS,
    SUBMISSION_CLOSERS,
    make_info,
    profile,
)
from vintage_ai_assets.demo.window import Window
from vintage_ai_assets.demo.wording import articles


class Conversations:
    """All posts and threads of the demo; :meth:`car_texts` writes one car's, month by month."""

    def __init__(
        self, catalog: Catalog, cars: list[Car], window: Window, writer: Writer, authors: Authors
    ) -> None:
        self.catalog, self.cars, self.window = catalog, cars, window
        self.writer, self.authors = writer, authors
        self.spec = window.spec
        mean_weight = sum(profile(c.slug).weight for c in catalog.cars) / max(1, len(catalog))
        self.weights = {c.slug: profile(c.slug).weight / mean_weight for c in cars}
        self.counter = 0
        self.posts: list[Post] = []
        self.threads: dict[str, list[Thread]] = {"reddit": [], "forum": [], "instagram": []}

    def new_post(self, **kwargs: object) -> Post:
        """Add a post (``Post``'s fields but ``seq``) to its thread and to :attr:`posts`."""
        post = Post(seq=self.counter, **kwargs)  # type: ignore[arg-type]
        post.text = articles(post.text)
        if not post.thread.posts:
            post.thread.title = articles(post.thread.title)
        self.counter += 1
        post.thread.posts.append(post)
        self.posts.append(post)
        return post

    def car_texts(self, car: Car) -> None:
        """Every text of ``car``'s own stream over the window (volume, trend and fault)."""
        rng = random.Random(f"vintage-demo/{self.spec.seed}/{car.slug}/texts")
        n_months = len(self.window.months)
        for month, (lo, hi, days, _) in enumerate(self.window.months):
            days_in_month = (
                date(lo.year + lo.month // 12, lo.month % 12 + 1, 1) - date(lo.year, lo.month, 1)
            ).days
            season = 1 + 0.12 * math.cos(2 * math.pi * (lo.month - 7) / 12)
            lam = (
                self.spec.texts_per_car_month
                * self.weights[car.slug]
                * season
                * len(days)
                / days_in_month
            )
            if car.slug == RISING_CAR:
                lam *= 1 + (RISING_VOLUME_FACTOR - 1) * (month / max(1, n_months - 1))
            fault_possible = car.slug == FAULT_CAR and hi >= self.window.onset
            if fault_possible:
                onset_share = min(1.0, ((hi - max(lo, self.window.onset)).days + 1) / len(days))
                lam *= 1 + (FAULT_VOLUME_BUMP - 1) * onset_share
            total = poisson(rng, lam)
            n_reddit = round(total * SOURCE_SHARES["reddit"])
            n_forum = round(total * SOURCE_SHARES["forum"])
            self.reddit_threads(rng, car, month, n_reddit, fault_possible)
            self.forum_threads(rng, car, month, n_forum, fault_possible)
            self.instagram(rng, car, month, total - n_reddit - n_forum, fault_possible)

    def _noise_text(self, rng: random.Random, car: Car, fault: bool) -> str | None:
        """A non-English replacement text (about 3% of texts), never for fault texts."""
        if not fault and rng.random() < NOISE_SHARES["foreign"]:
            return self.writer.foreign(rng, car)
        return None

    def _is_fault(self, rng: random.Random, ts: int, fault_possible: bool) -> bool:
        return fault_possible and ts >= self.window.onset_ts and rng.random() < FAULT_SHARE

    def reddit_threads(
        self, rng: random.Random, car: Car, month: int, count: int, fault_possible: bool
    ) -> None:
        """``count`` Reddit texts about ``car`` in ``month``: submissions and their comments."""
        writer, window = self.writer, self.window
        subs = car.subreddits or make_info(car.make).subreddits
        removed_p = NOISE_SHARES["removed"] / SOURCE_SHARES["reddit"]
        remaining = count
        while remaining > 0:
            k = min(remaining - 1, round(rng.expovariate(1 / 3.0)))
            remaining -= 1 + k
            ts = window.root_ts(rng, month)
            fault = self._is_fault(rng, ts, fault_possible)
            theme = "fault" if fault else writer.pick_theme(rng, car)
            pol = "neg" if fault else writer.pick_polarity(rng, car, theme)
            slots = writer.slots(car, theme, rng, ts)
            title = writer.title(rng, theme, pol, slots)
            selftext = writer.compose(
                rng, car, theme, pol, ts, rng.randint(1, 3), closer=SUBMISSION_CLOSERS, slots=slots
            )
            foreign = self._noise_text(rng, car, fault)
            if foreign:
                title, selftext = foreign, ""
            elif rng.random() < removed_p:
                selftext = "[removed]"
            thread = Thread("reddit", rng.choice(subs), title, car.slug)
            sub = self.new_post(
                source="reddit",
                kind="submission",
                ts=ts,
                author=self.authors.pick(rng, car),
                text=selftext,
                thread=thread,
                car=car.slug,
                fault=fault,
                score=int(rng.paretovariate(1.3) * 8),
            )
            self.threads["reddit"].append(thread)
            comments: list[Post] = []
            for _ in range(k):
                parent = sub
                eligible = [c for c in comments if c.ts < window.end_ts - 600]
                if eligible and rng.random() < 0.4:
                    parent = rng.choice(eligible)
                cts = window.after(rng, parent.ts, 360, 4 * 1440)
                c_theme, c_pol = self._reply_tone(rng, car, theme, pol, fault)
                named = rng.random() >= 0.2
                if named:
                    text = writer.compose(
                        rng,
                        car,
                        c_theme,
                        c_pol,
                        cts,
                        rng.choice((0, 0, 1, 1, 2)),
                        opener=COMMENT_OPENERS,
                    )
                else:
                    text = writer.nameless_reply(rng, car, c_theme, c_pol, cts)
                author = self.authors.pick(rng, car)
                foreign = self._noise_text(rng, car, fault) if named else None
                if foreign:
                    text = foreign
                elif rng.random() < removed_p:
                    text = rng.choice(("[deleted]", "[removed]"))
                    author = "[deleted]" if text == "[deleted]" else author
                comments.append(
                    self.new_post(
                        source="reddit",
                        kind="comment",
                        ts=cts,
                        author=author,
                        text=text,
                        thread=thread,
                        parent=parent,
                        car=car.slug,
                        named=named,
                        fault=fault,
                        score=max(-5, int(rng.gauss(4, 6))),
                    )
                )

    def _reply_tone(
        self, rng: random.Random, car: Car, theme: str, pol: str, fault: bool
    ) -> tuple[str, str]:
        """A reply's theme and polarity: mostly its thread's (always, in a fault thread)."""
        writer = self.writer
        r_theme = theme if fault or rng.random() < 0.8 else writer.pick_theme(rng, car)
        r_pol = (
            "neg"
            if fault
            else (
                pol
                if rng.random() < 0.6 and r_theme == theme
                else writer.pick_polarity(rng, car, r_theme)
            )
        )
        return r_theme, r_pol

    def forum_threads(
        self, rng: random.Random, car: Car, month: int, count: int, fault_possible: bool
    ) -> None:
        """``count`` forum posts about ``car`` in ``month``: threads and their replies."""
        writer, window = self.writer, self.window
        forums = make_info(car.make).forums
        remaining = count
        while remaining > 0:
            k = min(remaining - 1, round(rng.expovariate(1 / 4.0)))
            remaining -= 1 + k
            ts = window.root_ts(rng, month)
            fault = self._is_fault(rng, ts, fault_possible)
            theme = "fault" if fault else writer.pick_theme(rng, car)
            pol = "neg" if fault else writer.pick_polarity(rng, car, theme)
            slots = writer.slots(car, theme, rng, ts)
            title = writer.title(rng, theme, pol, slots)
            thread = Thread("forum", rng.choice(forums), title, car.slug)
            self.threads["forum"].append(thread)
            text = self._forum_text(rng, car, theme, pol, ts, rng.randint(1, 4), slots)
            parent = self.new_post(
                source="forum",
                kind="post",
                ts=ts,
                author=self.authors.pick(rng, car),
                text=self._noise_text(rng, car, fault) or text,
                thread=thread,
                car=car.slug,
                fault=fault,
                score=rng.randint(0, 25),
            )
            for _ in range(k):
                pts = window.after(rng, parent.ts, 1.5 * 1440, 14 * 1440)
                r_theme, r_pol = self._reply_tone(rng, car, theme, pol, fault)
                text = self._forum_text(rng, car, r_theme, r_pol, pts, rng.randint(0, 3))
                parent = self.new_post(
                    source="forum",
                    kind="post",
                    ts=pts,
                    author=self.authors.pick(rng, car),
                    text=self._noise_text(rng, car, fault) or text,
                    thread=thread,
                    car=car.slug,
                    fault=fault,
                    score=rng.randint(0, 12),
                )

    def _forum_text(
        self,
        rng: random.Random,
        car: Car,
        theme: str,
        pol: str,
        ts: int,
        bodies: int,
        slots: Slots | None = None,
    ) -> str:
        text = self.writer.compose(
            rng, car, theme, pol, ts, bodies, opener=FORUM_GREETINGS, slots=slots
        )
        if theme != "fault" and rng.random() < 0.3:
            text += f"\n\n{rng.choice(FORUM_CLOSERS)}\n{rng.choice(FIRST_NAMES)}"
        return text

    def instagram(
        self, rng: random.Random, car: Car, month: int, count: int, fault_possible: bool
    ) -> None:
        """``count`` Instagram texts about ``car`` in ``month``: captions and comments."""
        writer, window = self.writer, self.window
        recent: list[Thread] = []
        for _ in range(count):
            ts = window.root_ts(rng, month)
            fault = self._is_fault(rng, ts, fault_possible)
            if recent and rng.random() < 0.3 and not fault:
                thread = rng.choice(recent)
                ts = window.after(rng, thread.posts[0].ts, 600, 5 * 1440)
                pol = choose_weighted(rng, (("pos", 0.6), ("neu", 0.25), ("neg", 0.15)))
                template = rng.choice(INSTAGRAM_COMMENTS[pol])
                text = writer.fill(template, car, "maintenance", rng, ts)
                named = "{car}" in template
                foreign = self._noise_text(rng, car, False) if named else None
                self.new_post(
                    source="instagram",
                    kind="reply",
                    ts=ts,
                    author=self.authors.pick(rng, car),
                    text=foreign or text,
                    thread=thread,
                    parent=thread.posts[0],
                    car=car.slug,
                    named=named,
                    score=rng.randint(0, 40),
                    car_field=car.slug if not named or rng.random() < 0.75 else None,
                )
                continue
            if fault:
                pol, template = "neg", rng.choice(INSTAGRAM["fault"])
            else:
                pol = choose_weighted(rng, (("pos", 0.6), ("neu", 0.25), ("neg", 0.15)))
                template = rng.choice(INSTAGRAM[pol])
            text = writer.fill(template, car, "fault" if fault else "maintenance", rng, ts)
            tags = [
                f"#{re.sub(r'[^A-Za-z0-9]', '', car.make).lower()}",
                *rng.sample(HASHTAGS, rng.randint(1, 3)),
            ]
            text = f"{text} {' '.join(tags)}"
            thread = Thread("instagram", "", "", car.slug)
            self.threads["instagram"].append(thread)
            recent = [t for t in recent[-20:] if t.posts[0].ts > ts - 30 * 86400] + [thread]
            self.new_post(
                source="instagram",
                kind="caption",
                ts=ts,
                author=self.authors.pick(rng, car),
                text=self._noise_text(rng, car, fault) or text,
                thread=thread,
                car=car.slug,
                fault=fault,
                score=int(rng.paretovariate(1.2) * 40),
                car_field=car.slug if rng.random() < 0.75 else None,
            )
