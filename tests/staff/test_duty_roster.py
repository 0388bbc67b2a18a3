"""The first-line duty roster: the coordinator arranges it, staff read it, and the
telephone system asks ``/duty/now`` where to forward the duty phone."""
import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from pyramid_helpdesk.duty import services
from pyramid_helpdesk.duty.models import DutyOverride, DutyWeek
from pyramid_helpdesk.duty.services import DutyRefused, monday_of
from pyramid_helpdesk.groups.services import add_member
from pyramid_helpdesk.testing import bound_to, build_app, make_test_settings

MONDAY = date(2026, 11, 30)
WEEK = timedelta(days=7)
TOKEN = "duty-phone-token-0123456789abcdef-0123"


@pytest.fixture
def team(helpdesk, staff):
    """First line: Ann (ext. 8101), Bo (full number only) and Cy, a student; the
    coordinator is not on first line, nor is the network agent."""
    people = {
        "ann": helpdesk.person("ann@example.org", "agent", name="Ann Example",
                               phone="+86 10 5555 0100 ext. 8101"),
        "bo": helpdesk.person("bo@example.org", "agent", name="Bo Example",
                              phone="+86 138 0000 0000"),
        "cy": helpdesk.person("cy@example.org", "agent", name="Cy Student", phone="8103"),
    }
    for person in people.values():
        add_member(helpdesk.dbsession, staff.first_line_group, person)
    helpdesk.dbsession.flush()
    return type("Team", (), {**people, "staff": staff})


def this_monday(helpdesk) -> date:
    return monday_of(datetime.now(helpdesk.settings.timezone).date())


def who(helpdesk, moment: datetime):
    duty = services.on_duty(helpdesk.dbsession, moment, helpdesk.settings.timezone)
    return duty.person.name if duty else None


def roster(helpdesk) -> dict[date, str]:
    rows = helpdesk.dbsession.scalars(select(DutyWeek).order_by(DutyWeek.week_start))
    return {row.week_start: row.person.name for row in rows}


def shanghai(*args) -> datetime:
    from zoneinfo import ZoneInfo
    return datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai"))


# -- the service ------------------------------------------------------------------------

def test_a_rotation_follows_the_given_order_and_wraps_around(helpdesk, team):
    services.generate(helpdesk.dbsession, MONDAY, 5, [team.bo, team.ann, team.cy])
    assert list(roster(helpdesk).values()) == ["Bo Example", "Ann Example", "Cy Student",
                                               "Bo Example", "Ann Example"]
    assert list(roster(helpdesk)) == [MONDAY + i * WEEK for i in range(5)]


def test_generating_again_replaces_only_the_weeks_it_covers(helpdesk, team):
    services.generate(helpdesk.dbsession, MONDAY, 4, [team.ann])
    services.generate(helpdesk.dbsession, MONDAY + WEEK, 2, [team.cy])
    assert list(roster(helpdesk).values()) == ["Ann Example", "Cy Student", "Cy Student",
                                               "Ann Example"]


@pytest.mark.parametrize("start, weeks, field", [
    (MONDAY + timedelta(days=1), 4, "start"),  # a Tuesday
    (MONDAY, 0, "weeks"),
    (MONDAY, 105, "weeks"),
])
def test_a_rotation_starts_on_a_monday_and_has_a_sensible_length(helpdesk, team, start, weeks,
                                                                 field):
    with pytest.raises(DutyRefused) as refused:
        services.generate(helpdesk.dbsession, start, weeks, [team.ann])
    assert refused.value.field == field
    assert roster(helpdesk) == {}


@pytest.mark.parametrize("outsider", ["agent", "coordinator", "user", "inactive"])
def test_only_active_first_line_staff_can_be_put_on_duty(helpdesk, team, outsider):
    if outsider == "inactive":
        person = team.cy
        person.is_active = False
    else:
        person = getattr(team.staff, outsider)
    with pytest.raises(DutyRefused, match="not an active member of the first-line group"):
        services.generate(helpdesk.dbsession, MONDAY, 2, [team.ann, person])
    with pytest.raises(DutyRefused):
        services.set_override(helpdesk.dbsession, MONDAY, person)
    assert roster(helpdesk) == {}


