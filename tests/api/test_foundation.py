"""The API's frame: its document, problem answers, authentication, creating and
reading a ticket through the same service and permissions as the web UI."""
from __future__ import annotations

import pytest

from pyramid_helpdesk.settings import SettingsError
from pyramid_helpdesk.testing import build_app, make_test_settings
from pyramid_helpdesk.tickets.models import Ticket
from pyramid_helpdesk.tokens.services import TokenService


def test_the_openapi_document_is_served_as_json_and_yaml(helpdesk):
    spec = helpdesk.app.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    assert "/tickets/{number}" in spec["paths"]
    assert spec["servers"] == [{"url": "/api/v1"}]
    yaml = helpdesk.app.get("/api/v1/openapi.yaml")
    assert "createTicket" in yaml.text


def test_an_anonymous_call_is_a_401_problem(helpdesk):
    response = helpdesk.app.get("/api/v1/me", status=401)
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_api_address_is_a_404_problem(helpdesk, session_api, staff):
    session_api("user@example.org")
    response = helpdesk.app.get("/api/v1/nothing-here", status=404)
    assert response.content_type == "application/problem+json"
    assert response.json["title"] == "Not Found"


def test_me_names_the_signed_in_person_and_groups(helpdesk, session_api, staff):
    session_api("agent@example.org")
    me = helpdesk.app.get("/api/v1/me").json
    assert me["email"] == "agent@example.org"
    assert me["role"] == "agent"
    assert me["authenticated_by"] == "session"
    assert [group["name"] for group in me["groups"]] == ["Network"]


def test_a_requester_creates_a_ticket_and_reads_it(helpdesk, session_api, staff):
    headers = session_api("user@example.org")
    created = helpdesk.app.post_json("/api/v1/tickets", {
        "subject": "VPN 连不上", "description": "Since this morning.", "category": "network",
        "cc": ["colleague@example.org"]}, headers=headers, status=201)
    number = created.json["number"]
    assert created.headers["Location"].endswith(f"/api/v1/tickets/{number}")
    assert created.json["status"] == "new"
    assert created.json["channel"] == "api"
    assert created.json["cc"] == ["colleague@example.org"]
    assert created.json["holder"]["group"]["name"] == "First line"
    ticket = helpdesk.dbsession.query(Ticket).filter_by(number=number).one()
    assert ticket.requester_id == staff.user.id
    again = helpdesk.app.get(f"/api/v1/tickets/{number}").json
    assert again["subject"] == "VPN 连不上"
    assert again["description"] == "Since this morning."


def test_a_session_call_that_changes_state_needs_the_csrf_header(helpdesk, session_api, staff):
    session_api("user@example.org")
    response = helpdesk.app.post_json("/api/v1/tickets", {"subject": "No token"}, status=403)
    assert response.content_type == "application/problem+json"
    assert "X-CSRF-Token" in response.json["detail"]


def test_a_body_that_breaks_the_document_names_the_field(helpdesk, session_api, staff):
    headers = session_api("user@example.org")
    response = helpdesk.app.post_json("/api/v1/tickets", {"subject": "", "priority": "asap"},
                                      headers=headers, status=400)
    assert response.content_type == "application/problem+json"
    assert response.json["errors"]


def test_an_unknown_category_is_422_and_makes_nothing(helpdesk, session_api, staff):
    headers = session_api("user@example.org")
    before = helpdesk.dbsession.query(Ticket).count()
    response = helpdesk.app.post_json("/api/v1/tickets", {"subject": "Hello",
                                                         "category": "gardening"},
                                      headers=headers, status=422)
    assert "gardening" in response.json["detail"]
    assert helpdesk.dbsession.query(Ticket).count() == before


def test_another_requesters_ticket_is_404_as_if_it_did_not_exist(helpdesk, session_api, staff):
    ticket = helpdesk.ticket(staff.other_user, subject="Private")
    session_api("user@example.org")
    helpdesk.app.get(f"/api/v1/tickets/{ticket.number}", status=404)
    helpdesk.app.get("/api/v1/tickets/HD-999999", status=404)


def test_a_requester_cannot_create_for_someone_else(helpdesk, session_api, staff):
    headers = session_api("user@example.org")
    response = helpdesk.app.post_json("/api/v1/tickets", {
        "subject": "On behalf", "requester": {"email": "someone@example.org"}},
        headers=headers, status=403)
    assert response.content_type == "application/problem+json"


def test_staff_create_for_an_unknown_caller(helpdesk, session_api, staff):
    headers = session_api("firstline@example.org")
    created = helpdesk.app.post_json("/api/v1/tickets", {
        "subject": "Printer on floor 3", "requester": {
            "email": "New.Caller@example.org", "name": "New Caller", "phone": "010-55550123"}},
        headers=headers, status=201).json
    assert created["requester"]["email"] == "new.caller@example.org"
    assert created["requester"]["name"] == "New Caller"


def test_an_incomplete_profile_does_not_redirect_api_calls(helpdesk, staff):
    person = helpdesk.person("new@example.org", profile_completed=False)
    _token, secret = TokenService(helpdesk.dbsession, 20).create(person, "script", "write")
    helpdesk.dbsession.flush()
    created = helpdesk.app.post_json("/api/v1/tickets", {"subject": "From a script"},
                                     headers={"Authorization": f"Bearer {secret}"}, status=201)
    assert created.json["requester"]["email"] == "new@example.org"


def test_a_wrong_api_setting_stops_start_up_naming_the_key(helpdesk_engine, tmp_path):
    settings = make_test_settings("sqlite://", str(tmp_path), **{
        "helpdesk.plugins": "web api", "helpdesk.api.validate_responses": "sometimes"})
    with pytest.raises(SettingsError, match="helpdesk.api.validate_responses"):
        build_app(settings, helpdesk_engine)


def test_a_stale_version_names_the_current_one(helpdesk, session_api, staff):
    ticket = helpdesk.ticket(staff.user)
    headers = session_api("firstline@example.org")
    refused = helpdesk.app.post_json(f"/api/v1/tickets/{ticket.number}/transitions",
                                     {"operation": "take", "version": ticket.version + 3},
                                     headers=headers, status=409).json
    assert refused["version"] == ticket.version


def test_a_method_the_address_does_not_have_is_405_with_allow(helpdesk, session_api, staff):
    ticket = helpdesk.ticket(staff.user)
    headers = session_api("firstline@example.org")
    response = helpdesk.app.delete(f"/api/v1/tickets/{ticket.number}", headers=headers,
                                   status=405)
    assert response.headers["Allow"] == "GET, PATCH"
    assert response.content_type == "application/problem+json"


def test_a_view_refusal_says_why_and_a_bad_token_too(helpdesk, session_api, staff):
    session_api("user@example.org")
    refused = helpdesk.app.get("/api/v1/tickets", {"requester": "x@example.org"}, status=403)
    assert refused.json["detail"] == "Only staff filter by requester."
    helpdesk.logout()
    bad = helpdesk.app.get("/api/v1/me", headers={"Authorization": "Bearer hd_nope"},
                           status=401)
    assert "not valid" in bad.json["detail"]
