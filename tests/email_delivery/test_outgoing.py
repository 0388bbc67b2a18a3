"""What a notification looks like as an e-mail: headers that thread every mail of a
ticket together, say which mail is automatic, and survive any charset."""
from __future__ import annotations

import re
from email import message_from_bytes, policy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk_email.outgoing import (
    OutgoingConfig,
    build_email,
    parse_helpdesk_message_id,
    render_html,
    thread_root_id,
)
from pyramid_helpdesk.notifications.delivery import OutgoingMessage

from .conftest import DOMAIN, SERVICE_ADDRESS

MESSAGE_ID = re.compile(r"<hd\.HD-000042\.7\.[0-9a-f]{16}@example\.org>")
KINDS = {
    "ticket_created": "auto-replied",
    "ticket_assigned": "auto-generated",
    "ticket_forwarded": "auto-generated",
    "ticket_resolved": "auto-generated",
    "ticket_nudged": "auto-generated",
    "message_public": None,
    "message_internal": None,
}


def notification(kind="ticket_created", ticket="HD-000042", **fields) -> OutgoingMessage:
    values = dict(
        id=7, kind=kind, recipient="user@example.net",
        subject=f"[{ticket}] Printer jam", ticket_id=42, data={"ticket": ticket},
        body=f"Your request has been received as ticket {ticket}.\n\n"
             f"http://helpdesk.example.org/tickets/{ticket}\n",
    )
    values.update(fields)
    return OutgoingMessage(**values)


def received(mail):
    """The message as the other side parses it."""
    return message_from_bytes(mail.as_bytes(), policy=policy.default)


@pytest.fixture
def config() -> OutgoingConfig:
    return OutgoingConfig(SERVICE_ADDRESS, DOMAIN, "IT Helpdesk")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_mail_of_a_ticket_threads_under_its_root_and_says_if_it_is_automatic(
        config, kind):
    mail = received(build_email(notification(kind), config))

    assert MESSAGE_ID.fullmatch(mail["Message-ID"])
    assert mail["In-Reply-To"] == "<hd.HD-000042@example.org>"
    assert mail["References"] == "<hd.HD-000042@example.org>"
    assert mail["Subject"] == "[HD-000042] Printer jam"
    assert mail["To"] == "user@example.net"
    assert mail["From"].addresses[0].addr_spec == "helpdesk@example.org"
    assert mail["Reply-To"].addresses[0].addr_spec == "helpdesk@example.org"
    assert mail["X-Helpdesk-Loop"] == "example.org"
    assert mail["X-Helpdesk-Ticket"] == "HD-000042"
    assert mail["Auto-Submitted"] == KINDS[kind]
    assert mail["Precedence"] is None
    assert mail["Date"].datetime.tzinfo is not None


def test_automatic_mail_asks_outlook_for_no_out_of_office_reply(config):
    assert received(build_email(notification("ticket_resolved"), config))[
        "X-Auto-Response-Suppress"] == "OOF, AutoReply"
    assert received(build_email(notification("message_public"), config))[
        "X-Auto-Response-Suppress"] is None


def test_a_kind_added_by_a_plugin_counts_as_automatic(config):
    mail = received(build_email(notification("survey_invitation"), config))
    assert mail["Auto-Submitted"] == "auto-generated"


def test_each_mail_has_its_own_message_id_and_both_name_the_ticket(config):
    first = build_email(notification(), config)["Message-ID"]
    again = build_email(notification(), config)["Message-ID"]
    assert first != again
    assert parse_helpdesk_message_id(first, DOMAIN) == "HD-000042"
    assert parse_helpdesk_message_id(again, DOMAIN) == "HD-000042"


def test_chinese_subject_names_and_body_travel_as_ascii_and_decode_intact(config):
    body = "您好，\n\n您的打印机问题已登记为工单 HD-000042。\n请回复本邮件补充信息。\n"
    message = notification(
        "message_public", recipient="张伟 <zhang.wei@example.net>",
        subject="[HD-000042] 三楼打印机卡纸，并且显示“错误代码 E-204”，已经影响整个部门的打印",
        body=body,
    )
    raw = build_email(message, config).as_bytes()

    assert raw.isascii()  # 7-bit clean: encoded words and base64, never raw 8-bit
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail["Subject"] == message.subject
    assert mail["Subject"].startswith("[HD-000042] ")
    assert mail["From"].addresses[0].display_name == "IT 帮助台"
    assert mail["To"].addresses[0].display_name == "张伟"
    plain = mail.get_body(("plain",))
    assert plain.get_content_charset() == "utf-8"
    assert plain.get_content().replace("\r\n", "\n") == body
    assert "工单 HD-000042。" in mail.get_body(("html",)).get_content()


def test_the_site_name_is_shown_when_the_service_address_has_no_name():
    config = OutgoingConfig("helpdesk@example.org", DOMAIN, "IT Helpdesk")
    mail = received(build_email(notification(), config))
    assert str(mail["From"]) == "IT Helpdesk <helpdesk@example.org>"


def test_text_and_html_alternatives(config):
    message = notification(body="Line one & <two>\nline three\n\n"
                                "See https://helpdesk.example.org/tickets/HD-000042.\n")
    mail = received(build_email(message, config))

    assert mail.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mail.iter_parts()] == [
        "text/plain", "text/html"]
    assert all(part["MIME-Version"] is None for part in mail.iter_parts())
    html = mail.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert "<p>Line one &amp; &lt;two&gt;<br>\nline three</p>" in html
    assert ('<p>See <a href="https://helpdesk.example.org/tickets/HD-000042">'
            'https://helpdesk.example.org/tickets/HD-000042</a>.</p>') in html


