"""What each source returned: checks of this layer (the repeated ones from the factories)."""

from vintage_ai_assets.defs.platform.check_factories import not_future_check, unique_check

checks = [
    unique_check(["raw", "reddit_archive"], ["record_id"]),
    not_future_check(["raw", "reddit_archive"], "created_at"),
    unique_check(["raw", "social_posts"], ["record_id"]),
    not_future_check(["raw", "social_posts"], "created_at"),
    unique_check(["raw", "mail_messages"], ["record_id"]),
    not_future_check(["raw", "mail_messages"], "created_at"),
    unique_check(["raw", "auction_lots"], ["lot_id"]),
]
