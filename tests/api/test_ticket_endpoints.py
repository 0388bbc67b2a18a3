"""Every ticket endpoint through HTTP, with the web UI's permissions: a requester,
first line, a second-line agent of another group, and the responses checked
against the OpenAPI document (the app validates them)."""
from __future__ import annotations

from pyramid_helpdesk.tickets.models import EventKind, Ticket, TicketEvent


def _ticket(helpdesk, requester, subject="Printer jam", **kw) -> Ticket:
    return helpdesk.ticket(requester, subject=subject, **kw)


def test_the_list_pages_newest_first_with_a_cursor(helpdesk, session_api, staff):
    numbers = [_ticket(helpdesk, staff.user, subject=f"Issue {i}").number for i in range(5)]
    _ticket(helpdesk, staff.other_user, subject="Not mine")
    session_api("user@example.org")
    first = helpdesk.app.get("/api/v1/tickets", {"limit": 2}).json
    assert [t["number"] for t in first["items"]] == numbers[::-1][:2]
    second = helpdesk.app.get("/api/v1/tickets", {"limit": 2, "cursor": first["next_cursor"]}).json
    assert [t["number"] for t in second["items"]] == numbers[::-1][2:4]
    last = helpdesk.app.get("/api/v1/tickets", {"limit": 2, "cursor": second["next_cursor"]}).json
    assert [t["number"] for t in last["items"]] == numbers[:1]
    assert last["next_cursor"] is None


def test_the_list_shows_tickets_one_is_copied_on(helpdesk, session_api, staff):
    copied = _ticket(helpdesk, staff.other_user, subject="Shared", cc=["user@example.org"])
    session_api("user@example.org")
    items = helpdesk.app.get("/api/v1/tickets").json["items"]
    assert [t["number"] for t in items] == [copied.number]


def test_staff_lists_follow_their_scope_and_filters(helpdesk, session_api, staff):
    mine = _ticket(helpdesk, staff.user, subject="Network down", category="network")
    helpdesk.tickets.dispatch(mine, actor=staff.firstline, group=staff.network)
    other = _ticket(helpdesk, staff.user, subject="Laptop")
    helpdesk.tickets.dispatch(other, actor=staff.firstline, group=staff.computing)
    waiting = _ticket(helpdesk, staff.other_user, subject="Undispatched")
    helpdesk.dbsession.flush()
    session_api("agent@example.org")
    seen = [t["number"] for t in helpdesk.app.get("/api/v1/tickets").json["items"]]
    assert seen == [mine.number]
    helpdesk.logout()
    session_api("firstline@example.org")
    everything = [t["number"] for t in helpdesk.app.get("/api/v1/tickets").json["items"]]
    assert everything == [waiting.number, other.number, mine.number]
    new = helpdesk.app.get("/api/v1/tickets", {"status": "new"}).json["items"]
    assert [t["number"] for t in new] == [waiting.number]
    in_group = helpdesk.app.get("/api/v1/tickets", {"group": staff.computing.id}).json["items"]
    assert [t["number"] for t in in_group] == [other.number]
    by_requester = helpdesk.app.get("/api/v1/tickets",
                                    {"requester": "other-user@example.org"}).json["items"]
    assert [t["number"] for t in by_requester] == [waiting.number]


def test_a_bad_cursor_or_filter_is_a_400_problem(helpdesk, session_api, staff):
    session_api("user@example.org")
    assert helpdesk.app.get("/api/v1/tickets", {"cursor": "abc"}, status=400).json["status"] == 400
    assert helpdesk.app.get("/api/v1/tickets", {"limit": 1000}, status=400).json["errors"]
    helpdesk.app.get("/api/v1/tickets", {"requester": "x@example.org"}, status=403)


