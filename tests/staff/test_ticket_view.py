"""The staff view of a ticket: the whole conversation, the requester, the history,
outside access, and who may open it. It reads in a fixed number of statements."""
import io
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from pyramid_helpdesk.attachments.models import Attachment
from pyramid_helpdesk.attachments.store import Upload
from pyramid_helpdesk.testing import counted_statements

from .conftest import minutes_ago, service_at


def upload(name="log.txt", content=b"error 42\n", kind="text/plain") -> Upload:
    return Upload(name, kind, io.BytesIO(content))


def section(page, section_id: str) -> str:
    """The HTML of the ``<section id=...>`` (or element) with this id."""
    match = re.search(rf'<(\w+)[^>]* id="{section_id}".*?</\1>', page.text, re.S)
    assert match, f"no #{section_id}"
    return match.group(0)


def text_of(html: str) -> str:
    return " ".join(re.sub("<[^>]+>", " ", html).split())


@pytest.fixture
def worked(helpdesk, staff, make_ticket):
    """A ticket with a public conversation, quoted history, an internal note with a
    file, a CC, a priority and category change, a dispatch and an outside address."""
    staff.user.department = "Physics"
    staff.user.phone = "+86 10 5550 0100"
    staff.user.locale = "zh_CN"
    staff.user.undeliverable_since = datetime(2026, 3, 1, 8, tzinfo=timezone.utc)
    ticket = make_ticket("VPN drops", minutes=200, cc=["colleague@example.net"],
                         description="The VPN drops every hour.", category="network",
                         attachments=[upload("vpn.log")])
    at = lambda minutes: service_at(helpdesk, minutes_ago(200 - minutes))  # noqa: E731
    at(10).dispatch(ticket, actor=staff.firstline, group=staff.network, person=staff.agent)
    at(20).reply(ticket, author=staff.agent, body="Which client version?")
    at(30).reply(ticket, author=staff.user,
                 body="Version 5.\n\nOn Monday, Agent wrote:\n> Which client version?")
    at(40).note(ticket, author=staff.agent, body="Known bug in 5.0.",
                attachments=[upload("bug.txt")])
    at(50).change(ticket, actor=staff.firstline, priority="high", category="software")
    at(60).forward(ticket, actor=staff.agent, address="vendor@example.net", note="Please look")
    at(70).nudge(ticket, actor=staff.firstline)
    helpdesk.dbsession.flush()
    return ticket


def test_staff_read_the_whole_ticket(helpdesk, staff, worked):
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get(f"/staff/tickets/{worked.number}")

    articles = re.findall(
        r'<article id="message-\d+" class="message message-(\w+)">(.*?)</article>',
        page.text, re.S)
    assert [kind for kind, _html in articles] == ["public", "public", "public", "internal"]
    assert "internal note" in articles[3][1] and "Known bug in 5.0." in articles[3][1]
    assert "internal note" not in articles[2][1]
    # The quoted history is folded away under the new text.
    assert re.search(r"Version 5\.\s*</div>\s*<details class=\"quoted\">", articles[2][1])
    # Files, the note's included, link to their download.
    for html, name in ((articles[0][1], "vpn.log"), (articles[3][1], "bug.txt")):
        assert re.search(rf'href="/attachments/\d+/{name}" download="{name}"', html)

    facts = text_of(re.search(r'<dl class="facts">.*?</dl>', page.text, re.S).group(0))
    for expected in ("Status open", "Priority high", "Category Software",
                     "Channel Created by staff", "Held by Network / Agent", "Nudges 1",
                     "CC colleague@example.net"):
        assert expected in facts, expected
    assert re.search(r"Held since \d{4}-\d\d-\d\d \d\d:\d\d \(3 h 10 min\)", facts)
    assert re.search(r"Created \d{4}-\d\d-\d\d \d\d:\d\d \(3 h 20 min\)", facts)
    settings = helpdesk.settings
    due = worked.due_at  # stored by the service-level clock
    assert f"Due {due.astimezone(settings.timezone):%Y-%m-%d %H:%M}" in facts

    requester = text_of(page.text.split('class="requester card">')[1].split("</section>")[0])
    for expected in ("Name User", "user@example.org", "mail bounces since 2026-03-01",
                     "Department Physics", "Phone +86 10 5550 0100", "Language 中文"):
        assert expected in requester, expected

    history = text_of(section(page, "history"))
    assert "created → First line" in history
    assert "dispatched by Firstline → Network / Agent (new → open)" in history
    assert "changed by Firstline Priority: normal → high Category: Network → Software" in history
    assert "forwarded by Agent → vendor@example.net Please look" in history
    assert "nudged by Firstline" in history

    outside = section(page, "outside-access")
    assert "vendor@example.net" in outside and "valid until" in outside
    assert re.search(rf'action="/staff/tickets/{worked.number}/access/\d+/revoke"', outside)
    assert f'href="/staff/tickets/{worked.number}/flow"' in page.text
    assert f'href="/staff/tickets/{worked.number}/dispatch"' in page.text