def test_two_weeks_swap_their_people_and_an_empty_week_takes_the_other_s(helpdesk, team):
    services.generate(helpdesk.dbsession, MONDAY, 2, [team.ann, team.bo])
    services.swap(helpdesk.dbsession, MONDAY, MONDAY + WEEK)
    assert roster(helpdesk) == {MONDAY: "Bo Example", MONDAY + WEEK: "Ann Example"}
    services.swap(helpdesk.dbsession, MONDAY + WEEK, MONDAY + 3 * WEEK)
    assert roster(helpdesk) == {MONDAY: "Bo Example", MONDAY + 3 * WEEK: "Ann Example"}


def test_a_day_override_wins_over_the_week_for_that_local_day_only(helpdesk, team):
    services.generate(helpdesk.dbsession, MONDAY, 1, [team.ann])
    saturday = MONDAY + timedelta(days=5)
    services.set_override(helpdesk.dbsession, saturday, team.cy, "Rest day: student on duty")
    assert who(helpdesk, shanghai(2026, 12, 5, 0, 0)) == "Cy Student"
    assert who(helpdesk, shanghai(2026, 12, 4, 23, 59)) == "Ann Example"
    assert who(helpdesk, shanghai(2026, 12, 6, 0, 0)) == "Ann Example"

    duty = services.on_duty(helpdesk.dbsession, shanghai(2026, 12, 5, 10, 0),
                            helpdesk.settings.timezone)
    assert (duty.since, duty.until) == (shanghai(2026, 12, 5), shanghai(2026, 12, 6))
    assert duty.note == "Rest day: student on duty" and duty.is_override
    before = services.on_duty(helpdesk.dbsession, shanghai(2026, 12, 2, 10, 0),
                              helpdesk.settings.timezone)
    assert (before.since, before.until) == (shanghai(2026, 11, 30), shanghai(2026, 12, 5))

    services.remove_override(helpdesk.dbsession, saturday)
    assert who(helpdesk, shanghai(2026, 12, 5, 10, 0)) == "Ann Example"
    with pytest.raises(DutyRefused):
        services.remove_override(helpdesk.dbsession, saturday)


def test_a_second_override_of_a_day_replaces_the_first(helpdesk, team):
    services.set_override(helpdesk.dbsession, MONDAY, team.cy, "first")
    services.set_override(helpdesk.dbsession, MONDAY, team.bo, "second")
    rows = helpdesk.dbsession.scalars(select(DutyOverride)).all()
    assert [(row.person.name, row.note) for row in rows] == [("Bo Example", "second")]


def test_the_week_changes_at_local_midnight_not_at_utc_midnight(helpdesk, team):
    services.generate(helpdesk.dbsession, MONDAY - WEEK, 2, [team.ann, team.bo])
    # Monday 00:30 in Shanghai is still Sunday 16:30 in UTC: the new week has begun.
    monday_early = datetime(2026, 11, 29, 16, 30, tzinfo=timezone.utc)
    assert who(helpdesk, monday_early) == "Bo Example"
    assert who(helpdesk, monday_early - timedelta(hours=1)) == "Ann Example"
    assert who(helpdesk, monday_early + 2 * WEEK) is None


# -- the roster page --------------------------------------------------------------------

def test_an_anonymous_visitor_is_sent_to_log_in(helpdesk):
    assert "/login?next=" in helpdesk.app.get("/staff/duty", status=303).location


def test_a_requester_may_not_see_the_roster(helpdesk, team):
    helpdesk.login("user@example.org")
    helpdesk.app.get("/staff/duty", status=403)


@pytest.mark.parametrize("login, forms", [("firstline", False), ("agent", False),
                                          ("coordinator", True)])
