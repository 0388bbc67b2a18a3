"""Coordinators manage service groups and their members; admins change roles."""
import html
import re

import pytest
from sqlalchemy import select

from pyramid_helpdesk.groups import services
from pyramid_helpdesk.groups.models import GroupMembership, ServiceGroup
from pyramid_helpdesk.groups.services import (
    GroupRefused,
    add_member,
    change_role,
    first_line_group,
)
from pyramid_helpdesk.people.models import Role

from .conftest import listed
from .test_statement_counts import page_statements

WHO = ["user", "agent", "firstline", "coordinator", "admin"]
MANAGERS = {"coordinator", "admin"}


@pytest.fixture
def admin(helpdesk, staff):
    """An admin, besides the ``staff`` fixture's people."""
    return helpdesk.person("admin@example.org", "admin")


def login(helpdesk, who: str) -> str:
    """Log ``who`` in (by the first part of their address); their CSRF token."""
    return helpdesk.login(f"{who}@example.org")


def members_path(group) -> str:
    return f"/staff/groups/{group.id}/members"


def field_marked(page, name: str) -> bool:
    """True when the input named ``name`` is marked invalid on ``page``."""
    return re.search(rf'name="{name}"[^>]*aria-invalid="true"', page.text, re.S) is not None


def member_ids(helpdesk, group) -> set[int]:
    helpdesk.dbsession.expire_all()
    return set(helpdesk.dbsession.scalars(
        select(GroupMembership.person_id).where(GroupMembership.group_id == group.id)))


# -- who may do what --------------------------------------------------------------------


@pytest.mark.parametrize("who", WHO)
def test_only_coordinators_and_admins_open_the_group_pages(helpdesk, staff, admin, who):
    login(helpdesk, who)
    status = 200 if who in MANAGERS else 403
    for path in ["/staff/groups", "/staff/groups/new", f"/staff/groups/{staff.network.id}"]:
        page = helpdesk.app.get(path, status=status)
        assert ("Service groups" in page.text) is (status == 200), path


@pytest.mark.parametrize("who", WHO)
def test_only_coordinators_and_admins_change_groups_and_members(helpdesk, staff, admin, who):
    token = login(helpdesk, who)
    allowed = who in MANAGERS
    status = 303 if allowed else 403
    helpdesk.app.post("/staff/groups/new", {"csrf_token": token, "name": "Printing"},
                      status=status)
    helpdesk.app.post(f"/staff/groups/{staff.network.id}",
                      {"csrf_token": token, "name": "Networks"}, status=status)
    helpdesk.app.post(members_path(staff.network), {
        "csrf_token": token, "action": "add", "email": "other-agent@example.org"}, status=status)
    helpdesk.app.post(members_path(staff.computing), {
        "csrf_token": token, "action": "remove", "person_id": staff.other_agent.id},
        status=status)
    helpdesk.dbsession.expire_all()
    assert (helpdesk.dbsession.query(ServiceGroup).filter_by(name="Printing").count() == 1) \
        is allowed
    assert (staff.network.name == "Networks") is allowed
    assert (staff.other_agent.id in member_ids(helpdesk, staff.network)) is allowed
    assert (staff.other_agent.id in member_ids(helpdesk, staff.computing)) is not allowed


@pytest.mark.parametrize("who, status", [("user", 403), ("agent", 403), ("firstline", 403),
                                         ("coordinator", 403), ("admin", 303)])
def test_only_admins_change_roles(helpdesk, staff, admin, who, status):
    token = login(helpdesk, who)
    helpdesk.app.post(members_path(staff.network), {
        "csrf_token": token, "action": "role", "person_id": staff.agent.id,
        "role": "coordinator"}, status=status)
    helpdesk.refresh(staff.agent)
    assert (staff.agent.role is Role.coordinator) is (status == 303)


@pytest.mark.parametrize("who, status", [("agent", 403), ("coordinator", 404), ("admin", 404)])
def test_a_group_that_does_not_exist_is_not_found_by_those_who_may_manage_groups(
        helpdesk, staff, admin, who, status):
    token = login(helpdesk, who)
    helpdesk.app.get("/staff/groups/999999", status=status)
    helpdesk.app.post("/staff/groups/999999", {"csrf_token": token, "name": "X"}, status=status)
    helpdesk.app.post("/staff/groups/999999/members", {
        "csrf_token": token, "action": "add", "email": "agent@example.org"}, status=status)


