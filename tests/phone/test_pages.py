"""The logged-calls list, who may use the phone pages, the pages in Chinese, and the
phone table against its model."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from helpdesk_phone.models import PhoneCall
from helpdesk_phone.services import PAGE_SIZE
from pyramid_helpdesk.db.meta import Base
from pyramid_helpdesk.errors import ConfigurationError
from pyramid_helpdesk.testing import build_app, make_test_settings

from .conftest import last_open_moment

CALL_ROW = re.compile(r'<tr id="call-(\d+)">')


def logged_call(helpdesk, staff, n: int, **kw) -> PhoneCall:
    """A logged call made through the lifecycle service, as the form would."""
    ticket = helpdesk.ticket(staff.user, subject=f"Call {n}", channel="phone")
    call = PhoneCall(ticket_id=ticket.id, caller=staff.user, staff=staff.firstline,
                     started_at=last_open_moment(helpdesk) - timedelta(minutes=n),
                     duration_seconds=65, caller_number="8123", **kw)
    helpdesk.dbsession.add(call)
    helpdesk.dbsession.flush()
    return call


def test_the_list_shows_the_latest_calls_a_page_at_a_time(helpdesk, staff):
    calls = [logged_call(helpdesk, staff, n) for n in range(PAGE_SIZE + 2)]
    helpdesk.login("agent@example.org")
    first = helpdesk.app.get("/staff/calls")
    shown = [int(i) for i in CALL_ROW.findall(first.text)]
    assert shown == [c.id for c in reversed(calls)][:PAGE_SIZE]
    assert f'href="/staff/tickets/{calls[-1].ticket.number}"' in first.text
    assert "1:05" in first.text and "8123" in first.text
    older = first.click(description="Older calls")
    assert [int(i) for i in CALL_ROW.findall(older.text)] == [calls[1].id, calls[0].id]
    assert 'rel="next"' not in older.text


def test_only_after_hours_calls_wear_the_badge(helpdesk, staff):
    logged_call(helpdesk, staff, 1, after_hours=True)
    logged_call(helpdesk, staff, 2)
    helpdesk.login("firstline@example.org")
    assert helpdesk.app.get("/staff/calls").text.count('class="badge after-hours"') == 1


def test_announced_calls_not_logged_are_not_in_the_list(helpdesk, staff):
    helpdesk.dbsession.add(PhoneCall(caller_number="8123",
                                     received_at=last_open_moment(helpdesk)))
    helpdesk.dbsession.flush()
    helpdesk.login("firstline@example.org")
    assert "No calls were logged yet." in helpdesk.app.get("/staff/calls").text


PAGES = ["/staff/calls", "/staff/calls/new", "/staff/calls/incoming"]


@pytest.mark.parametrize("path", PAGES)
def test_an_anonymous_visitor_is_sent_to_log_in(helpdesk, path):
    assert helpdesk.app.get(path, status=303).location.startswith(
        "http://helpdesk.example.org/login?next=")


@pytest.mark.parametrize("who, status", [
    ("user@example.org", 403), ("agent@example.org", 200), ("firstline@example.org", 200),
    ("coordinator@example.org", 200),
])
def test_staff_use_the_phone_pages_and_requesters_do_not(helpdesk, staff, who, status):
    call = PhoneCall(caller_number="8123", received_at=last_open_moment(helpdesk))
    helpdesk.dbsession.add(call)
    helpdesk.dbsession.flush()
    helpdesk.login(who)
    for path in PAGES:
        helpdesk.app.get(path, status=status)
    token = helpdesk.csrf_token("/")
    helpdesk.app.post("/staff/calls/new", {"csrf_token": token}, status=400 if status == 200
                      else 403)
    helpdesk.app.post(f"/staff/calls/incoming/{call.id}/take", {"csrf_token": token},
                      status=303 if status == 200 else 403)
    helpdesk.refresh(call)
    assert (call.taken_by_id is not None) == (status == 200)


def test_the_console_menu_links_to_the_phone_log_on_every_console_page(helpdesk, staff):
    helpdesk.login("firstline@example.org")
    assert 'href="/staff/calls/new"' in helpdesk.app.get("/staff").text
    listed = helpdesk.app.get("/staff/calls").text
    assert re.search(r'<a href="/staff/calls/new"\s+aria-current="page"', listed)


@pytest.mark.parametrize("who, offered", [
    ("agent@example.org", False), ("firstline@example.org", True),
    ("coordinator@example.org", True),
])
def test_only_first_line_and_coordinators_are_offered_dispatch(helpdesk, staff, who, offered):
    helpdesk.login(who)
    page = helpdesk.app.get("/staff/calls/new")
    assert ('name="outcome" value="dispatch"' in page.text) is offered


def test_a_state_change_without_the_csrf_token_is_refused(helpdesk, staff):
    call = PhoneCall(caller_number="8123", received_at=last_open_moment(helpdesk))
    helpdesk.dbsession.add(call)
    helpdesk.dbsession.flush()
    helpdesk.login("firstline@example.org")
    helpdesk.app.post("/staff/calls/new", {"subject": "x"}, status=400)
    helpdesk.app.post(f"/staff/calls/incoming/{call.id}/take", status=400)
    helpdesk.refresh(call)
    assert call.taken_by_id is None


def test_only_the_telephone_systems_endpoint_opts_out_of_csrf(helpdesk):
    from tests.functional.test_view_permissions import route_views

    views = list(route_views(helpdesk.wsgi_app))
    assert [route for route, _, _, csrf in views if csrf is False] == ["phone.incoming"]
    assert {route: permission for route, _, permission, _ in views
            if route.startswith("phone.")} == {
        "phone.calls": "staff", "phone.new": "staff", "phone.incoming_calls": "staff",
        "phone.take": "staff", "phone.incoming": "public"}


def test_the_pages_in_chinese(helpdesk, staff):
    staff.firstline.locale = "zh_CN"
    helpdesk.dbsession.flush()
    helpdesk.login("firstline@example.org")
    form = helpdesk.app.get("/staff/calls/new")
    assert "登记来电" in form.text and "Log a call" not in form.text
    assert "Log a call" not in helpdesk.app.get("/staff/calls").text
    assert "Incoming calls" not in helpdesk.app.get("/staff/calls/incoming").text


def phone_table(name, type_, *_) -> bool:
    """Reflected names compared: the phone table and everything in it."""
    return type_ != "table" or (name or "").startswith("phone_")


def phone_object(obj, name, type_, *_) -> bool:
    """Modelled objects compared: the phone table and its columns, indexes, keys."""
    table = name if type_ == "table" else obj.table.name
    return table.startswith("phone_")


def test_the_migrated_phone_table_matches_the_plugins_model(helpdesk_engine):
    with helpdesk_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "compare_server_default": True,
            "include_name": phone_table, "include_object": phone_object})
        assert compare_metadata(context, Base.metadata) == []
    assert "phone_calls" in Base.metadata.tables


@pytest.mark.parametrize("key, value, expected", [
    ("helpdesk.phone.secret", "too-short", "empty or a secret of at least 32 characters"),
    ("helpdesk.phone.ratelimit", "often", "rates such as 10/minute"),
])
def test_a_wrong_setting_stops_start_up_naming_the_key(helpdesk_engine, helpdesk_database_url,
                                                       tmp_path, key, value, expected):
    settings = make_test_settings(helpdesk_database_url, str(tmp_path),
                                  **{"helpdesk.plugins": "phone", key: value})
    with pytest.raises(ConfigurationError) as refused:
        build_app(settings, helpdesk_engine)
    message = str(refused.value)
    assert message.startswith(f"setting {key}: expected {expected}") and "\n" not in message
    assert "too-short" not in message  # a secret is never echoed


def test_the_channel_is_registered_with_its_translated_title(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, channel="phone")
    staff.firstline.locale = "zh_CN"
    helpdesk.dbsession.flush()
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get(f"/staff/tickets/{ticket.number}").text
    assert re.search(r"</dt><dd>电话</dd>", page) and "Phone call" not in page
    assert helpdesk.plugins.channels["phone"].name == "phone"
