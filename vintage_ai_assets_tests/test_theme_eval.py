"""The theme evaluation's real-post threads: passages of one self-post as one thread."""

import json

from vintage_ai_assets.evaluation import themes
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