@pytest.mark.parametrize(("text", "link", "after"), [
    ("see http://example.org/a。谢谢", "http://example.org/a", "。谢谢"),
    ("(http://example.org/wiki/A_(b))", "http://example.org/wiki/A_(b)", ")"),
    ("at http://example.org/x?a=1&b=2, ok", "http://example.org/x?a=1&amp;b=2", ", ok"),
    ("write to mailto:helpdesk@example.org!", "mailto:helpdesk@example.org", "!"),
])
def test_links_stop_before_the_punctuation_that_follows_them(text, link, after):
    html = render_html(text)
    assert f'<a href="{link}">{link}</a>{after}' in html


def test_html_never_lets_markup_through():
    html = render_html('<script>alert(1)</script> http://example.org/"onmouseover="x')
    assert "<script>" not in html
    assert '<a href="http://example.org/">http://example.org/</a>&quot;onmouseover' in html


def test_a_notification_without_a_ticket_is_sent_outside_any_thread(config):
    message = notification(data={}, ticket_id=None, subject="Welcome")
    mail = received(build_email(message, config))
    assert re.fullmatch(r"<hdn\.7\.[0-9a-f]{16}@example\.org>", mail["Message-ID"])
    assert mail["In-Reply-To"] is None and mail["References"] is None
    assert mail["X-Helpdesk-Ticket"] is None
    assert parse_helpdesk_message_id(mail["Message-ID"], DOMAIN) is None
    assert mail["X-Helpdesk-Loop"] == DOMAIN


# -- Message-IDs are exact inverses ----------------------------------------------------

ticket_numbers = st.one_of(
    st.sampled_from(["HD-000042", "2026-17", "T#9", "工单-7", "A.B", "a_b", "HD 1", "-"]),
    st.from_regex(r"[A-Z]{1,4}-[0-9]{1,8}", fullmatch=True),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30),
)


@settings(database=None)
@given(ticket_numbers)
def test_our_message_ids_name_their_ticket_back(number):
    root = thread_root_id(number, DOMAIN)
    assert parse_helpdesk_message_id(root, DOMAIN) == number
    assert parse_helpdesk_message_id(root[1:-1], "EXAMPLE.ORG") == number
    assert parse_helpdesk_message_id(root, "example.net") is None
    mail = received(build_email(notification(ticket=number), OutgoingConfig(
        SERVICE_ADDRESS, DOMAIN)))
    assert parse_helpdesk_message_id(mail["Message-ID"], DOMAIN) == number
    assert parse_helpdesk_message_id(mail["In-Reply-To"], DOMAIN) == number
    assert mail["References"].strip() == root  # a long one is folded onto its own line


@pytest.mark.parametrize("number", ["HD-000042", "2026-17", "T#9", "工单 7"])
def test_the_ticket_header_names_the_ticket(config, number):
    mail = received(build_email(notification(ticket=number), config))
    assert mail["X-Helpdesk-Ticket"] == number


def test_line_breaks_in_a_subject_never_break_the_headers(config):
    mail = received(build_email(notification(subject="[HD-000042] Printer\r\n jam\nagain"),
                                config))
    assert mail["Subject"] == "[HD-000042] Printer jam again"


# Local parts shaped like ours, with any escapes (lower-case hex, escaped letters,
# bytes that are not UTF-8) and any tail, plus arbitrary text.
near_misses = st.one_of(
    st.builds("hd.{}{}".format,
              st.from_regex(r"(?:[A-Za-z0-9.-]|_[0-9A-Fa-f]{2}|_)+", fullmatch=True),
              st.sampled_from(["", ".7.0a1b", ".12.XYZ", ".7", ".1.2.3"])),
    st.text(max_size=40),
)


@settings(database=None)
@given(near_misses)
def test_any_message_id_the_parser_accepts_is_one_we_would_write(local_part):
    number = parse_helpdesk_message_id(f"<{local_part}@{DOMAIN}>", DOMAIN)
    if number is not None:
        token = local_part.split(".")[1]
        assert thread_root_id(number, DOMAIN) == f"<hd.{token}@{DOMAIN}>"


@pytest.mark.parametrize("message_id", [
    "<CAF=abc123@mail.example.net>",
    "<hd.HD-000042@example.net>",
    "<hd.@example.org>",
    "<hd.HD_2D000042@example.org>",  # "-" written as an escape: not our spelling
    "<hd.HD-000042.7@example.org>",
    "<hd.T_FF@example.org>",  # not UTF-8
    "<hdn.7.0123abcd@example.org>",
    "",
])
def test_other_message_ids_name_no_ticket(message_id):
    assert parse_helpdesk_message_id(message_id, DOMAIN) is None


def test_ticket_numbers_are_made_safe_but_stay_readable():
    assert thread_root_id("HD-000042", DOMAIN) == "<hd.HD-000042@example.org>"
    assert thread_root_id("T#9", DOMAIN) == "<hd.T_239@example.org>"
    assert thread_root_id("2026.17", DOMAIN) == "<hd.2026_2E17@example.org>"
    with pytest.raises(ValueError):
        thread_root_id("", DOMAIN)
