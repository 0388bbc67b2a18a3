"""The requester's ticket page: what it shows, and replying, resolving and reopening."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from webtest import Upload

from pyramid_helpdesk.attachments.store import Upload as StoredUpload
from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back
from pyramid_helpdesk.tickets.models import EventKind, Message, TicketStatus

S = TicketStatus


def stored(name: str, data: bytes, content_type: str = "text/plain") -> StoredUpload:
    return StoredUpload(name, content_type, io.BytesIO(data))


@pytest.fixture
def ticket(helpdesk, staff):
    """A ticket with a log file, held by the network group and its agent."""
    ticket = helpdesk.ticket(staff.user, subject="Wi-Fi drops in room 12",
                             description="Every ten minutes.", channel="web",
                             attachments=[stored("wifi.log", b"disconnect 10:02\n")])
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network,
                              person=staff.agent)
    return ticket


def page_of(helpdesk, ticket, status: int = 200):
    return helpdesk.app.get(f"/tickets/{ticket.number}", status=status)


def reply_form(page, body: str = "", files=()):
    form = page.forms["reply-form"]
    form["body"] = body
    if files:
        form["attachment"] = list(files)
    return form


def messages(helpdesk, ticket) -> list[str]:
    return list(helpdesk.dbsession.scalars(
        select(Message.body).where(Message.ticket_id == ticket.id).order_by(Message.id)))


# -- what the page shows ------------------------------------------------------------------


def test_the_requester_sees_status_group_and_the_conversation_with_its_files(
        helpdesk, staff, ticket):
    helpdesk.tickets.reply(ticket, author=staff.agent, body="Which access point?",
                           attachments=[stored("ap-list.txt", b"AP-1\nAP-2\n")])
    helpdesk.login("user@example.org")

    page = page_of(helpdesk, ticket)

    facts = page.html.select_one("dl.facts").get_text(" ", strip=True)
    assert "Status open" in facts
    assert "Handled by Network" in facts
    assert staff.agent.display_name not in page.text, "staff names are hidden by default"
    articles = page.html.select("section.conversation article")
    assert [a.select_one("header strong").get_text() for a in articles] == [
        staff.user.display_name, "Helpdesk"]
    assert "Which access point?" in articles[1].get_text()
    links = [(a["download"], a["href"]) for a in page.html.select("article ul.files a")]
    assert [name for name, _ in links] == ["wifi.log", "ap-list.txt"]
    assert all(href.startswith("/attachments/") for _, href in links)
    assert page.html.select_one("#reply-form input[name=expected_version]")["value"] == \
        str(ticket.version)


def test_an_institute_that_shows_staff_names_shows_the_handler(
        helpdesk_database_url, helpdesk_engine, tmp_path):
    settings = make_test_settings(helpdesk_database_url, str(tmp_path), **{
        "helpdesk.plugins": "web", "helpdesk.portal.show_staff_names": "true"})
    with rolled_back(build_app(settings, helpdesk_engine), helpdesk_engine) as desk:
        user = desk.person("user@example.org")
        agent = desk.person("agent@example.org", "agent", name="Agent Example")
        network = desk.group("Network", agent)
        desk.group("First line", first_line=True)
        ticket = desk.ticket(user)
        desk.tickets.dispatch(ticket, actor=agent, group=network, person=agent)
        desk.tickets.reply(ticket, author=agent, body="On my way.")
        desk.login("user@example.org")

        page = page_of(desk, ticket)

        facts = page.html.select_one("dl.facts").get_text(" ", strip=True)
        assert "Handled by Network / Agent Example" in facts
        authors = [s.get_text() for s in page.html.select("article header strong")]
        assert authors[-1] == "Agent Example"


def test_staff_see_internal_notes_with_their_files_and_the_flow_requesters_do_not(
        helpdesk, staff, ticket):
    helpdesk.tickets.note(ticket, author=staff.agent, body="Controller firmware is old",
                          attachments=[stored("firmware.txt", b"v1.2")])
    helpdesk.login("agent@example.org")
    staff_page = page_of(helpdesk, ticket)
    assert "Controller firmware is old" in staff_page.text
    assert "firmware.txt" in staff_page.text
    assert staff_page.html.select_one("section.flow") is not None
    assert staff.agent.display_name in staff_page.text
    helpdesk.logout()

    helpdesk.login("user@example.org")
    page = page_of(helpdesk, ticket)
    assert "Controller firmware" not in page.text
    assert "firmware.txt" not in page.text
    assert page.html.select_one("section.flow") is None


def test_the_page_speaks_chinese_to_a_chinese_reader(helpdesk, staff, ticket):
    staff.user.locale = "zh_CN"
    helpdesk.dbsession.flush()
    helpdesk.login("user@example.org")

    page = page_of(helpdesk, ticket)

    assert page.html.select_one("#reply-heading").get_text() == "回复"
    assert page.html.select_one("#resolve-form button").get_text() == "标记为已解决"
    assert "处理方" in page.html.select_one("dl.facts").get_text()


# -- attachments ------------------------------------------------------------------------


def download_link(page, name: str) -> str:
    return page.html.find("a", download=name)["href"]


def test_an_attachment_downloads_as_a_file_never_as_a_page(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, attachments=[
        stored("report.html", b"<script>alert(1)</script>", "text/html"),
        stored("数据.txt", b"line\n", "text/plain")])
    helpdesk.login("user@example.org")
    page = page_of(helpdesk, ticket)

    html = helpdesk.app.get(download_link(page, "report.html"), status=200)
    assert html.body == b"<script>alert(1)</script>"
    assert html.content_type == "application/octet-stream"
    assert html.headers["Content-Disposition"].startswith('attachment; filename="report.html"')
    assert html.headers["X-Content-Type-Options"] == "nosniff"

    text = helpdesk.app.get(download_link(page, "数据.txt"), status=200)
    assert text.content_type == "text/plain"
    assert "filename*=UTF-8''%E6%95%B0%E6%8D%AE.txt" in text.headers["Content-Disposition"]


def test_a_removed_attachment_is_gone(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, channel="web", attachments=[stored("old.txt", b"x")])
    helpdesk.login("user@example.org")
    link = download_link(page_of(helpdesk, ticket), "old.txt")
    (attachment,) = helpdesk.tickets.attachments(ticket)
    helpdesk.tickets.edit(ticket, actor=staff.user, remove_attachments=[attachment.id])
    helpdesk.dbsession.flush()

    helpdesk.app.get(link, status=404)
    assert "old.txt" not in page_of(helpdesk, ticket).html.select_one("section.conversation").text


def test_the_file_of_an_internal_note_is_not_for_the_requester(helpdesk, staff, ticket):
    note = helpdesk.tickets.note(ticket, author=staff.agent, body="see file",
                                 attachments=[stored("secret.txt", b"admin password")])
    helpdesk.dbsession.flush()
    (attachment,) = [a for a in helpdesk.tickets.attachments(ticket) if a.message_id == note.id]
    url = f"/attachments/{attachment.id}/secret.txt"
    helpdesk.login("agent@example.org")
    assert helpdesk.app.get(url, status=200).body == b"admin password"
    helpdesk.logout()

    helpdesk.login("user@example.org")
    helpdesk.app.get(url, status=404)


def test_a_download_url_with_the_wrong_name_is_not_found(helpdesk, staff, ticket):
    helpdesk.login("user@example.org")
    link = download_link(page_of(helpdesk, ticket), "wifi.log")
    helpdesk.app.get(link.replace("wifi.log", "other.log"), status=404)


# -- replying ---------------------------------------------------------------------------


def test_the_requester_replies_with_several_files(helpdesk, staff, ticket):
    helpdesk.tickets.set_pending(ticket, actor=staff.agent)
    helpdesk.login("user@example.org")
    form = reply_form(page_of(helpdesk, ticket), "Room 12, near the window.", [
        Upload("photo.jpg", b"\xff\xd8 jpeg", "image/jpeg"),
        Upload("scan.txt", b"ssid list", "text/plain")])

    response = form.submit(status=303)

    newest = helpdesk.dbsession.scalar(select(func.max(Message.id)))
    assert response.headers["Location"].endswith(f"/tickets/{ticket.number}#message-{newest}")
    page = response.follow()
    assert page.html.select_one("p.flash").get_text(strip=True) == "Your reply was sent."
    last = page.html.select("section.conversation article")[-1]
    assert "Room 12, near the window." in last.get_text()
    assert [a.get_text() for a in last.select("ul.files a")] == [
        "photo.jpg (7 bytes)", "scan.txt (9 bytes)"]
    helpdesk.refresh(ticket)
    assert ticket.status is S.open, "a requester's reply takes a pending ticket back to open"
    assert helpdesk.app.get(download_link(page, "scan.txt")).body == b"ssid list"


def test_an_empty_reply_is_refused_and_marked(helpdesk, staff, ticket):
    helpdesk.login("user@example.org")
    before = messages(helpdesk, ticket)

    page = reply_form(page_of(helpdesk, ticket), "   ").submit(status=400)

    assert page.html.select_one("#reply-body")["aria-invalid"] == "true"
    assert page.html.select_one("#reply-body-error").get_text(strip=True) == \
        "Please write a message or attach a file."
    assert messages(helpdesk, ticket) == before


def test_a_reply_to_a_ticket_that_changed_meanwhile_keeps_the_text(helpdesk, staff, ticket):
    helpdesk.login("user@example.org")
    form = reply_form(page_of(helpdesk, ticket), "It happens on floor 2 as well.")
    helpdesk.tickets.reply(ticket, author=staff.agent, body="Fixed the controller.")
    helpdesk.dbsession.flush()

    page = form.submit(status=409)

    assert "This ticket changed since you opened it." in \
        page.html.select_one("#reply-form p.error").get_text()
    assert page.html.select_one("#reply-body").get_text() == "It happens on floor 2 as well."
    assert "Fixed the controller." in page.text, "the page shows what changed"
    assert "It happens on floor 2 as well." not in messages(helpdesk, ticket)

    page.forms["reply-form"].submit(status=303)
    assert messages(helpdesk, ticket)[-1] == "It happens on floor 2 as well."


def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(
        helpdesk_database_url, helpdesk_engine, tmp_path):
    settings = make_test_settings(helpdesk_database_url, str(tmp_path), **{
        "helpdesk.plugins": "web", "helpdesk.attachments.max_size": "1KB"})
    with rolled_back(build_app(settings, helpdesk_engine), helpdesk_engine) as desk:
        user = desk.person("user@example.org")
        desk.group("First line", first_line=True)
        ticket = desk.ticket(user, description="Screen flickers.")
        desk.login("user@example.org")
        form = reply_form(page_of(desk, ticket), "Here is the log.", [
            Upload("small.txt", b"ok", "text/plain"), Upload("huge.log", b"x" * 2048)])

        page = form.submit(status=400)

        assert page.html.select_one("#reply-attachment")["aria-invalid"] == "true"
        assert "“huge.log” is larger than 1 KB" in page.html.select_one(
            "#reply-attachment-error").get_text()
        assert page.html.select_one("#reply-body").get_text() == "Here is the log."
        assert messages(desk, ticket) == ["Screen flickers."]
        assert "small.txt" not in page.text


def test_more_files_than_allowed_are_refused_with_the_text_kept(helpdesk, staff, ticket):
    helpdesk.login("user@example.org")
    limit = helpdesk.settings.attachments_max_count
    files = [Upload(f"part{n}.txt", b"x", "text/plain") for n in range(limit + 1)]

    page = reply_form(page_of(helpdesk, ticket), "All the logs.", files).submit(status=400)

    assert page.html.select_one("#reply-attachment-error").get_text(strip=True) == \
        f"At most {limit} files at a time."
    assert page.html.select_one("#reply-body").get_text() == "All the logs."
    assert "All the logs." not in messages(helpdesk, ticket)


def test_a_reply_refuses_file_types_the_institute_does_not_accept(helpdesk, staff, ticket):
    helpdesk.login("user@example.org")
    files = [Upload("setup.exe", b"MZ", "application/x-msdownload")]

    page = reply_form(page_of(helpdesk, ticket), "Try this installer.", files).submit(status=400)

    assert page.html.select_one("#reply-attachment-error").get_text(strip=True) == \
        "“setup.exe” cannot be attached: files of this type are not accepted."
    assert "Try this installer." not in messages(helpdesk, ticket)


def test_a_closed_ticket_has_no_reply_form(helpdesk, staff, ticket):
    helpdesk.tickets.resolve(ticket, actor=staff.agent)
    helpdesk.tickets.close(ticket, actor=staff.agent)
    helpdesk.login("user@example.org")

    page = page_of(helpdesk, ticket)

    assert "reply-form" not in page.forms
    assert "This ticket is closed." in page.text
    token = helpdesk.csrf_token(f"/tickets/{ticket.number}")
    refused = helpdesk.app.post(f"/tickets/{ticket.number}/reply",
                                {"body": "One more thing", "csrf_token": token}, status=409)
    assert "This ticket is closed and takes no more replies." in refused.text
    assert refused.html.select_one("#reply-body").get_text() == "One more thing"


# -- resolving and reopening ------------------------------------------------------------------


def test_the_requester_marks_the_ticket_resolved_then_reopens_it(helpdesk, staff, ticket):
    helpdesk.login("user@example.org")

    resolved = page_of(helpdesk, ticket).forms["resolve-form"].submit(status=303).follow()

    helpdesk.refresh(ticket)
    assert ticket.status is S.resolved
    event = helpdesk.tickets.events(ticket)[-1]
    assert (event.kind, event.actor_id) == (EventKind.resolved, staff.user.id)
    assert resolved.html.select_one("span.status").get_text() == "resolved"
    assert "resolve-form" not in resolved.forms

    reopened = resolved.forms["reopen-form"].submit(status=303).follow()

    helpdesk.refresh(ticket)
    assert ticket.status is S.open
    assert helpdesk.tickets.events(ticket)[-1].kind is EventKind.reopened
    assert "reopen-form" not in reopened.forms


def test_resolving_a_ticket_that_changed_meanwhile_is_refused_with_a_reason(
        helpdesk, staff, ticket):
    helpdesk.login("user@example.org")
    form = page_of(helpdesk, ticket).forms["resolve-form"]
    helpdesk.tickets.reply(ticket, author=staff.agent, body="Please try again now.")
    helpdesk.dbsession.flush()

    page = form.submit(status=409)

    assert "This ticket changed since you opened it." in page.html.select_one(
        "main > p.error").get_text()
    assert "Please try again now." in page.text
    helpdesk.refresh(ticket)
    assert ticket.status is S.open


def test_a_cc_reads_and_replies_but_does_not_resolve(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, cc=["other-user@example.org"])
    helpdesk.login("other-user@example.org")

    page = page_of(helpdesk, ticket)

    assert "reply-form" in page.forms
    assert "resolve-form" not in page.forms


# -- editing ----------------------------------------------------------------------------


def test_the_edit_link_shows_until_staff_answer(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, channel="web")
    helpdesk.login("user@example.org")
    link = page_of(helpdesk, ticket).html.find("a", string="Edit")
    assert link["href"] == f"/tickets/{ticket.number}/edit"

    helpdesk.tickets.reply(ticket, author=staff.firstline, body="On it.")
    helpdesk.dbsession.flush()
    assert page_of(helpdesk, ticket).html.find("a", string="Edit") is None


def test_an_edited_description_is_marked_and_its_history_shown_to_requester_and_staff(
        helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, subject="Printer jam", description="Tray 1",
                             channel="web")
    helpdesk.tickets.edit(ticket, actor=staff.user, subject="Printer jam on floor 2",
                          description="Tray 2")
    helpdesk.dbsession.flush()

    for email in ("user@example.org", "firstline@example.org"):
        helpdesk.login(email)
        page = page_of(helpdesk, ticket)
        first = page.html.select("section.conversation article")[0]
        assert first.select_one("a.edited")["href"] == "#edit-history"
        assert "Tray 2" in first.select_one("div.body").get_text()
        history = page.html.select_one("#edit-history")
        subject = history.select_one("li.change-subject")
        assert (subject.select_one("del").get_text(), subject.select_one("ins").get_text()) == \
            ("Printer jam", "Printer jam on floor 2")
        assert history.select_one("li.change-description details").get_text(
            " ", strip=True).endswith("Tray 1")
        helpdesk.logout()


def test_an_unedited_ticket_has_no_marker(helpdesk, staff, ticket):
    helpdesk.login("user@example.org")
    page = page_of(helpdesk, ticket)
    assert page.html.select_one("a.edited") is None
    assert page.html.select_one("#edit-history") is None