def test_staff_read_the_roster_and_only_coordinators_get_the_forms(helpdesk, team, login,
                                                                   forms):
    services.generate(helpdesk.dbsession, this_monday(helpdesk), 2, [team.ann, team.bo])
    helpdesk.dbsession.flush()
    helpdesk.login(f"{login}@example.org")
    page = helpdesk.app.get("/staff/duty", status=200)
    current = page.html.find("tr", class_="current")
    assert "Ann Example" in current.text
    assert "Bo Example" in current.find_next_sibling("tr").text
    assert len(page.html.find("tbody").find_all("tr")) == 10
    assert ('action="/staff/duty/generate"' in page.text) is forms
    assert ("Cy Student</option>" in page.text) is forms


@pytest.mark.parametrize("path, data", [
    ("/staff/duty/generate", {"start": "2026-11-30", "weeks": "2", "people": ""}),
    ("/staff/duty/swap", {"week_a": "2026-11-30", "week_b": "2026-12-07"}),
    ("/staff/duty/override", {"day": "2026-11-30", "person": ""}),
    ("/staff/duty/override/delete", {"remove": "2026-11-30"}),
])
@pytest.mark.parametrize("login", ["firstline", "agent", "user"])
def test_only_coordinators_change_the_roster(helpdesk, team, path, data, login):
    data = {**data, "person": str(team.ann.id), "people": str(team.ann.id)}
    services.set_override(helpdesk.dbsession, MONDAY, team.cy)
    services.generate(helpdesk.dbsession, MONDAY, 2, [team.bo, team.cy])
    helpdesk.dbsession.flush()
    before = roster(helpdesk)
    token = helpdesk.login(f"{login}@example.org")
    helpdesk.app.post(path, {**data, "csrf_token": token}, status=403)
    helpdesk.dbsession.expire_all()
    assert roster(helpdesk) == before
    assert helpdesk.dbsession.scalar(select(DutyOverride.person_id)) == team.cy.id


def test_a_coordinator_generates_a_rotation_in_the_chosen_order(helpdesk, team):
    token = helpdesk.login("coordinator@example.org")
    start = this_monday(helpdesk)
    page = helpdesk.app.post("/staff/duty/generate", [
        ("csrf_token", token), ("start", start.isoformat()), ("weeks", "4"),
        ("people", str(team.cy.id)), ("people", ""), ("people", str(team.ann.id)),
    ], status=303).follow()
    assert f"Rotation of 4 weeks from {start.isoformat()} saved." in page.text
    assert list(roster(helpdesk).values()) == ["Cy Student", "Ann Example"] * 2
    assert "Cy Student" in page.html.find("tr", class_="current").text


def test_a_refused_rotation_is_shown_again_with_the_input_kept(helpdesk, team):
    token = helpdesk.login("coordinator@example.org")
    page = helpdesk.app.post("/staff/duty/generate", [
        ("csrf_token", token), ("start", "2026-12-01"), ("weeks", "6"),
        ("people", str(team.bo.id)), ("people", str(team.ann.id)),
    ], status=400)
    assert "2026-12-01 is not a Monday." in page.text
    assert page.html.find(id="duty-start")["aria-invalid"] == "true"
    assert page.html.find(id="duty-start")["value"] == "2026-12-01"
    assert page.html.find(id="duty-weeks")["value"] == "6"
    first = page.html.find(id="duty-people-0").find("option", selected=True)
    assert first.text == "Bo Example"
    assert roster(helpdesk) == {}


def test_putting_someone_off_first_line_on_duty_is_refused_by_name(helpdesk, team):
    token = helpdesk.login("coordinator@example.org")
    page = helpdesk.app.post("/staff/duty/override", {
        "csrf_token": token, "day": "2026-12-05", "person": str(team.staff.agent.id),
        "note": "Cover for the weekend"}, status=400)
    assert "Agent is not an active member of the first-line group." in page.text
    assert page.html.find(id="duty-note")["value"] == "Cover for the weekend"
    assert page.html.find(id="duty-person")["aria-invalid"] == "true"


