"""The home page: a welcome for visitors, a person's own tickets once logged in."""


def test_a_visitor_is_invited_to_log_in(helpdesk):
    page = helpdesk.app.get("/")
    assert page.html.find("a", string="Log in")["href"] == "/login"
    assert "Your recent tickets" not in page.text


def test_a_requester_sees_their_own_and_cc_tickets_and_a_link_to_the_form(helpdesk, staff):
    own = helpdesk.ticket(staff.user, subject="Own printer")
    copied = helpdesk.ticket(staff.other_user, subject="Shared drive", cc=["user@example.org"])
    foreign = helpdesk.ticket(staff.other_user, subject="Someone else's laptop")
    helpdesk.login("user@example.org")

    page = helpdesk.app.get("/")

    links = {a["href"] for a in page.html.select("table.tickets a")}
    assert links == {f"/tickets/{own.number}", f"/tickets/{copied.number}"}
    assert foreign.subject not in page.text
    assert page.html.find("a", string="New ticket")["href"] == "/tickets/new"


def test_an_anonymous_visitor_cannot_tell_which_ticket_numbers_exist(helpdesk, staff):
    real = helpdesk.ticket(staff.user)
    for number in (real.number, "HD-999999"):
        response = helpdesk.app.get(f"/tickets/{number}", status=303)
        assert response.headers["Location"].endswith(f"/login?next=%2Ftickets%2F{number}")


def test_times_are_shown_in_the_helpdesks_time_zone_and_drafts_of_others_are_hidden(
        helpdesk, staff):
    from datetime import datetime, timezone

    ticket = helpdesk.ticket(staff.user, subject="Late evening call")
    ticket.created_at = datetime(2026, 3, 2, 23, 30, tzinfo=timezone.utc)
    helpdesk.ticket(staff.other_user, subject="Unsent draft", cc=["user@example.org"],
                    draft=True)
    helpdesk.dbsession.flush()
    helpdesk.login("user@example.org")

    page = helpdesk.app.get("/")

    assert "2026-03-03 07:30" in page.text, "23:30 UTC is 07:30 the next day in Asia/Shanghai"
    assert "Unsent draft" not in page.text