def test_reply_and_note_and_who_reads_them(helpdesk, session_api, staff):
    ticket = _ticket(helpdesk, staff.user)
    headers = session_api("firstline@example.org")
    path = f"/api/v1/tickets/{ticket.number}/messages"
    reply = helpdesk.app.post_json(path, {"body": "Please restart it."}, headers=headers,
                                   status=201).json
    assert reply["kind"] == "public"
    note = helpdesk.app.post_json(path, {"body": "Known issue on floor 3.", "internal": True},
                                  headers=headers, status=201).json
    assert note["kind"] == "internal"
    assert [m["body"] for m in helpdesk.app.get(path).json["items"]][-2:] == [
        "Please restart it.", "Known issue on floor 3."]
    helpdesk.logout()
    headers = session_api("user@example.org")
    bodies = [m["body"] for m in helpdesk.app.get(path).json["items"]]
    assert "Please restart it." in bodies and "Known issue on floor 3." not in bodies
    helpdesk.app.post_json(path, {"body": "Secret", "internal": True}, headers=headers,
                           status=403)
    helpdesk.app.post_json(path, {"body": "It works now, thanks."}, headers=headers, status=201)


def test_a_stale_version_is_a_409_and_changes_nothing(helpdesk, session_api, staff):
    ticket = _ticket(helpdesk, staff.user)
    headers = session_api("firstline@example.org")
    response = helpdesk.app.post_json(f"/api/v1/tickets/{ticket.number}/messages",
                                      {"body": "Late", "version": ticket.version + 5},
                                      headers=headers, status=409)
    assert response.content_type == "application/problem+json"
    assert "changed since" in response.json["detail"]
    messages = helpdesk.app.get(f"/api/v1/tickets/{ticket.number}/messages").json["items"]
    assert "Late" not in [m["body"] for m in messages]


def test_transitions_follow_the_web_ui_rules(helpdesk, session_api, staff):
    ticket = _ticket(helpdesk, staff.user)
    path = f"/api/v1/tickets/{ticket.number}/transitions"
    headers = session_api("user@example.org")
    helpdesk.app.post_json(path, {"operation": "take"}, headers=headers, status=403)
    resolved = helpdesk.app.post_json(path, {"operation": "resolve"}, headers=headers).json
    assert resolved["status"] == "resolved"
    assert helpdesk.app.post_json(path, {"operation": "reopen"}, headers=headers).json[
        "status"] == "open"
    helpdesk.logout()
    headers = session_api("firstline@example.org")
    taken = helpdesk.app.post_json(path, {"operation": "take"}, headers=headers).json
    assert taken["holder"]["person"]["email"] == "firstline@example.org"
    assert helpdesk.app.post_json(path, {"operation": "pending"}, headers=headers).json[
        "status"] == "pending"
    refused = helpdesk.app.post_json(path, {"operation": "close"}, headers=headers, status=409)
    assert "cannot close" in refused.json["detail"]
    helpdesk.app.post_json(path, {"operation": "explode"}, headers=headers, status=400)


def test_dispatch_to_a_group_member_then_forward_outside(helpdesk, session_api, staff):
    ticket = _ticket(helpdesk, staff.user)
    path = f"/api/v1/tickets/{ticket.number}/dispatch"
    headers = session_api("firstline@example.org")
    moved = helpdesk.app.post_json(path, {"group": staff.network.id, "person": staff.agent.id,
                                          "note": "Switch on floor 3"}, headers=headers).json
    assert moved["holder"] == {"group": {"id": staff.network.id, "name": "Network"},
                               "person": {"id": staff.agent.id, "name": staff.agent.name,
                                          "email": "agent@example.org"}}
    kinds = [e.kind for e in helpdesk.dbsession.query(TicketEvent).filter_by(ticket_id=ticket.id)]
    assert EventKind.dispatched in kinds
    wrong = helpdesk.app.post_json(path, {"group": staff.network.id,
                                          "person": staff.other_agent.id},
                                   headers=headers, status=422)
    assert "not a member" in wrong.json["detail"]
    helpdesk.app.post_json(path, {"group": 999999}, headers=headers, status=422)
    outside = helpdesk.app.post_json(path, {"address": "vendor@example.net", "valid_days": 3},
                                     headers=headers).json
    assert outside["number"] == ticket.number
    history = helpdesk.app.get(f"/api/v1/tickets/{ticket.number}/events").json["items"]
    assert history[-1]["kind"] == "forwarded"
    assert history[-1]["to_address"] == "vendor@example.net"


