"""The telephone system announces a call; the person on duty takes it and logs it."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from helpdesk_phone.models import PhoneCall
from pyramid_helpdesk.duty.models import DutyWeek
from pyramid_helpdesk.duty.services import monday_of
from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back

from .conftest import SECRET

AUTH = {"Authorization": f"Bearer {SECRET}"}


def announce(helpdesk, body=None, headers=AUTH, status=201):
    """POST the telephone system's JSON event (no session, no CSRF token)."""
    body = {"caller": "+86 10 5555 0100"} if body is None else body
    return helpdesk.app.post_json("/phone/incoming", body,
                                  headers=headers, status=status)


def stored_calls(helpdesk):
    return helpdesk.dbsession.scalars(select(PhoneCall)).all()


def test_a_call_from_a_known_number_written_differently_names_the_caller(helpdesk, staff):
    staff.user.name, staff.user.phone = "Wen Example", "010-5555-0100"
    helpdesk.dbsession.add(DutyWeek(week_start=monday_of(datetime.now(
        helpdesk.settings.timezone).date()), person=staff.firstline))
    helpdesk.dbsession.flush()
    response = announce(helpdesk, {"caller": "+86 10 5555 0100", "called": "8000"})
    [call] = stored_calls(helpdesk)
    assert response.json == {
        "id": call.id, "person": "Wen Example", "on_duty": "Firstline",
        "form_url": f"http://helpdesk.example.org/staff/calls/new?incoming={call.id}"}
    assert (call.caller_number, call.called_number, call.caller_id) == (
        "+86 10 5555 0100", "8000", staff.user.id)
    assert call.received_at is not None and call.ticket_id is None
    assert "Set-Cookie" not in response.headers
    assert "user@example.org" not in response.text


def test_an_unknown_caller_is_stored_without_a_person(helpdesk, staff):
    response = announce(helpdesk, {"caller": "+86 21 5555 0177"})
    assert (response.json["person"], response.json["on_duty"]) == (None, None)
    [call] = stored_calls(helpdesk)
    assert call.caller_id is None


def test_a_number_two_people_share_names_nobody(helpdesk, staff):
    staff.user.phone = staff.other_user.phone = "010 5555 0100"
    helpdesk.dbsession.flush()
    assert announce(helpdesk).json["person"] is None


def test_a_form_body_is_accepted_too(helpdesk, staff):
    response = helpdesk.app.post("/phone/incoming", {"caller": "8123"}, headers=AUTH,
                                 status=201)
    assert response.json["id"] == stored_calls(helpdesk)[0].id


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer wrong-secret-0123456789abcdef0123456789"},
    {"Authorization": f"Basic {SECRET}"}, {"Authorization": SECRET},
])
def test_a_missing_or_wrong_secret_is_refused(helpdesk, staff, headers):
    response = announce(helpdesk, headers=headers, status=401)
    assert response.json == {"error": "unauthorized"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert stored_calls(helpdesk) == []


def test_an_oversized_body_is_refused_unread(helpdesk, staff):
    body = json.dumps({"caller": "8123", "padding": "x" * 5000})
    helpdesk.app.post("/phone/incoming", body, headers={**AUTH, "Content-Type":
                                                        "application/json"}, status=413)
    assert stored_calls(helpdesk) == []


@pytest.mark.parametrize("body", [
    {"caller": ""}, {"caller": "1" * 51}, {"caller": "call me"}, {"caller": 8123},
    {"caller": "8123", "called": "x" * 60}, {}, ["8123"],
])
def test_a_bad_field_is_refused(helpdesk, staff, body):
    assert "error" in announce(helpdesk, body, status=400).json
    assert stored_calls(helpdesk) == []


def test_a_body_that_is_not_json_is_refused(helpdesk, staff):
    helpdesk.app.post("/phone/incoming", "{caller", status=400,
                      headers={**AUTH, "Content-Type": "application/json"})


def test_the_duty_person_takes_the_call_and_logs_it_from_the_prefilled_form(helpdesk, staff):
    staff.user.phone = "010 5555 0100"
    helpdesk.dbsession.flush()
    call_id = announce(helpdesk).json["id"]
    helpdesk.login("firstline@example.org")
    console = helpdesk.app.get("/staff/calls/incoming")
    assert f'id="incoming-{call_id}"' in console.text and "+86 10 5555 0100" in console.text
    form = helpdesk.app.post(f"/staff/calls/incoming/{call_id}/take",
                             {"csrf_token": helpdesk.csrf_token("/staff/calls/incoming")},
                             status=303).follow()
    assert 'value="user@example.org"' in form.text and 'value="+86 10 5555 0100"' in form.text
    assert f'name="incoming" value="{call_id}"' in form.text
    [call] = stored_calls(helpdesk)
    helpdesk.refresh(call)
    assert call.taken_by_id == staff.firstline.id and call.taken_at is not None
    log_form = next(f for f in form.forms.values() if f.action == "/staff/calls/new")
    log_form["subject"] = "Mail quota"
    logged = log_form.submit(status=303)
    helpdesk.refresh(call)
    assert [c.id for c in stored_calls(helpdesk)] == [call_id]  # the same row, logged
    assert call.ticket.number == logged.location.rsplit("/", 1)[1]
    assert call.started_at == call.received_at.replace(second=0, microsecond=0)
    assert f'id="incoming-{call_id}"' not in helpdesk.app.get("/staff/calls/incoming").text
    again = helpdesk.app.get(f"/staff/calls/new?incoming={call_id}", status=303)
    assert again.location.endswith(f"/staff/tickets/{call.ticket.number}")


def test_the_endpoint_is_rate_limited(helpdesk_engine, helpdesk_database_url, tmp_path):
    settings = make_test_settings(helpdesk_database_url, str(tmp_path), **{
        "helpdesk.plugins": "phone", "helpdesk.phone.secret": SECRET,
        "helpdesk.phone.ratelimit": "2/minute"})
    with rolled_back(build_app(settings, helpdesk_engine), helpdesk_engine) as limited:
        announce(limited)
        announce(limited)
        refused = announce(limited, status=429)
        assert int(refused.headers["Retry-After"]) > 0
        assert len(stored_calls(limited)) == 2


def test_without_a_secret_the_endpoint_is_off(helpdesk_engine, helpdesk_database_url,
                                              tmp_path):
    settings = make_test_settings(helpdesk_database_url, str(tmp_path),
                                  **{"helpdesk.plugins": "phone"})
    with rolled_back(build_app(settings, helpdesk_engine), helpdesk_engine) as off:
        announce(off, status=404)