def downloads(html: str) -> list[str]:
    """The names of the files an HTML part offers for download, in order."""
    return re.findall(r'download="([^"]+)"', html)


def test_each_message_shows_its_own_files_and_a_file_of_no_message_shows_apart(
        helpdesk, staff, make_ticket):
    ticket = make_ticket("Scanner", minutes=60, description="The scanner jams.",
                         attachments=[upload("scan.pdf"), upload("old.txt")])
    old = helpdesk.dbsession.scalars(
        select(Attachment).where(Attachment.ticket_id == ticket.id,
                                 Attachment.filename == "old.txt")).one()
    # The requester takes one file back while the ticket may still be edited.
    helpdesk.tickets.edit(ticket, actor=staff.user, remove_attachments=[old.id])
    helpdesk.tickets.reply(ticket, author=staff.user, body="Two photos.",
                           attachments=[upload("front.jpg"), upload("back.jpg")])
    helpdesk.tickets.reply(ticket, author=staff.agent, body="Thanks.")
    helpdesk.dbsession.add(Attachment(ticket_id=ticket.id, filename="orphan.txt",
                                      content_type="text/plain", size=9, sha256="0" * 64))
    helpdesk.dbsession.flush()
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get(f"/staff/tickets/{ticket.number}")

    articles = re.findall(r'<article id="message-\d+" class="message message-public">'
                          r'(.*?)</article>', page.text, re.S)
    assert [downloads(html) for html in articles] == [["scan.pdf"], ["front.jpg", "back.jpg"], []]
    assert ['class="badge edited"' in html for html in articles] == [True, False, False]
    assert "Two photos." in articles[1] and "Thanks." in articles[2]
    loose = page.text.split('id="files-heading"')[1].split("</section>")[0]
    assert downloads(loose) == ["orphan.txt"]
    assert 'download="old.txt"' not in page.text


def test_a_refused_action_shows_the_outside_access_again(helpdesk, staff, worked):
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get(f"/staff/tickets/{worked.number}")
    refused = page.forms["reply-form"].submit(status=400)  # an empty reply
    assert "vendor@example.net" in section(refused, "outside-access")


def test_the_requester_s_ten_newest_other_tickets_are_linked(helpdesk, staff, make_ticket):
    older = [make_ticket(f"Earlier {index}", minutes=100 - index) for index in range(12)]
    make_ticket("Someone else's", requester=staff.other_user)
    ticket = make_ticket("Today", minutes=1)
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get(f"/staff/tickets/{ticket.number}")
    others = re.findall(r'<li><a href="/staff/tickets/([^"]+)">', page.text)
    assert others == [t.number for t in reversed(older)][:10]


def test_a_merged_duplicate_shows_where_it_went(helpdesk, staff, make_ticket):
    duplicate, target = make_ticket("Printer jam again"), make_ticket("Printer jam")
    helpdesk.tickets.merge(duplicate, into=target, actor=staff.firstline)
    helpdesk.dbsession.flush()
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get(f"/staff/tickets/{duplicate.number}")
    notice = section(page, "merged-into")
    assert f'href="/staff/tickets/{target.number}"' in notice
    assert f"merged by Firstline (new → closed) into {target.number}" in text_of(
        section(page, "history"))
    target_page = helpdesk.app.get(f"/staff/tickets/{target.number}")
    assert f"from {duplicate.number}" in text_of(section(target_page, "history"))