def test_an_agent_of_another_group_cannot_touch_the_ticket(helpdesk, session_api, staff):
    ticket = _ticket(helpdesk, staff.user)
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.dbsession.flush()
    headers = session_api("other-agent@example.org")
    helpdesk.app.get(f"/api/v1/tickets/{ticket.number}", status=404)
    helpdesk.app.post_json(f"/api/v1/tickets/{ticket.number}/dispatch",
                           {"group": staff.computing.id}, headers=headers, status=404)
    helpdesk.app.get(f"/api/v1/tickets/{ticket.number}/events", status=404)


def test_priority_and_category_change(helpdesk, session_api, staff):
    ticket = _ticket(helpdesk, staff.user)
    headers = session_api("firstline@example.org")
    path = f"/api/v1/tickets/{ticket.number}"
    changed = helpdesk.app.patch_json(path, {"priority": "urgent", "category": "network"},
                                      headers=headers).json
    assert (changed["priority"], changed["category"]) == ("urgent", "network")
    cleared = helpdesk.app.patch_json(path, {"category": None}, headers=headers).json
    assert cleared["category"] is None
    helpdesk.app.patch_json(path, {"category": "gardening"}, headers=headers, status=422)
    helpdesk.logout()
    headers = session_api("user@example.org")
    helpdesk.app.patch_json(path, {"priority": "low"}, headers=headers, status=403)


def test_files_upload_list_and_download(helpdesk, session_api, staff):
    ticket = _ticket(helpdesk, staff.user)
    headers = session_api("user@example.org")
    path = f"/api/v1/tickets/{ticket.number}/attachments"
    message = helpdesk.app.post(path, {"body": "The error screen"}, headers=headers,
                                upload_files=[("file", "错误.png", b"\x89PNG fake bytes")],
                                status=201).json
    assert message["body"] == "The error screen"
    assert [a["filename"] for a in message["attachments"]] == ["错误.png"]
    listed = helpdesk.app.get(path).json["items"]
    assert [a["filename"] for a in listed] == ["错误.png"]
    download = helpdesk.app.get(f"/api/v1/attachments/{listed[0]['id']}")
    assert download.body == b"\x89PNG fake bytes"
    assert "attachment;" in download.headers["Content-Disposition"]
    helpdesk.logout()
    session_api("other-user@example.org")
    helpdesk.app.get(f"/api/v1/attachments/{listed[0]['id']}", status=404)


def test_files_of_internal_notes_stay_with_staff(helpdesk, session_api, staff):
    ticket = _ticket(helpdesk, staff.user)
    headers = session_api("firstline@example.org")
    note = helpdesk.app.post(f"/api/v1/tickets/{ticket.number}/attachments",
                             {"internal": "true"}, headers=headers,
                             upload_files=[("file", "log.txt", b"internal log")],
                             status=201).json
    assert note["kind"] == "internal" and note["body"] == "log.txt"
    file_id = note["attachments"][0]["id"]
    helpdesk.logout()
    session_api("user@example.org")
    assert helpdesk.app.get(f"/api/v1/tickets/{ticket.number}/attachments").json["items"] == []
    helpdesk.app.get(f"/api/v1/attachments/{file_id}", status=404)


def test_people_groups_and_duty_are_for_staff(helpdesk, session_api, staff):
    session_api("user@example.org")
    for path in ("/api/v1/people?q=agent", "/api/v1/groups", "/api/v1/duty/now"):
        helpdesk.app.get(path, status=403)
    helpdesk.logout()
    session_api("firstline@example.org")
    found = helpdesk.app.get("/api/v1/people", {"q": "agent@"}).json["items"]
    assert [p["email"] for p in found] == ["agent@example.org"]
    groups = helpdesk.app.get("/api/v1/groups").json["items"]
    assert [g["name"] for g in groups] == ["Computing", "First line", "Network"]
    assert [g["first_line"] for g in groups] == [False, True, False]
    assert [m["email"] for m in groups[2]["members"]] == ["agent@example.org"]
    duty = helpdesk.app.get("/api/v1/duty/now").json
    assert duty == {"person": None, "extension": None, "since": None, "until": None}
