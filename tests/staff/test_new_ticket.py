"""First line logs a phone call as a ticket on the caller's behalf (``/staff/new``, fig. 10)."""
import re

import pytest
from sqlalchemy import select

from pyramid_helpdesk.notifications.models import Notification
from pyramid_helpdesk.people.services import find_by_email
from pyramid_helpdesk.tickets.models import EventKind, Ticket, TicketEvent, TicketStatus

TOKEN = re.compile(r'name="token" value="([^"]+)"')


def open_form(helpdesk, path="/staff/new"):
    """The form page and the one-time token it carries."""
    page = helpdesk.app.get(path)
    return page, TOKEN.search(page.text).group(1)


def post(helpdesk, csrf, status=303, upload_files=None, **fields):
    """Send the form as a browser would, with a fresh form token unless given."""
    values = {"csrf_token": csrf, "subject": "", "description": "", "category": "",
              "priority": "normal", "channel": "staff", "cc": "", "finish": "", "group": "",
              "email": "", "name": "", "phone": "", "department": ""}
    if "token" not in fields:
        fields["token"] = open_form(helpdesk)[1]
    values.update(fields)
    return helpdesk.app.post("/staff/new", values, upload_files=upload_files, status=status)


def tickets_of(helpdesk, email):
    person = find_by_email(helpdesk.dbsession, email)
    if person is None:
        return []
    return helpdesk.dbsession.scalars(
        select(Ticket).where(Ticket.requester_id == person.id).order_by(Ticket.id)).all()


def created_event(helpdesk, ticket):
    return helpdesk.dbsession.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.created)).one()


def test_first_line_logs_a_call_for_a_known_user(helpdesk, staff):
    csrf = helpdesk.login("firstline@example.org")
    response = post(helpdesk, csrf, email="User@Example.org", subject="Cannot print",
                    description="The printer on floor 2 jams.", category="hardware",
                    priority="high", cc="colleague@example.net; boss@example.org")
    [ticket] = tickets_of(helpdesk, "user@example.org")
    assert response.location == f"http://helpdesk.example.org/staff/tickets/{ticket.number}"
    assert (ticket.subject, ticket.description, ticket.category, ticket.priority.value,
            ticket.channel) == ("Cannot print", "The printer on floor 2 jams.", "hardware",
                                "high", "staff")
    assert sorted(cc.email for cc in ticket.cc) == ["boss@example.org", "colleague@example.net"]
    event = created_event(helpdesk, ticket)
    assert event.actor_id == staff.firstline.id and event.detail["channel"] == "staff"
    acknowledged = helpdesk.dbsession.scalars(select(Notification.recipient).where(
        Notification.ticket_id == ticket.id, Notification.kind == "ticket_created")).all()
    assert {"user@example.org", "colleague@example.net", "boss@example.org"} <= set(acknowledged)
    flash = helpdesk.app.get("/staff").text
    assert f"Ticket {ticket.number} was created for User." in flash


def test_an_unknown_address_creates_the_requester_with_their_details(helpdesk, staff):
    csrf = helpdesk.login("firstline@example.org")
    post(helpdesk, csrf, email="new.caller@example.net", name="Nia  Caller",
         phone="+86 10 5550 0303", department="Library", subject="Locked out")
    person = find_by_email(helpdesk.dbsession, "new.caller@example.net")
    assert (person.name, person.phone, person.department, person.role.value) \
        == ("Nia Caller", "+86 10 5550 0303", "Library", "requester")
    [ticket] = tickets_of(helpdesk, "new.caller@example.net")
    assert ticket.subject == "Locked out"


def test_a_new_requester_needs_a_name_and_every_typed_value_is_kept(helpdesk, staff):
    csrf = helpdesk.login("firstline@example.org")
    page = post(helpdesk, csrf, status=400, email="new.caller@example.net",
                phone="+86 10 5550 0303", department="Library & Archive",
                subject="Locked <out>", description="Since this morning",
                category="accounts", priority="urgent", cc="friend@example.org")
    assert find_by_email(helpdesk.dbsession, "new.caller@example.net") is None
    assert re.search(r'id="name"[^>]*aria-invalid="true"', page.text)
    assert "This address is new: please give the person&#39;s name." in page.text \
        or "This address is new: please give the person's name." in page.text
    for kept in ('value="new.caller@example.net"', 'value="+86 10 5550 0303"',
                 'value="Library &amp; Archive"', 'value="Locked &lt;out&gt;"',
                 ">Since this morning</textarea>", 'value="friend@example.org"'):
        assert kept in page.text, kept
    for option in ("accounts", "urgent"):
        assert re.search(rf'<option value="{option}"\s+selected="selected">', page.text), option