def test_removing_someone_who_is_not_a_member_is_not_found(helpdesk, staff):
    token = login(helpdesk, "coordinator")
    helpdesk.app.post(members_path(staff.network), {
        "csrf_token": token, "action": "remove", "person_id": staff.other_agent.id}, status=404)


def test_an_anonymous_visitor_is_sent_to_log_in_and_cannot_post(helpdesk, staff):
    page = helpdesk.app.get("/staff/groups", status=303)
    assert page.location.endswith("/login?next=%2Fstaff%2Fgroups")
    token = helpdesk.csrf_token("/login")
    helpdesk.app.post("/staff/groups/new", {"csrf_token": token, "name": "Printing"},
                      status=403)
    assert helpdesk.dbsession.query(ServiceGroup).filter_by(name="Printing").count() == 0


def test_a_change_without_the_csrf_token_is_refused(helpdesk, staff):
    login(helpdesk, "coordinator")
    page = helpdesk.app.post("/staff/groups/new", {"name": "Printing"}, status=400)
    assert "Form expired" in page.text
    helpdesk.app.post(members_path(staff.computing), {
        "action": "remove", "person_id": staff.other_agent.id, "csrf_token": "forged"},
        status=400)
    assert helpdesk.dbsession.query(ServiceGroup).filter_by(name="Printing").count() == 0
    assert staff.other_agent.id in member_ids(helpdesk, staff.computing)


# -- the list ---------------------------------------------------------------------------


def test_the_list_shows_members_address_first_line_and_open_tickets(helpdesk, staff):
    helpdesk.group("Printing", email="printing@example.org")
    for subject in ["Switch down", "Wi-Fi slow", "Old cable"]:
        ticket = helpdesk.ticket(staff.user, subject)
        helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.tickets.resolve(ticket, actor=staff.agent)  # no longer open
    helpdesk.ticket(staff.user, "Printer jam")  # new, held by first line
    helpdesk.dbsession.flush()
    login(helpdesk, "coordinator")
    page = helpdesk.app.get("/staff/groups")
    rows = {name: cells for name, cells in re.findall(
        r'<a href="/staff/groups/\d+">([^<]+)</a>(.*?)</tr>', page.text, re.S)}
    numbers = {name: re.findall(r'<td class="number">(\d+)</td>', cells)
               for name, cells in rows.items()}
    assert list(rows) == ["Computing", "First line", "Network", "Printing"]
    assert numbers == {"Computing": ["1", "0"], "First line": ["1", "1"],
                       "Network": ["1", "2"], "Printing": ["0", "0"]}
    assert "printing@example.org" in rows["Printing"]
    assert "First line" in rows["First line"] and "badge" in rows["First line"]
    assert "badge" not in rows["Network"]


def test_the_list_runs_as_many_statements_for_many_groups_as_for_few(
        helpdesk, helpdesk_engine, staff):
    login(helpdesk, "coordinator")
    helpdesk.app.get("/staff/groups")  # warm
    few = page_statements(helpdesk, helpdesk_engine, "/staff/groups")
    for index in range(8):
        group = helpdesk.group(f"Team {index}", staff.agent)
        ticket = helpdesk.ticket(staff.user, f"Ticket {index}")
        helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=group)
    helpdesk.dbsession.flush()
    assert page_statements(helpdesk, helpdesk_engine, "/staff/groups") == few


def test_the_lists_are_shown_a_page_at_a_time(helpdesk, staff, monkeypatch):
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    for address in ["second@example.org", "third@example.org"]:
        add_member(helpdesk.dbsession, staff.network, helpdesk.person(address, "agent"))
    login(helpdesk, "coordinator")
    first = helpdesk.app.get("/staff/groups")
    assert ">Computing</a>" in first.text and ">Network</a>" not in first.text
    second = first.click(href="after=")
    assert ">Network</a>" in second.text and ">Computing</a>" not in second.text
    members = helpdesk.app.get(f"/staff/groups/{staff.network.id}")
    assert "second@example.org" in members.text and "third@example.org" not in members.text
    more = members.click(href="after=")
    assert "third@example.org" in more.text and "second@example.org" not in more.text


# -- the group form ---------------------------------------------------------------------


