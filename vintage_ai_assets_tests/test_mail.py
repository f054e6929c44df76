"""Mailing lists: mbox and JSONL archives as raw posts, and messages cut to their own words."""

from __future__ import annotations

import gzip
import json
from datetime import datetime

import pandas as pd
import pytest

from vintage_ai_assets.cleaning.mail import classify_lines, is_list_admin, own_words
from vintage_ai_assets.cleaning.mentions import build_mentions
from vintage_ai_assets.sources import inbox, mailing_list
from vintage_ai_assets.sources.records import TimeWindow

ALL_TIME = TimeWindow(datetime(1980, 1, 1), datetime(2100, 1, 1))

MBOX = b"""From stan@example.org Mon Apr 25 15:03:25 1994
Message-ID: <1@example.org>
Date: Mon, 25 Apr 1994 15:03:25 -0400
From: Stan Hanks <stan@example.org>
Subject: 914 engine swap
List-Id: PorscheFans 914 <914.porschefans.example.org>

Is a 911 engine in a 914 worth it?

From the look of it the early cars rust most.

Stan

From rick@example.org Mon Apr 25 18:00:00 1994
Message-ID: <2@example.org>
In-Reply-To: <1@example.org>
References: <1@example.org>
Date: Mon, 25 Apr 1994 18:00:00 -0400
From: Rick <rick@example.org>
Subject: Re: 914 engine swap
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="XYZ"

--XYZ
Content-Type: text/plain; charset=us-ascii

>Is a 911 engine in a 914 worth it?
Yes, mine runs great.
>From experience: do the brakes too.

--XYZ
Content-Type: text/html

<p>Yes, mine runs great.</p>
--XYZ--

From nobody Tue Apr 26 00:00:00 1994
Subject: no date here

body
"""


def test_mbox_messages_threads_and_bad_dates(tmp_path):
    path = tmp_path / "porschefans-914.mbox"
    path.write_bytes(MBOX)
    result = mailing_list.read_archives([path], ALL_TIME)
    posts = result.accepted
    assert list(posts["source_id"]) == ["<1@example.org>", "<2@example.org>"]
    assert list(posts["kind"]) == ["submission", "comment"]
    assert list(posts["thread_id"]) == ["PorscheFans 914::914 engine swap", "<1@example.org>"]
    # the list's name from List-Id, else the file's name: one source either way
    assert set(posts["source"]) == {"mail:porschefans-914"}
    assert posts["author_hash"].notna().all() and "Stan" not in posts["author_hash"].iloc[0]
    # the reply's body is its text/plain part, ">From" escapes undone
    assert "Yes, mine runs great." in posts["text"].iloc[1]
    assert "\nFrom experience: do the brakes too." in posts["text"].iloc[1]
    assert "<p>" not in posts["text"].iloc[1]
    assert posts["created_at"].iloc[0] == pd.Timestamp("1994-04-25 19:03:25")
    reasons = result.quarantine.frame()["reason"].tolist()
    assert reasons == ["missing id, date"]


