"""Absences: staff mark themselves away, coordinators anyone; nobody away is routed to."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from pyramid_helpdesk.people.absences import Absence, available_members

from .conftest import local_today, mark_away, routed, team

PAGE = "/staff/absences"


@pytest.fixture
def t(helpdesk):
    """The routing team, plus a coordinator."""
    people = team(helpdesk)
    people.coordinator = helpdesk.person("coordinator@example.org", "coordinator",
                                         name="Cora Coordinator")
    return people


def days(helpdesk, first, last):
    """Form dates ``first`` and ``last`` days from today."""
    today = local_today(helpdesk)
    return {"first_day": (today + timedelta(days=first)).isoformat(),
            "last_day": (today + timedelta(days=last)).isoformat()}


def absences_of(helpdesk, person):
    return helpdesk.dbsession.scalars(
        select(Absence).where(Absence.person_id == person.id)
        .execution_options(populate_existing=True)).all()


# -- who may do what -------------------------------------------------------------------


def test_a_visitor_is_sent_to_log_in_and_a_requester_is_refused(helpdesk, t):
    assert "/login?next=" in helpdesk.app.get(PAGE, status=303).location
    token = helpdesk.login("user@example.org")
    helpdesk.app.get(PAGE, status=403)
    helpdesk.app.post(f"{PAGE}/add", {**days(helpdesk, 0, 1), "csrf_token": token}, status=403)
    assert absences_of(helpdesk, t.user) == []


def test_an_agent_marks_themselves_away_and_sees_it_listed(helpdesk, t):
    token = helpdesk.login("ada@example.org")
    page = helpdesk.app.get(PAGE)
    assert page.html.select_one("#absence-person") is None  # only oneself: no "who"
    link = page.html.select_one("nav.console a[aria-current=page]")
    assert (link.get_text(), link["href"]) == ("Absences", PAGE)

    response = helpdesk.app.post(f"{PAGE}/add", {**days(helpdesk, 0, 4), "note": "Holidays",
                                                 "csrf_token": token}, status=303)

    page = response.follow()
    assert "Ada Net is away from" in page.text
    row = page.html.select_one("table.absences tbody tr")
    assert "Ada Net" in row.get_text() and "Holidays" in row.get_text()
    assert "away now" in row.get_text()
    [absence] = absences_of(helpdesk, t.ada)
    assert (absence.first_day, absence.last_day, absence.created_by_id) == (
        local_today(helpdesk), local_today(helpdesk) + timedelta(days=4), t.ada.id)


def test_an_agent_may_not_mark_someone_else_away(helpdesk, t):
    token = helpdesk.login("ada@example.org")
    helpdesk.app.post(f"{PAGE}/add", {**days(helpdesk, 1, 2), "person": str(t.bo.id),
                                      "csrf_token": token}, status=403)
    assert absences_of(helpdesk, t.bo) == []


def test_a_coordinator_marks_any_staff_member_away(helpdesk, t):
    token = helpdesk.login("coordinator@example.org")
    who = [o.get_text() for o in helpdesk.app.get(PAGE).html.select("#absence-person option")]
    assert "Bo Net" in who and "Uma User" not in who

    helpdesk.app.post(f"{PAGE}/add", {**days(helpdesk, 3, 10), "person": str(t.bo.id),
                                      "note": "Parental leave", "csrf_token": token}, status=303)

    [absence] = absences_of(helpdesk, t.bo)
    assert (absence.note, absence.created_by_id) == ("Parental leave", t.coordinator.id)


def test_a_requester_cannot_be_marked_away(helpdesk, t):
    token = helpdesk.login("coordinator@example.org")
    page = helpdesk.app.post(f"{PAGE}/add", {**days(helpdesk, 0, 1), "person": str(t.user.id),
                                             "csrf_token": token}, status=400)
    assert "Only active staff members can be marked away." in page.text
    assert page.html.select_one("#absence-person")["aria-invalid"] == "true"


def test_staff_remove_their_own_absences_and_coordinators_anyones(helpdesk, t):
    mine = mark_away(helpdesk, t.ada, local_today(helpdesk))
    theirs = mark_away(helpdesk, t.bo, local_today(helpdesk))
    token = helpdesk.login("ada@example.org")
    page = helpdesk.app.get(PAGE)
    assert page.html.select_one(f"#absence-{mine.id} form") is not None
    assert page.html.select_one(f"#absence-{theirs.id} form") is None

    helpdesk.app.post(f"{PAGE}/{theirs.id}/delete", {"csrf_token": token}, status=403)
    helpdesk.app.post(f"{PAGE}/{mine.id}/delete", {"csrf_token": token}, status=303)
    assert absences_of(helpdesk, t.ada) == []

    helpdesk.logout()
    token = helpdesk.login("coordinator@example.org")
    helpdesk.app.post(f"{PAGE}/{theirs.id}/delete", {"csrf_token": token}, status=303)
    assert absences_of(helpdesk, t.bo) == []
    helpdesk.app.post(f"{PAGE}/{theirs.id}/delete", {"csrf_token": token}, status=404)


def test_every_change_needs_the_csrf_token(helpdesk, t):
    absence = mark_away(helpdesk, t.ada, local_today(helpdesk))
    helpdesk.login("ada@example.org")
    helpdesk.app.post(f"{PAGE}/add", days(helpdesk, 0, 1), status=400)
    helpdesk.app.post(f"{PAGE}/{absence.id}/delete", {"csrf_token": "forged"}, status=400)
    assert len(absences_of(helpdesk, t.ada)) == 1


# -- validation ------------------------------------------------------------------------


@pytest.mark.parametrize("first, last, field, message", [
    ("2031-02-30", "2031-03-01", "first_day", "Give a date as YYYY-MM-DD."),
    (5, 2, "last_day", "The last day comes before the first day."),
    (-9, -2, "last_day", "That absence is already over."),
    (0, 400, "last_day", "An absence lasts at most 366 days."),
])
def test_bad_dates_come_back_with_the_input_kept_and_the_field_marked(
        helpdesk, t, first, last, field, message):
    token = helpdesk.login("ada@example.org")
    form = days(helpdesk, first, last) if isinstance(first, int) else {
        "first_day": first, "last_day": last}

    page = helpdesk.app.post(f"{PAGE}/add", {**form, "note": "Trip <abroad>",
                                             "csrf_token": token}, status=400)

    assert page.html.select_one("#absence-error").get_text() == message
    field_id = {"first_day": "#absence-first", "last_day": "#absence-last"}[field]
    assert page.html.select_one(field_id)["aria-invalid"] == "true"
    assert page.html.select_one("#absence-first")["value"] == form["first_day"]
    assert page.html.select_one("#absence-note")["value"] == "Trip <abroad>"
    assert "Trip <abroad>" not in page.text  # escaped
    assert absences_of(helpdesk, t.ada) == []


def test_the_page_speaks_chinese(helpdesk, t):
    helpdesk.login("ada@example.org")
    page = helpdesk.app.get(PAGE, headers={"Accept-Language": "zh-CN"})
    assert page.html.select_one("h1").get_text() == "缺勤"


# -- away members are never chosen -----------------------------------------------------


def test_available_members_leave_out_whoever_is_away_that_day(helpdesk, t):
    today = local_today(helpdesk)
    mark_away(helpdesk, t.bo, today, today + timedelta(days=2))
    assert available_members(helpdesk.dbsession, t.network.id, today) == [t.ada, t.cy]
    assert available_members(helpdesk.dbsession, t.network.id,
                             today + timedelta(days=3)) == [t.ada, t.bo, t.cy]


@pytest.mark.parametrize("routing", ["round_robin", "least_loaded"])
def test_no_strategy_routes_to_a_member_marked_away(desk, routing):
    helpdesk = desk(f"keyword {routing}")
    t = team(helpdesk)
    mark_away(helpdesk, t.ada, local_today(helpdesk))
    mark_away(helpdesk, t.cy, local_today(helpdesk) - timedelta(days=3),
              local_today(helpdesk))

    holders = {routed(helpdesk, helpdesk.ticket(t.user, subject="VPN"))[0] for _ in range(4)}

    assert holders == {t.bo}