def test_a_coordinator_creates_a_group(helpdesk, staff):
    token = login(helpdesk, "coordinator")
    page = helpdesk.app.post("/staff/groups/new", {
        "csrf_token": token, "name": "  Printing  and  copying ", "description": "Printers",
        "email": "Printing@Example.org"}, status=303).follow()
    assert "Group Printing and copying saved." in page.text
    group = helpdesk.dbsession.query(ServiceGroup).filter_by(name="Printing and copying").one()
    assert (group.description, group.email, group.is_first_line) == (
        "Printers", "printing@example.org", False)


def test_a_wrong_form_comes_back_with_what_was_typed_and_the_fields_marked(helpdesk, staff):
    token = login(helpdesk, "coordinator")
    page = helpdesk.app.post("/staff/groups/new", {
        "csrf_token": token, "name": "", "description": "Kept <b>text</b>",
        "email": "not an address", "first_line": "1"}, status=400)
    assert "Please give the group a name." in page.text
    assert "This is not an e-mail address." in page.text
    assert field_marked(page, "name") and field_marked(page, "email")
    assert not field_marked(page, "description")
    assert "Kept &lt;b&gt;text&lt;/b&gt;</textarea>" in page.text
    assert 'value="not an address"' in page.text
    assert re.search(r'name="first_line" value="1"\s+checked="checked"', page.text)
    assert helpdesk.dbsession.query(ServiceGroup).count() == 3


@pytest.mark.parametrize("name, message", [
    ("Computing", "Another group is called Computing."),
    ("x" * 101, "At most 100 characters."),
])
def test_a_taken_or_too_long_name_is_refused(helpdesk, staff, name, message):
    token = login(helpdesk, "coordinator")
    page = helpdesk.app.post(f"/staff/groups/{staff.network.id}", {
        "csrf_token": token, "name": name, "description": "Switches"}, status=400)
    assert message in page.text and field_marked(page, "name")
    assert f'value="{name}"' in page.text
    helpdesk.refresh(staff.network)
    assert staff.network.name == "Network"


def test_a_group_keeps_its_own_name(helpdesk, staff):
    token = login(helpdesk, "coordinator")
    helpdesk.app.post(f"/staff/groups/{staff.network.id}", {
        "csrf_token": token, "name": "Network", "description": "Switches and Wi-Fi"},
        status=303)
    helpdesk.refresh(staff.network)
    assert staff.network.description == "Switches and Wi-Fi"


# -- the first-line flag ----------------------------------------------------------------


def test_making_a_group_first_line_takes_the_flag_from_the_previous_one(helpdesk, staff):
    token = login(helpdesk, "coordinator")
    form = helpdesk.app.get(f"/staff/groups/{staff.network.id}")
    note = re.search(r'class="hint first-line-note"[^>]*>(.*?)</p>', form.text, re.S).group(1)
    assert "takes the flag from <strong>First line</strong>" in " ".join(note.split())
    page = helpdesk.app.post(f"/staff/groups/{staff.network.id}", {
        "csrf_token": token, "name": "Network", "first_line": "1"}, status=303).follow()
    assert "Network is the first-line group now, instead of First line." in page.text
    helpdesk.dbsession.expire_all()
    assert first_line_group(helpdesk.dbsession).id == staff.network.id
    assert not staff.first_line_group.is_first_line
    # First-line rights moved with the flag.
    login(helpdesk, "agent")
    helpdesk.app.get("/staff/undispatched", status=200)
    login(helpdesk, "firstline")
    helpdesk.app.get("/staff/undispatched", status=403)


def test_a_new_group_can_be_made_first_line(helpdesk, staff):
    token = login(helpdesk, "coordinator")
    helpdesk.app.post("/staff/groups/new", {
        "csrf_token": token, "name": "Service desk", "first_line": "1"}, status=303)
    helpdesk.dbsession.expire_all()
    assert first_line_group(helpdesk.dbsession).name == "Service desk"


def test_the_first_line_group_keeps_its_flag_while_tickets_exist(helpdesk, staff):
    helpdesk.ticket(staff.user)
    token = login(helpdesk, "coordinator")
    page = helpdesk.app.post(f"/staff/groups/{staff.first_line_group.id}", {
        "csrf_token": token, "name": "Front desk"}, status=400)
    assert "cannot be left without one while tickets exist" in page.text
    assert field_marked(page, "first_line")
    assert 'value="Front desk"' in page.text
    helpdesk.refresh(staff.first_line_group)
    assert staff.first_line_group.is_first_line and staff.first_line_group.name == "First line"