def test_jsonl_dump_through_its_mapping_gz(tmp_path):
    first = {
        "id": "p/1",
        "source": "S",
        "list": "928",
        "date": "1996-05-01T10:00:00-07:00",
        "author_hash": "u_1",
        "subject": "Cam belt",
        "thread_key": "928::cam belt",
        "text": "My belt broke at 60k miles. Ouch.",
    }
    rows = [
        first,
        {**first, "id": "p/2", "date": "", "subject": "Re: Cam belt", "text": "no date"},
        {**first, "text": "repeated"},
    ]
    path = tmp_path / "porsche_mailing_lists_test.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join(json.dumps(r) for r in rows) + "\n{broken\n")
    result = mailing_list.read_archives([path], ALL_TIME)
    assert list(result.accepted["record_id"]) == ["mail:s-928:p/1"]
    assert result.accepted["community"].iloc[0] == "S: 928"
    assert result.accepted["thread_id"].iloc[0] == "928::cam belt"
    assert sorted(result.quarantine.frame()["reason"]) == [
        "invalid JSON",
        "missing date",
        "repeated id in the file",
    ]
    # the inbox sensor sees the day the message was written (UTC)
    days = inbox.days_touched(inbox.InboxFile("mail", path))
    assert days == {datetime(1996, 5, 1).date()}


def test_bad_mapping_is_a_clear_error(tmp_path):
    (tmp_path / "x.mapping.yaml").write_text("name: x\nfields: {sender: from}\n")
    with pytest.raises(mailing_list.MailMappingError, match="unknown fields"):
        mailing_list.load_mappings(tmp_path)


REPLY = """Cc: <email>

Stan Hanks writes:
 > Yup. They used to actually sell such a beast.
 >
 > Stan

Another possibility, for the non-purist, is a v6 engine. I blew the
original 1.7 in my 74 last summer and it was a mess.

Thanks,
Rick
'74 914 1.7 (blown)
Rick Smith   <email>   +1 <phone>

=================================PorscheFans 914 Message
To post a message, send e-mail to <email>
."""


def test_lines_are_classified_and_own_words_kept():
    labels = classify_lines(REPLY)
    lines = REPLY.split("\n")
    by_line = dict(zip(lines, labels, strict=True))
    assert by_line["Cc: <email>"] == "H"
    assert by_line["Stan Hanks writes:"] == "Q"
    assert by_line[" > Yup. They used to actually sell such a beast."] == "Q"
    assert by_line["Thanks,"] == "O"
    assert by_line["Rick"] == "S"
    assert by_line["'74 914 1.7 (blown)"] == "S"
    assert by_line["To post a message, send e-mail to <email>"] == "F"
    own = own_words(REPLY)
    assert own.startswith("Another possibility")
    assert own.endswith("Thanks,")
    assert "Yup" not in own and "<email>" not in own and "914 1.7" not in own


def test_postscript_after_signature_stays_and_mime_parts_go():
    text = (
        "This is a multi-part message in MIME format.\n\n--------------7D2D3A06\n"
        "Content-Type: text/plain; charset=us-ascii\n\nMy 944 is finally back on the road.\n\n"
        "Bill\n   1987 944 Turbo\n\nP.S. The shop was great.\n\n--------------7D2D3A06\n"
        'Content-Type: image/gif; name="a.gif"\nContent-Transfer-Encoding: base64\n\n'
        "R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADsR0lGODlhAQABAIAAAP///wAAACwA\n"
    )
    assert own_words(text) == "My 944 is finally back on the road.\n\nP.S. The shop was great."


@pytest.mark.parametrize(
    ("own", "admin"),
    [
        ("Please add me to the list.", True),
        ("unsubscribe", True),
        (
            "I want to subscribe to Excellence magazine, is it worth it for a 944 owner? "
            "The last issue had a great article about the 951 and I liked it a lot, but the "
            "price seems high for what you get every month here.",
            False,
        ),
        ("My clutch went.", False),
    ],
)
def test_list_admin_requests(own, admin):
    assert is_list_admin(own) is admin


def test_mail_mentions_are_own_words_with_subject_and_thread_context(catalog):
    base = {
        "source": "mail:928",
        "community": "928",
        "author_is_bot": False,
        "url": None,
        "car_hint": None,
        "score": 0,
        "replies": 0,
    }
    posts = pd.DataFrame(
        [
            {
                **base,
                "record_id": "m1",
                "source_id": "1",
                "kind": "submission",
                "thread_id": "t",
                "created_at": datetime(1996, 5, 1),
                "author_hash": "a",
                "title": "928 S4 cam belt",
                "text": "Mine snapped at 60k.\n\nJim\n'89 928 S4",
                "locator": "f:1",
            },
            {
                **base,
                "record_id": "m2",
                "source_id": "2",
                "kind": "comment",
                "thread_id": "t",
                "created_at": datetime(1996, 5, 2),
                "author_hash": "b",
                "title": "Re: 928 S4 cam belt",
                "text": "> Mine snapped at 60k.\nOuch, change it every 30k.",
                "locator": "f:2",
            },
            {
                **base,
                "record_id": "m3",
                "source_id": "3",
                "kind": "comment",
                "thread_id": "u",
                "created_at": datetime(1996, 5, 2),
                "author_hash": "c",
                "title": "Re: 944 turbo boost",
                "text": "Mine makes 14 psi.",
                "locator": "f:3",
            },
            {
                **base,
                "record_id": "m4",
                "source_id": "4",
                "kind": "submission",
                "thread_id": "v",
                "created_at": datetime(1996, 5, 3),
                "author_hash": "d",
                "title": "unsubscribe",
                "text": "please unsubscribe me",
                "locator": "f:4",
            },
            {
                **base,
                "record_id": "m5",
                "source_id": "5",
                "kind": "comment",
                "thread_id": "t",
                "created_at": datetime(1996, 5, 3),
                "author_hash": "e",
                "title": "Re: x",
                "text": "> quoted only\n> more",
                "locator": "f:5",
            },
        ]
    )
    result = build_mentions(posts, catalog)
    m = result.mentions.set_index("record_id")
    assert m.loc["m1", "text"] == "928 S4 cam belt\n\nMine snapped at 60k."
    assert m.loc["m1", "car"] == "porsche-928"
    assert m.loc["m2", "text"] == "Ouch, change it every 30k."
    assert m.loc["m2", "matched_by"] == "thread"
    assert m.loc["m3", "car"] == "porsche-944" and m.loc["m3", "matched_by"] == "subject"
    assert result.reasons == {"list_admin": 1, "no_own_words": 1}