@pytest.mark.parametrize("fields, field, message", [
    ({"subject": ""}, "subject", "Please give the ticket a subject."),
    ({"email": "not-an-address"}, "email", "is not an e-mail address."),
    ({"email": ""}, "email", "Please give the requester"),
    ({"cc": "ok@example.org, broken@"}, "cc", "“broken@” is not an e-mail address."),
    ({"category": "astrology"}, "category", "Please choose a category from the list."),
    ({"priority": "whenever"}, "priority", "Please choose a priority from the list."),
    ({"channel": "carrier-pigeon"}, "channel", "Please choose a channel from the list."),
    ({"email": "new@example.net", "name": "Nia", "phone": "call me"}, "phone",
     "Please write the number with digits"),
])
def test_a_bad_field_is_marked_and_nothing_is_created(helpdesk, staff, fields, field, message):
    csrf = helpdesk.login("firstline@example.org")
    values = {"email": "user@example.org", "subject": "Cannot print", **fields}
    page = post(helpdesk, csrf, status=400, **values)
    assert helpdesk.dbsession.scalars(select(Ticket.id)).all() == []
    assert re.search(rf'id="{field}"[^>]*?aria-invalid="true"', page.text, re.S), field
    assert re.search(rf'<p id="{field}-error" class="field-error">[^<]*{re.escape(message)}',
                     page.text.replace("&#39;", "'")), message


def test_the_new_person_fields_are_ignored_for_a_known_requester(helpdesk, staff):
    csrf = helpdesk.login("firstline@example.org")
    post(helpdesk, csrf, email="user@example.org", subject="Cannot print", name="Someone Else",
         phone="call me")
    assert len(tickets_of(helpdesk, "user@example.org")) == 1
    helpdesk.refresh(staff.user)
    assert (staff.user.name, staff.user.phone) == ("User", "")


def test_a_refused_attachment_is_marked_and_a_good_one_is_kept(helpdesk, staff):
    csrf = helpdesk.login("firstline@example.org")
    page = post(helpdesk, csrf, status=400, email="user@example.org", subject="Virus?",
                upload_files=[("attachment", "setup.exe", b"MZ\x90\x00")])
    assert re.search(r'id="attachment"[^>]*aria-invalid="true"', page.text, re.S)
    assert "“setup.exe” cannot be attached" in page.text
    assert 'value="Virus?"' in page.text and tickets_of(helpdesk, "user@example.org") == []
    post(helpdesk, csrf, email="user@example.org", subject="Screenshot",
         upload_files=[("attachment", "screen.png", b"\x89PNG\r\n\x1a\n")])
    [ticket] = tickets_of(helpdesk, "user@example.org")
    assert [a.filename for a in helpdesk.tickets.attachments(ticket)] == ["screen.png"]


def test_a_call_solved_on_the_phone_is_created_resolved(helpdesk, staff):
    csrf = helpdesk.login("agent@example.org")
    post(helpdesk, csrf, email="user@example.org", subject="Password reset", finish="resolved")
    [ticket] = tickets_of(helpdesk, "user@example.org")
    assert ticket.status is TicketStatus.resolved
    resolved = helpdesk.dbsession.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.resolved)).one()
    assert resolved.actor_id == staff.agent.id
    assert "and marked resolved." in helpdesk.app.get("/staff").text


def test_first_line_dispatches_the_new_ticket_to_a_group(helpdesk, staff):
    csrf = helpdesk.login("firstline@example.org")
    page, _token = open_form(helpdesk)
    assert f'<option value="{staff.network.id}">Network</option>' in page.text
    post(helpdesk, csrf, email="user@example.org", subject="Switch down", finish="dispatch",
         group=str(staff.network.id))
    [ticket] = tickets_of(helpdesk, "user@example.org")
    assert ticket.holder_group_id == staff.network.id and ticket.status is TicketStatus.open
    assert "and dispatched to Network." in helpdesk.app.get("/staff").text


def test_dispatching_needs_a_group(helpdesk, staff):
    csrf = helpdesk.login("coordinator@example.org")
    page = post(helpdesk, csrf, status=400, email="user@example.org", subject="Switch down",
                finish="dispatch", group="")
    assert re.search(r'id="group"[^>]*aria-invalid="true"', page.text, re.S)
    assert re.search(r'name="finish" value="dispatch"\s+checked="checked"', page.text)