def test_without_tickets_the_first_line_flag_can_be_cleared(helpdesk, staff):
    token = login(helpdesk, "coordinator")
    helpdesk.app.post(f"/staff/groups/{staff.first_line_group.id}", {
        "csrf_token": token, "name": "First line"}, status=303)
    helpdesk.dbsession.expire_all()
    assert first_line_group(helpdesk.dbsession) is None


# -- members ----------------------------------------------------------------------------


def test_membership_decides_what_an_agent_sees_in_the_inbox(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, "Cluster quota")
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.computing)
    helpdesk.dbsession.flush()
    login(helpdesk, "agent")
    assert ticket.number not in listed(helpdesk.app.get("/staff/inbox"))

    token = login(helpdesk, "coordinator")
    page = helpdesk.app.post(members_path(staff.computing), {
        "csrf_token": token, "action": "add", "email": " Agent@Example.org "},
        status=303).follow()
    assert "agent@example.org joined Computing." in page.text
    login(helpdesk, "agent")
    assert listed(helpdesk.app.get("/staff/inbox")) == [ticket.number]

    token = login(helpdesk, "coordinator")
    page = helpdesk.app.post(members_path(staff.computing), {
        "csrf_token": token, "action": "remove", "person_id": staff.agent.id},
        status=303).follow()
    assert "agent@example.org left Computing; the tickets they hold stay with them." in page.text
    login(helpdesk, "agent")
    assert ticket.number not in listed(helpdesk.app.get("/staff/inbox"))


def test_removing_a_member_leaves_their_tickets_with_them(helpdesk, staff):
    tickets = [helpdesk.ticket(staff.user, subject) for subject in ["Switch down", "VPN"]]
    for ticket in tickets:
        helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network,
                                  person=staff.agent)
    helpdesk.dbsession.flush()
    token = login(helpdesk, "coordinator")
    page = helpdesk.app.get(f"/staff/groups/{staff.network.id}")
    assert "Removing a member does not change the tickets they hold" in page.text
    row = re.search(r"agent@example.org.*?</tr>", page.text, re.S).group(0)
    assert re.search(r'<td class="number">.*?</span>\s*2</td>', row, re.S)
    helpdesk.app.post(members_path(staff.network), {
        "csrf_token": token, "action": "remove", "person_id": staff.agent.id}, status=303)
    login(helpdesk, "agent")
    assert sorted(listed(helpdesk.app.get("/staff/inbox"))) == sorted(
        t.number for t in tickets)
    for ticket in tickets:
        helpdesk.refresh(ticket)
        assert (ticket.holder_group_id, ticket.holder_person_id) == (
            staff.network.id, staff.agent.id)


@pytest.mark.parametrize("email, message", [
    ("", "Please enter the new member's e-mail address."),
    ("nobody", "This is not an e-mail address."),
    ("nobody@example.org", "Nobody has this address; they need an account first."),
    ("user@example.org", "user@example.org is a requester; an admin can make them an agent"),
])
def test_a_member_must_be_an_existing_staff_member(helpdesk, staff, email, message):
    token = login(helpdesk, "coordinator")
    page = helpdesk.app.post(members_path(staff.network), {
        "csrf_token": token, "action": "add", "email": email}, status=400)
    assert message in html.unescape(page.text)
    assert field_marked(page, "email") and f'value="{email}"' in page.text
    assert 'name="promote"' not in page.text  # coordinators cannot promote
    assert member_ids(helpdesk, staff.network) == {staff.agent.id}


def test_a_coordinator_cannot_promote_a_requester(helpdesk, staff):
    token = login(helpdesk, "coordinator")
    helpdesk.app.post(members_path(staff.network), {
        "csrf_token": token, "action": "add", "email": "user@example.org", "promote": "1"},
        status=403)
    helpdesk.refresh(staff.user)
    assert staff.user.role is Role.requester


def test_an_admin_promotes_a_requester_to_agent_on_the_same_form(helpdesk, staff, admin):
    token = login(helpdesk, "admin")
    form = helpdesk.app.get(f"/staff/groups/{staff.network.id}")
    assert 'name="promote"' in form.text
    page = helpdesk.app.post(members_path(staff.network), {
        "csrf_token": token, "action": "add", "email": "user@example.org", "promote": "1"},
        status=303).follow()
    assert "user@example.org is an agent now." in page.text
    helpdesk.refresh(staff.user)
    assert staff.user.role is Role.agent
    assert staff.user.id in member_ids(helpdesk, staff.network)


# -- roles ------------------------------------------------------------------------------