def test_a_coordinator_swaps_weeks_and_changes_one_day_through_the_forms(helpdesk, team):
    monday = this_monday(helpdesk)
    services.generate(helpdesk.dbsession, monday, 2, [team.ann, team.bo])
    helpdesk.dbsession.flush()
    token = helpdesk.login("coordinator@example.org")
    helpdesk.app.post("/staff/duty/swap", {"csrf_token": token, "week_a": monday.isoformat(),
                                           "week_b": (monday + WEEK).isoformat()}, status=303)
    helpdesk.dbsession.expire_all()
    assert roster(helpdesk) == {monday: "Bo Example", monday + WEEK: "Ann Example"}

    sunday = monday + timedelta(days=6)
    page = helpdesk.app.post("/staff/duty/override", {
        "csrf_token": token, "day": sunday.isoformat(), "person": str(team.cy.id),
        "note": "Rest day <b>student</b>"}, status=303).follow()
    assert f"Cy Student is on duty on {sunday.isoformat()}." in page.text
    assert "Rest day &lt;b&gt;student&lt;/b&gt;" in page.text  # escaped

    helpdesk.app.post("/staff/duty/override/delete",
                      {"csrf_token": token, "remove": sunday.isoformat()}, status=303)
    helpdesk.dbsession.expire_all()
    assert helpdesk.dbsession.scalar(select(DutyOverride)) is None


def test_a_change_without_the_csrf_token_is_refused(helpdesk, team):
    helpdesk.login("coordinator@example.org")
    helpdesk.app.post("/staff/duty/generate", {"start": "2026-11-30", "weeks": "2",
                                               "people": str(team.ann.id)}, status=400)
    assert roster(helpdesk) == {}


# -- /duty/now --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def token_app(helpdesk_engine, helpdesk_database_url, tmp_path_factory):
    """The app with ``helpdesk.duty.now_token`` set, as a telephone system would use it."""
    directory = str(tmp_path_factory.mktemp("duty-token"))
    return build_app(make_test_settings(helpdesk_database_url, directory, **{
        "helpdesk.plugins": "web", "helpdesk.duty.now_token": TOKEN}), helpdesk_engine)


@pytest.fixture
def phone_system(helpdesk, token_app):
    """A WebTest client of the token app, on this test's transaction."""
    import webtest

    with bound_to(token_app, helpdesk.connection):
        yield webtest.TestApp(token_app, extra_environ={"HTTP_HOST": "helpdesk.example.org"})


@pytest.fixture
def ann_on_duty(helpdesk, team):
    services.generate(helpdesk.dbsession, this_monday(helpdesk), 1, [team.ann])
    helpdesk.dbsession.flush()
    return team


def test_the_duty_phone_is_forwarded_with_a_bearer_token(helpdesk, ann_on_duty, phone_system):
    answer = phone_system.get("/duty/now", headers={"Authorization": f"Bearer {TOKEN}"},
                              status=200)
    assert answer.json["name"] == "Ann Example"
    assert answer.json["extension"] == "8101"
    since = datetime.fromisoformat(answer.json["since"])
    until = datetime.fromisoformat(answer.json["until"])
    assert since <= datetime.now(timezone.utc) < until and until - since == WEEK
    assert set(answer.json) == {"name", "extension", "since", "until"}
    assert "ann@example.org" not in answer.text and "5555" not in answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    assert phone_system.get(f"/duty/now?token={TOKEN}", status=200).json["name"] == "Ann Example"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token"},
                                     {"Authorization": f"Basic {TOKEN}"}])
def test_without_the_right_token_the_phone_system_gets_401(helpdesk, ann_on_duty, phone_system,
                                                           headers):
    answer = phone_system.get("/duty/now", headers=headers, status=401)
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Ann" not in answer.text


def test_without_a_configured_token_no_token_opens_duty_now(helpdesk, ann_on_duty):
    helpdesk.app.get("/duty/now", headers={"Authorization": "Bearer "}, status=401)
    helpdesk.app.get("/duty/now?token=", status=401)
    assert "Ann" not in helpdesk.app.get("/duty/now", status=401).text


