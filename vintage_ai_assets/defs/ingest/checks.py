"""What each source returned: checks of this layer (the repeated ones from the factories)."""

from vintage_ai_assets.defs.platform.check_factories import (
    layer_checks,
    not_future_rule,
    unique_rule,
)

rules = [
    unique_rule(["raw", "reddit_archive"], ["record_id"]),
    not_future_rule(["raw", "reddit_archive"], "created_at"),
    unique_rule(["raw", "social_posts"], ["record_id"]),
    not_future_rule(["raw", "social_posts"], "created_at"),
    unique_rule(["raw", "mail_messages"], ["record_id"]),
    not_future_rule(["raw", "mail_messages"], "created_at"),
    unique_rule(["raw", "auction_lots"], ["lot_id"]),
]

checks = [layer_checks("raw", rules)]
