"""The theme evaluation's threads: passages of one self-post, and owners' mail threads."""

import gzip
import hashlib
import json

import numpy as np

from vintage_ai_assets.evaluation import themes
from vintage_ai_assets.evaluation.shared_mail import MAIL_FILE
from vintage_ai_assets.evaluation.shared_reddit import REDDIT_FILE

LONG_BODY = (
    "My 996 started making a grinding noise at idle last week. "
    "It gets louder when the engine is warm and the revs drop. "
    "The shop thinks it might be the IMS bearing going bad. "
    "They quoted me a lot of money for the retrofit kit and labour. "
    "I have owned the car for six years without any real trouble. "
    "Ok. "  # too short to be a passage
    "Has anyone here done the retrofit themselves in a home garage? "
    "I would like to know which tools and how many weekends it took.\n\n"
    "Thanks for any advice you can give me on this whole thing."
)


def test_post_messages_are_passages_of_two_sentences():
    messages = themes.post_messages(LONG_BODY)
    assert len(messages) == 4  # 8 sentences of 6 words or more
    assert messages[0].startswith("My 996") and messages[0].endswith("drop.")
    assert messages[2].startswith("I have owned") and "Ok." not in messages[2]
    assert messages[-1].startswith("I would like") and messages[-1].endswith("whole thing.")
    assert len(themes.post_messages(" ".join([LONG_BODY] * 5))) == themes.POST_MAX_MESSAGES


def test_reddit_post_threads_keep_long_self_posts_only(tmp_path):
    assert themes.reddit_post_threads(tmp_path) is None  # no shared file: skipped
    records = [
        {"id": "a1", "subreddit": "cars", "title": "IMS", "selftext": LONG_BODY},
        {"id": "b2", "subreddit": "cars", "title": "short", "selftext": "Just one line here ok."},
        {"id": "c3", "subreddit": "cars", "title": "gone", "selftext": "[removed]"},
        {"id": "d4", "subreddit": "teslamotors", "title": "link", "selftext": ""},
    ]
    (tmp_path / REDDIT_FILE).write_text("\n".join(json.dumps(r) for r in records) + "\n")
    threads = themes.reddit_post_threads(tmp_path)
    assert set(threads["thread_id"]) == {"a1"} and len(threads) == 4
    assert set(threads["car"]) == {"r/cars"}
    assert list(threads.columns) == ["car", "thread_id", "text"]


def _thread_key(side: str, start: int = 0) -> str:
    """A thread key of the shared lists' shape that falls on ``side`` of the split."""
    for n in range(start, start + 1000):
        key = f"914::brake caliper rebuild {n}"
        bucket = int(hashlib.sha256(f"{themes.OWNER_THREAD_SALT}{key}".encode()).hexdigest(), 16)
        if (bucket % 100 < themes.OWNER_TEST_PERCENT) == (side == "test"):
            return key
    raise AssertionError("no key found")


def test_owner_threads_keep_specific_long_threads_on_one_side(tmp_path):
    assert themes.owner_threads(tmp_path) is None  # no shared file: skipped
    own = "The rear calipers on my teener stick after a wet week, any rebuild tips?"
    dev, test = _thread_key("dev"), _thread_key("test")
    rows = []
    for key, count in ((dev, 6), (test, 6), ("914::for sale", 8), (_thread_key("dev", 1000), 5)):
        for i in range(count):
            text = f"{own} ({i})\n> quoted text from before that is long enough to count"
            rows.append({"list": "914", "thread_key": key, "text": text})
    rows.append({"list": "914", "thread_key": dev, "text": "Me too.\n> " + own})  # too short
    with gzip.open(tmp_path / MAIL_FILE, "wt") as handle:
        handle.write("\n".join(json.dumps(r) for r in rows) + "\n")
    kept = themes.owner_threads(tmp_path, "dev")
    assert set(kept["thread_id"]) == {dev} and len(kept) == 6
    assert not kept["text"].str.contains("quoted").any()  # the author's own words only
    assert set(themes.owner_threads(tmp_path, "test")["thread_id"]) == {test}


def test_thread_groups_are_fixed_and_bounded():
    threads = np.array([f"t{i % 40}" for i in range(200)])
    groups = themes._thread_groups(threads, 15)
    assert [len(set(threads[g])) for g in groups] == [15, 15, 10]
    assert sorted(np.concatenate(groups).tolist()) == list(range(200))
    again = themes._thread_groups(threads[::-1].copy(), 15)
    assert [set(threads[::-1][g]) for g in again] == [set(threads[g]) for g in groups]
    assert len(themes._thread_groups(threads, None)[0]) == 200