@pytest.mark.parametrize("login, status", [("user", 403), ("agent", 200), ("coordinator", 200)])
def test_signed_in_staff_read_duty_now_and_requesters_do_not(helpdesk, ann_on_duty, login,
                                                            status):
    helpdesk.login(f"{login}@example.org")
    answer = helpdesk.app.get("/duty/now", status=status)
    assert (answer.json.get("name") == "Ann Example") is (status == 200)


def test_a_full_phone_number_is_never_given_as_the_extension(helpdesk, team):
    services.set_override(helpdesk.dbsession, datetime.now(helpdesk.settings.timezone).date(),
                          team.bo, "Swapped for the afternoon")
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    answer = helpdesk.app.get("/duty/now", status=200).json
    assert answer["name"] == "Bo Example" and answer["extension"] is None
    assert "138" not in json.dumps(answer)


def test_nobody_on_duty_is_answered_with_a_null_name(helpdesk, team):
    helpdesk.login("firstline@example.org")
    assert helpdesk.app.get("/duty/now", status=200).json["name"] is None


# -- the staff home ---------------------------------------------------------------------

def test_the_staff_home_says_who_is_on_duty_and_today_s_note(helpdesk, ann_on_duty):
    helpdesk.login("agent@example.org")
    line = " ".join(helpdesk.app.get("/staff").html.find(id="on-duty").text.split())
    assert line.startswith("On duty now: Ann Example (ext. 8101)")

    today = datetime.now(helpdesk.settings.timezone).date()
    services.set_override(helpdesk.dbsession, today, ann_on_duty.cy, "Rest day: student")
    helpdesk.dbsession.flush()
    line = " ".join(helpdesk.app.get("/staff").html.find(id="on-duty").text.split())
    assert line.startswith("On duty now: Cy Student (ext. 8103) — Rest day: student")


def test_the_staff_home_says_when_nobody_is_on_duty(helpdesk, team):
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get("/staff")
    assert "Nobody is on duty now." in page.html.find(id="on-duty").text
    assert re.search(r'href="/staff/duty"', page.text)


# -- the helpdesk command ---------------------------------------------------------------

def test_an_operator_generates_the_rotation_and_asks_who_is_on_duty(migrated, db):
    migrated.ok("user", "add", "ann@example.org", "--name", "Ann Example", "--role", "agent",
                "--no-password")
    migrated.ok("user", "add", "bo@example.org", "--name", "Bo Example", "--role", "agent",
                "--no-password")
    migrated.ok("user", "add", "guest@example.org", "--no-password")
    migrated.ok("group", "add", "First line", "--first-line", "--member", "ann@example.org",
                "--member", "bo@example.org")
    assert migrated.ok("duty", "now").strip() == "nobody is on duty"

    from zoneinfo import ZoneInfo
    monday = monday_of(datetime.now(ZoneInfo("Asia/Shanghai")).date())
    output = migrated.ok("duty", "generate", "--start", monday.isoformat(), "--weeks", "3",
                         "bo@example.org", "ann@example.org")
    assert output.splitlines() == [f"{monday.isoformat()} bo@example.org",
                                   f"{(monday + WEEK).isoformat()} ann@example.org",
                                   f"{(monday + 2 * WEEK).isoformat()} bo@example.org"]
    assert len(db().scalars(select(DutyWeek)).all()) == 3
    assert migrated.ok("duty", "now").startswith(
        f"Bo Example until {(monday + WEEK).isoformat()} 00:00")

    refused = migrated.fails("duty", "generate", "--start", monday.isoformat(), "--weeks", "1",
                             "guest@example.org")
    assert "is not an active member of the first-line group" in refused
    assert "no person with address nobody@example.org" in migrated.fails(
        "duty", "generate", "--start", monday.isoformat(), "--weeks", "1",
        "nobody@example.org")