def test_an_admin_changes_a_members_role(helpdesk, staff, admin):
    token = login(helpdesk, "admin")
    page = helpdesk.app.get(f"/staff/groups/{staff.network.id}")
    assert f'id="role-{staff.agent.id}"' in page.text
    page = helpdesk.app.post(members_path(staff.network), {
        "csrf_token": token, "action": "role", "person_id": staff.agent.id,
        "role": "coordinator"}, status=303).follow()
    assert "agent@example.org is Coordinator now." in page.text
    helpdesk.refresh(staff.agent)
    assert staff.agent.role is Role.coordinator


def test_a_coordinator_sees_roles_but_no_role_form(helpdesk, staff):
    login(helpdesk, "coordinator")
    page = helpdesk.app.get(f"/staff/groups/{staff.network.id}")
    assert "Agent" in page.text and 'name="role"' not in page.text


def test_nobody_changes_their_own_role(helpdesk, staff, admin):
    helpdesk.group("Admins", admin)
    group = helpdesk.dbsession.query(ServiceGroup).filter_by(name="Admins").one()
    helpdesk.person("second-admin@example.org", "admin")
    token = login(helpdesk, "admin")
    assert f'id="role-{admin.id}"' not in helpdesk.app.get(f"/staff/groups/{group.id}").text
    page = helpdesk.app.post(members_path(group), {
        "csrf_token": token, "action": "role", "person_id": admin.id, "role": "agent"},
        status=400)
    assert "You cannot change your own role." in page.text
    helpdesk.refresh(admin)
    assert admin.role is Role.admin


def test_the_last_admin_cannot_be_demoted(helpdesk, staff, admin):
    # Through the pages an admin only ever demotes another admin; two admins demoting
    # each other at once would leave none, which the service refuses.
    with pytest.raises(GroupRefused, match="last admin"):
        change_role(helpdesk.dbsession, staff.coordinator, admin, Role.coordinator)
    assert admin.role is Role.admin


def test_an_admin_demotes_another_admin_while_one_remains(helpdesk, staff, admin):
    other = helpdesk.person("second-admin@example.org", "admin")
    helpdesk.group("Admins", other)
    group = helpdesk.dbsession.query(ServiceGroup).filter_by(name="Admins").one()
    token = login(helpdesk, "admin")
    helpdesk.app.post(members_path(group), {
        "csrf_token": token, "action": "role", "person_id": other.id, "role": "agent"},
        status=303)
    helpdesk.refresh(other)
    assert other.role is Role.agent


def test_a_member_made_requester_leaves_every_group(helpdesk, staff, admin):
    helpdesk.group("Printing", staff.agent)
    token = login(helpdesk, "admin")
    page = helpdesk.app.post(members_path(staff.network), {
        "csrf_token": token, "action": "role", "person_id": staff.agent.id,
        "role": "requester"}, status=303).follow()
    assert "As a requester, agent@example.org left 2 group(s)." in page.text
    helpdesk.dbsession.expire_all()
    assert helpdesk.dbsession.query(GroupMembership).filter_by(
        person_id=staff.agent.id).count() == 0


def test_an_unknown_role_is_a_bad_request(helpdesk, staff, admin):
    token = login(helpdesk, "admin")
    helpdesk.app.post(members_path(staff.network), {
        "csrf_token": token, "action": "role", "person_id": staff.agent.id, "role": "root"},
        status=400)
    helpdesk.refresh(staff.agent)
    assert staff.agent.role is Role.agent


def test_a_name_taken_at_the_same_moment_is_a_form_error_not_a_crash(helpdesk, staff,
                                                                     monkeypatch):
    """Two coordinators saving one new name at once: the database's unique constraint
    answers the second, and the form says so with the name kept."""
    from pyramid_helpdesk.groups import views

    def racing_save(dbsession, group, **fields):
        dbsession.add_all([ServiceGroup(name=fields["name"]), ServiceGroup(name=fields["name"])])
        dbsession.flush()

    monkeypatch.setattr(views, "save_group", racing_save)
    token = helpdesk.login("coordinator@example.org")
    page = helpdesk.app.post("/staff/groups/new", {"csrf_token": token, "name": "Printing"},
                             status=400)
    assert "Another group is called Printing." in page.text
    assert 'value="Printing"' in page.text
    assert helpdesk.dbsession.scalar(
        select(ServiceGroup).where(ServiceGroup.name == "Printing")) is None
