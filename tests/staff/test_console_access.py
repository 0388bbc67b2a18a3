"""Who may open which page of the staff console (the permission matrix)."""
import pytest

LISTS = ["/staff", "/staff/inbox", "/staff/unprocessed"]


@pytest.fixture
def network_ticket(helpdesk, staff, make_ticket):
    """A ticket of ``staff.user`` that first line dispatched to the Network group."""
    ticket = make_ticket("Switch down", minutes=30)
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.dbsession.flush()
    return ticket


@pytest.mark.parametrize("path", LISTS + ["/staff/undispatched"])
def test_an_anonymous_visitor_is_sent_to_log_in(helpdesk, path):
    page = helpdesk.app.get(path, status=303)
    assert page.location.endswith("/login?next=" + path.replace("/", "%2F"))


@pytest.mark.parametrize("path", LISTS + ["/staff/undispatched"])
def test_a_requester_is_refused(helpdesk, staff, path):
    helpdesk.login("user@example.org")
    page = helpdesk.app.get(path, status=403)
    assert "Staff overview" not in page.text


@pytest.mark.parametrize("who", ["firstline", "agent", "coordinator"])
@pytest.mark.parametrize("path", LISTS)
def test_every_staff_member_opens_the_lists(helpdesk, staff, who, path):
    helpdesk.login(f"{who}@example.org")
    page = helpdesk.app.get(path, status=200)
    assert 'aria-label="Staff console"' in page.text


@pytest.mark.parametrize("who, status", [("firstline", 200), ("coordinator", 200),
                                         ("agent", 403), ("other-agent", 403)])
def test_only_supervisors_open_the_undispatched_queue(helpdesk, staff, who, status):
    helpdesk.login(f"{who}@example.org")
    page = helpdesk.app.get("/staff/undispatched", status=status)
    assert ('href="/staff/undispatched"' in helpdesk.app.get("/staff").text) is (status == 200)
    assert ("Undispatched tickets" in page.text) is (status == 200)


@pytest.mark.parametrize("who, status", [("firstline", 200), ("coordinator", 200),
                                         ("agent", 200), ("other-agent", 404),
                                         ("user", 404)])
def test_a_flow_is_shown_to_those_who_may_manage_the_ticket(helpdesk, staff, network_ticket,
                                                            who, status):
    helpdesk.login(f"{who}@example.org")
    page = helpdesk.app.get(f"/staff/tickets/{network_ticket.number}/flow", status=status)
    assert ("Holders, oldest first" in page.text) is (status == 200)


def test_an_anonymous_visitor_asking_for_a_flow_is_sent_to_log_in(helpdesk, network_ticket):
    path = f"/staff/tickets/{network_ticket.number}/flow"
    assert helpdesk.app.get(path, status=303).location.endswith(
        "/login?next=" + path.replace("/", "%2F"))


def test_the_flow_of_a_ticket_that_does_not_exist_is_not_found(helpdesk, staff):
    helpdesk.login("firstline@example.org")
    helpdesk.app.get("/staff/tickets/HD-999999/flow", status=404)


@pytest.mark.parametrize("who, status", [("firstline", 303), ("coordinator", 303),
                                         ("agent", 403), ("other-agent", 404),
                                         ("user", 403)])
def test_only_supervisors_nudge(helpdesk, staff, network_ticket, who, status):
    token = helpdesk.login(f"{who}@example.org")
    helpdesk.app.post(f"/staff/tickets/{network_ticket.number}/nudge",
                      {"csrf_token": token}, status=status)
    helpdesk.refresh(network_ticket)
    assert network_ticket.nudge_count == (1 if status == 303 else 0)


def test_an_anonymous_nudge_is_refused(helpdesk, network_ticket):
    token = helpdesk.csrf_token("/login")
    helpdesk.app.post(f"/staff/tickets/{network_ticket.number}/nudge", {"csrf_token": token},
                      status=403)
    helpdesk.refresh(network_ticket)
    assert network_ticket.nudge_count == 0


@pytest.mark.parametrize("who, shown", [("firstline", True), ("agent", True), ("user", False)])
def test_the_site_header_links_staff_to_the_console(helpdesk, staff, who, shown):
    helpdesk.login(f"{who}@example.org")
    assert ('<a href="/staff">Staff</a>' in " ".join(helpdesk.app.get("/").text.split())) \
        is shown


@pytest.mark.parametrize("who, shown", [("coordinator", True), ("firstline", False),
                                        ("agent", False)])
def test_the_console_links_to_group_management_for_coordinators_only(helpdesk, staff, who,
                                                                      shown):
    helpdesk.login(f"{who}@example.org")
    for path in LISTS:
        assert ('href="/staff/groups"' in helpdesk.app.get(path).text) is shown, path


def test_the_console_menu_marks_the_current_page_and_its_section(helpdesk, staff):
    helpdesk.login("coordinator@example.org")
    menu = helpdesk.app.get("/staff/groups").html.select("nav.console a")
    assert [a.text for a in menu][:4] == ["Overview", "Inbox", "Undispatched", "Unprocessed"]
    assert [a["href"] for a in menu if a.get("aria-current") == "page"] == ["/staff/groups"]


@pytest.mark.parametrize("who, shown", [("admin", True), ("coordinator", False),
                                        ("firstline", False)])
def test_the_console_links_to_everyones_api_tokens_for_admins_only(helpdesk, staff, who,
                                                                   shown):
    if who == "admin":
        helpdesk.person("admin@example.org", "admin")
        helpdesk.dbsession.flush()
    helpdesk.login(f"{who}@example.org")
    menu = helpdesk.app.get("/staff").html.select("nav.console a")
    assert ("/staff/tokens" in [a["href"] for a in menu]) is shown
