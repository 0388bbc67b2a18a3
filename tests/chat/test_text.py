"""The text a robot posts: the core's notification shortened to the robot's byte limit,
on character boundaries, links and mention kept; mobile numbers the robots can mention."""
from __future__ import annotations

import pytest
from helpdesk_chat.text import BODY_LINES, chat_text, mainland_mobile, utf8_prefix
from hypothesis import given, settings
from hypothesis import strategies as st

LINK = "http://helpdesk.example.org/tickets/HD-000042"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))), st.integers(0, 200))
def test_a_prefix_is_whole_characters_within_the_limit(text, limit):
    prefix = utf8_prefix(text, limit)

    assert text.startswith(prefix)
    assert len(prefix.encode("utf-8")) <= limit
    assert len(text[:len(prefix) + 1].encode("utf-8")) > limit or prefix == text


@settings(max_examples=200)
@given(subject=st.text(min_size=1, max_size=255), body=st.text(max_size=3000),
       limit=st.integers(len(LINK) + 20, 3000))
def test_a_text_never_exceeds_the_limit_and_keeps_the_link(subject, body, limit):
    text = chat_text(subject, body + "\n\n" + LINK + "\n", limit=limit, mention="@王小明")

    assert len(text.encode("utf-8")) <= limit
    assert text.splitlines()[-2:] == [LINK, "@王小明"]


def test_the_first_lines_of_a_long_body_are_shown_and_the_last_one_says_more_follows():
    body = "\n".join(f"第 {n} 行" for n in range(1, 20)) + f"\n\n{LINK}\n"

    lines = chat_text("[HD-000042] 网络故障", body, limit=2048).splitlines()

    assert lines == ["[HD-000042] 网络故障", *(f"第 {n} 行" for n in range(1, BODY_LINES)),
                     f"第 {BODY_LINES} 行…", "", LINK]


def test_a_link_in_the_middle_of_the_body_is_kept_with_the_text_around_it():
    body = ("Ticket HD-000042 has been resolved.\nRate it:\n\n"
            "http://helpdesk.example.org/ratings/abc5555\n\nThe link works until 2026-10-08.\n")

    assert chat_text("How did we do? [HD-000042] VPN", body, limit=2048).splitlines() == [
        "How did we do? [HD-000042] VPN", "Ticket HD-000042 has been resolved.", "Rate it:", "",
        "http://helpdesk.example.org/ratings/abc5555", "", "The link works until 2026-10-08."]


def test_a_subject_too_long_for_the_limit_is_shortened_and_the_link_stays():
    text = chat_text("打印机" * 100, f"卡纸\n\n{LINK}\n", limit=120, mention="@13955550101")

    lines = text.splitlines()
    assert len(text.encode("utf-8")) <= 120
    assert lines[0].endswith("…") and lines[0].startswith("打印机")
    assert lines[1:] == [LINK, "@13955550101"]


@pytest.mark.parametrize("phone, mobile", [
    ("13955550101", "13955550101"),
    ("+86 139-5555-0101", "13955550101"),
    ("0086 139 5555 0101", "13955550101"),
    ("(139) 5555 0101", "13955550101"),
    ("010-5555-0100", ""),  # a landline
    ("+86 10 5555 0100", ""),
    ("139 5555 0101 ext. 3", ""),
    ("12955550101", ""),  # no mobile network starts 12
    ("", ""),
    (None, ""),
])
def test_only_a_mainland_mobile_number_can_be_mentioned(phone, mobile):
    assert mainland_mobile(phone) == mobile