@pytest.mark.parametrize("who, status", [
    ("firstline", 200), ("coordinator", 200), ("agent", 200),
    ("other-agent", 404), ("user", 404), ("other-user", 404)])
def test_who_may_open_the_staff_view(helpdesk, staff, make_ticket, who, status):
    ticket = make_ticket("Switch down")
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.dbsession.flush()
    helpdesk.login(f"{who}@example.org")
    helpdesk.app.get(f"/staff/tickets/{ticket.number}", status=status)


def test_an_anonymous_visitor_is_sent_to_log_in(helpdesk, staff, make_ticket):
    ticket = make_ticket("Switch down")
    answer = helpdesk.app.get(f"/staff/tickets/{ticket.number}", status=303)
    assert "/login?next=" in answer.location


def test_the_portal_page_links_staff_to_the_console(helpdesk, staff, make_ticket):
    ticket = make_ticket("Switch down")
    link = f'<a href="/staff/tickets/{ticket.number}">Open in the staff console</a>'
    helpdesk.login("firstline@example.org")
    assert link in helpdesk.app.get(f"/tickets/{ticket.number}").text
    helpdesk.login("user@example.org")
    page = helpdesk.app.get(f"/tickets/{ticket.number}")
    assert "Printer" not in page.text and "Open in the staff console" not in page.text


def test_the_page_speaks_chinese_to_staff_who_chose_it(helpdesk, staff, worked):
    staff.firstline.locale = "zh_CN"
    helpdesk.dbsession.flush()
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get(f"/staff/tickets/{worked.number}")
    for text in ("内部备注", "流转记录", "历史记录", "提交人", "其他工单", "外部访问", "优先级"):
        assert text in page.text, text
    assert "Conversation" not in page.text and "Requester" not in page.text


def _conversation(helpdesk, staff, make_ticket, messages: int):
    """A ticket with ``messages`` messages (every third an internal note, every
    fourth with a file), by several authors, with a few events."""
    ticket = make_ticket(f"{messages} messages", minutes=300, attachments=[upload()])
    tickets = helpdesk.tickets
    tickets.dispatch(ticket, actor=staff.firstline, group=staff.network, person=staff.agent)
    tickets.change(ticket, actor=staff.firstline, priority="urgent")
    tickets.forward(ticket, actor=staff.agent, address="vendor@example.net")
    for index in range(messages - 1):
        files = [upload(f"file{index}.txt")] if index % 4 == 0 else []
        if index % 3 == 2:
            tickets.note(ticket, author=staff.coordinator, body=f"Note {index}", attachments=files)
        else:
            author = (staff.user, staff.agent, staff.firstline)[index % 3]
            tickets.reply(ticket, author=author, body=f"Message {index}", attachments=files)
    helpdesk.dbsession.flush()
    return ticket


def test_the_view_runs_as_many_statements_for_20_messages_as_for_2(
        helpdesk, helpdesk_engine, staff, make_ticket):
    short = _conversation(helpdesk, staff, make_ticket, 2)
    long = _conversation(helpdesk, staff, make_ticket, 20)
    helpdesk.login("firstline@example.org")
    counts = {}
    for ticket in (short, long, short, long):  # the first of each warms the caches
        with counted_statements(helpdesk_engine) as statements:
            page = helpdesk.app.get(f"/staff/tickets/{ticket.number}")
        counts[ticket.number] = len([s for s in statements
                                     if s.lstrip().upper().startswith("SELECT")])
    assert page.text.count('<article id="message-') == 20
    assert counts[long.number] == counts[short.number]
    # The signed-in person; their groups (with the first-line flag); the ticket with
    # its requester, holders and CCs; its outside authorisations (the ACL takes the
    # valid ones, the page lists all); the events (with every name they show); the
    # messages with their authors' names and files; the requester's other tickets.
    assert counts[long.number] <= 7, counts