def test_an_agent_who_does_not_supervise_cannot_dispatch(helpdesk, staff):
    csrf = helpdesk.login("agent@example.org")
    page, _token = open_form(helpdesk)
    assert 'value="dispatch"' not in page.text
    page = post(helpdesk, csrf, status=400, email="user@example.org", subject="Switch down",
                finish="dispatch", group=str(staff.network.id))
    assert "Only first line and coordinators dispatch tickets." in page.text
    assert tickets_of(helpdesk, "user@example.org") == []


def test_the_channels_offered_are_those_registered_and_the_chosen_one_is_recorded(
        helpdesk, staff):
    csrf = helpdesk.login("firstline@example.org")
    page, _token = open_form(helpdesk)
    offered = re.findall(r'<option value="([^"]*)"[^>]*>[^<]*</option>',
                         page.text.split('id="channel"')[1].split("</select>")[0])
    assert offered == list(helpdesk.plugins.channels)
    assert re.search(r'<option value="staff"\s+selected="selected">Created by staff</option>',
                     page.text)
    post(helpdesk, csrf, email="user@example.org", subject="From the portal", channel="web")
    [ticket] = tickets_of(helpdesk, "user@example.org")
    assert ticket.channel == "web"
    assert created_event(helpdesk, ticket).detail["channel"] == "web"


def test_a_double_submission_makes_one_ticket_and_leads_to_it(helpdesk, staff):
    csrf = helpdesk.login("firstline@example.org")
    _page, token = open_form(helpdesk)
    first = post(helpdesk, csrf, email="user@example.org", subject="Twice", token=token)
    second = post(helpdesk, csrf, email="user@example.org", subject="Twice", token=token)
    [ticket] = tickets_of(helpdesk, "user@example.org")
    assert first.location == second.location \
        == f"http://helpdesk.example.org/staff/tickets/{ticket.number}"
    assert "was created from it." in helpdesk.app.get("/staff").text


def test_a_form_token_not_issued_here_is_refused_with_the_values_kept(helpdesk, staff):
    csrf = helpdesk.login("firstline@example.org")
    page = post(helpdesk, csrf, status=400, email="user@example.org", subject="Forged",
                token="not-issued")
    assert "This form expired." in page.text and 'value="Forged"' in page.text
    fresh = TOKEN.search(page.text).group(1)
    assert fresh != "not-issued"
    post(helpdesk, csrf, email="user@example.org", subject="Forged", token=fresh)
    assert len(tickets_of(helpdesk, "user@example.org")) == 1


def test_the_lookup_page_link_fills_the_requester(helpdesk, staff):
    helpdesk.person("known@example.net", name="Kim Known", department="Geology")
    helpdesk.login("firstline@example.org")
    person = find_by_email(helpdesk.dbsession, "known@example.net")
    page, _token = open_form(helpdesk, f"/staff/new?requester={person.id}")
    assert 'value="known@example.net"' in page.text
    assert "Kim Known · Geology" in page.text
    assert 'name="name"' not in page.text  # no new-requester fields for a known person
    open_form(helpdesk, "/staff/new?requester=99999999999999999999")


def test_the_form_loads_its_script_from_the_site_and_has_no_inline_script(helpdesk, staff):
    helpdesk.login("firstline@example.org")
    page, _token = open_form(helpdesk)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert scripts == [(' src="/staff-static/people-lookup.js" defer', "")]
    assert helpdesk.app.get("/staff-static/people-lookup.js").content_type \
        in ("application/javascript", "text/javascript")


def test_a_requester_can_neither_open_nor_send_the_form(helpdesk, staff):
    csrf = helpdesk.login("other-user@example.org")
    helpdesk.app.get("/staff/new", status=403)
    helpdesk.app.post("/staff/new", {"csrf_token": csrf, "email": "user@example.org",
                                     "subject": "Sneaky", "token": "x"}, status=403)
    assert tickets_of(helpdesk, "user@example.org") == []


def test_an_anonymous_visitor_is_sent_to_log_in(helpdesk):
    assert "/login?next=%2Fstaff%2Fnew" in helpdesk.app.get("/staff/new", status=303).location


def test_the_form_in_chinese(helpdesk, staff):
    staff.firstline.locale = "zh_CN"
    helpdesk.dbsession.flush()
    helpdesk.login("firstline@example.org")
    page, _token = open_form(helpdesk)
    assert "为他人登记工单" in page.text and "Log a ticket for someone" not in page.text
