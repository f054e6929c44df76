"""Who the platform is to Reddit and how much it asks of it: credentials, User-Agent,
comment-expansion budgets and the error a failed fetch raises (no praw import here: the
definitions load without praw, which :mod:`~vintage_ai_assets.sources.reddit_live` needs)."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_USER_AGENT = "vintage-ai/0.1 (market intelligence for classic cars)"
# "Load more comments" expansions (one API request each, up to ~100 comments back):
MORE_PER_SUBMISSION = 8  # enough for all but the largest threads; bounds a viral one
MORE_PER_RUN = 300  # about 3 minutes at Reddit's free-tier 100 requests a minute


class RedditFetchError(RuntimeError):
    """The Reddit API could not be read for this window (after bounded retries)."""


@dataclass(frozen=True, repr=False)
class RedditCredentials:
    """A Reddit "script"/web app's client id and secret, and the User-Agent to send."""

    client_id: str
    client_secret: str
    user_agent: str = DEFAULT_USER_AGENT

    @classmethod
    def from_env(cls) -> RedditCredentials | None:
        """Read REDDIT_CLIENT_ID / REDDIT_CLIENT_SECRET / REDDIT_USER_AGENT; None if unset."""
        client_id = os.environ.get("REDDIT_CLIENT_ID", "").strip()
        client_secret = os.environ.get("REDDIT_CLIENT_SECRET", "").strip()
        if not client_id or not client_secret:
            return None
        user_agent = os.environ.get("REDDIT_USER_AGENT", "").strip() or DEFAULT_USER_AGENT
        return cls(client_id, client_secret, user_agent)

    def __repr__(self) -> str:
        shown = self.client_id[:4] + "…" if len(self.client_id) >= 12 else "…"
        return (
            f"RedditCredentials(client_id={shown!r}, client_secret=<hidden>, "
            f"user_agent={self.user_agent!r})"
        )

    __str__ = __repr__
