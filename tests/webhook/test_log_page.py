"""The delivery log: coordinators and admins see every webhook delivery, its payload
and attempts, and send a failed one again."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.notifications.models import DeliveryStatus, Notification
from pyramid_helpdesk.testing import counted_statements

from .conftest import run_worker, webhook_rows


def rows_shown(page) -> list[dict[str, str]]:
    """The log's table, one dict of cell texts per row."""
    table = page.html.select_one("table.webhook-deliveries")
    if table is None:
        return []
    names = [th.get_text(" ", strip=True) for th in table.select("thead th")]
    return [dict(zip(names, [td.get_text(" ", strip=True) for td in tr.select("td")], strict=True))
            for tr in table.select("tbody tr")]


@pytest.fixture
def delivered(helpdesk, staff, receiver):
    """A ticket whose ``ops`` creation webhook failed for good (410) and whose other
    deliveries went through."""
    ticket = helpdesk.ticket(staff.user, subject="Printer jam")
    receiver.answers.append(410)
    run_worker(helpdesk)
    return ticket


def test_a_coordinator_sees_each_delivery_with_its_outcome(helpdesk, staff, delivered):
    helpdesk.login("coordinator@example.org")
    page = helpdesk.app.get("/staff/webhooks")

    assert page.html.select_one("h1").get_text() == "Webhook deliveries"
    assert rows_shown(page) == [
        {"Event": f"ticket.created {row_time}", "Ticket": delivered.number, "Endpoint": endpoint,
         "Status": status, "Attempts": "1", "Last outcome": outcome, "Next attempt": ""}
        for row_time, endpoint, status, outcome in [
            (_local(helpdesk, "audit"), "audit", "Delivered", "HTTP 200"),
            (_local(helpdesk, "ops"), "ops", "Failed", "WebhookRefused: HTTP 410: not accepted"),
        ]
    ]
    link = page.html.select_one(f'a[href="/staff/tickets/{delivered.number}"]')
    assert link is not None
    endpoints = page.html.select_one("section.endpoints").get_text(" ", strip=True)
    assert "ops" in endpoints and "audit" in endpoints and "with internal notes" in endpoints
    assert "webhook-secret" not in page.text and "/hooks/" not in page.text  # origin only
    menu = page.html.select_one("nav.console a[aria-current=page]")
    assert menu.get_text() == "Webhooks"


def _local(helpdesk, endpoint):
    """When the endpoint's only delivery was queued, as the page shows it."""
    row, = webhook_rows(helpdesk, recipient=endpoint)
    return row.created_at.astimezone(helpdesk.settings.timezone).strftime("%Y-%m-%d %H:%M")


def test_a_pending_delivery_shows_when_it_is_tried_next(helpdesk, staff, receiver):
    helpdesk.ticket(staff.user, subject="Printer jam")
    receiver.answers.extend([500, 500])
    run_worker(helpdesk)
    helpdesk.login("coordinator@example.org")

    shown = rows_shown(helpdesk.app.get("/staff/webhooks", {"status": "pending"}))

    assert [(r["Endpoint"], r["Status"], r["Last outcome"]) for r in shown] == [
        ("audit", "Pending", "WebhookError: HTTP 500: temporarily unavailable"),
        ("ops", "Pending", "WebhookError: HTTP 500: temporarily unavailable")]
    row = webhook_rows(helpdesk, recipient="ops")[0]
    assert shown[1]["Next attempt"] == row.next_attempt_at.astimezone(
        helpdesk.settings.timezone).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("who", ["agent@example.org", "firstline@example.org",
                                 "user@example.org"])
def test_agents_and_requesters_may_not_see_the_log(helpdesk, staff, delivered, who):
    row = webhook_rows(helpdesk, recipient="ops")[0]
    helpdesk.login(who)

    helpdesk.app.get("/staff/webhooks", status=403)
    helpdesk.app.get(f"/staff/webhooks/{row.id}", status=403)
    token = helpdesk.csrf_token("/")
    helpdesk.app.post(f"/staff/webhooks/{row.id}/retry", {"csrf_token": token}, status=403)
    helpdesk.refresh(row)
    assert row.status is DeliveryStatus.failed
    if who != "user@example.org":
        assert "/staff/webhooks" not in helpdesk.app.get("/staff").text  # no menu link


def test_an_admin_sees_it_and_a_visitor_is_asked_to_log_in(helpdesk, staff, delivered):
    assert helpdesk.app.get("/staff/webhooks", status=303).location.startswith(
        "http://helpdesk.example.org/login")
    helpdesk.person("admin@example.org", "admin")
    helpdesk.login("admin@example.org")
    assert len(rows_shown(helpdesk.app.get("/staff/webhooks"))) == 2


def test_the_detail_shows_the_payload_escaped_and_every_attempt(helpdesk, staff, receiver):
    ticket = helpdesk.ticket(staff.user, subject="<script>alert('x')</script> 打印机")
    receiver.answers.append(500)
    run_worker(helpdesk)
    row, = webhook_rows(helpdesk, recipient="ops")
    row.next_attempt_at = utcnow()
    helpdesk.dbsession.flush()
    run_worker(helpdesk)
    helpdesk.login("coordinator@example.org")

    page = helpdesk.app.get(f"/staff/webhooks/{row.id}")

    assert "<script>alert" not in page.text
    payload = page.html.select_one("pre.payload").get_text()
    assert json.loads(payload) == json.loads(row.body)
    assert '\n  "event": "ticket.created",' in payload  # indented for reading
    assert "打印机" in payload
    attempts = [[td.get_text(" ", strip=True) for td in tr.select("td")]
                for tr in page.html.select("table.webhook-attempts tbody tr")]
    assert [a[1:3] for a in attempts] == [
        ["failed", "WebhookError: HTTP 500: temporarily unavailable"],
        ["delivered", "HTTP 200"]]
    facts = page.html.select_one("dl.facts").get_text(" ", strip=True)
    assert ticket.number in facts and json.loads(row.body)["id"] in facts
    assert page.html.select_one("form.retry") is None  # delivered: nothing to retry


def test_other_notifications_and_unknown_ids_are_not_found(helpdesk, staff, delivered):
    mail = helpdesk.dbsession.scalars(select(Notification).where(
        Notification.notifier == "mailfile")).first()
    helpdesk.login("coordinator@example.org")

    helpdesk.app.get(f"/staff/webhooks/{mail.id}", status=404)
    helpdesk.app.get("/staff/webhooks/999999999", status=404)
    helpdesk.app.post(f"/staff/webhooks/{mail.id}/retry",
                      {"csrf_token": helpdesk.csrf_token("/")}, status=404)


def test_filters_by_endpoint_status_and_event(helpdesk, staff, receiver):
    ticket = helpdesk.ticket(staff.user, subject="Printer jam")
    helpdesk.tickets.reply(ticket, body="Which printer?", author=staff.firstline)
    helpdesk.dbsession.flush()
    receiver.answers.append(404)  # the first delivery: ops, ticket.created
    run_worker(helpdesk)
    helpdesk.login("coordinator@example.org")

    def shown(**query):
        page = helpdesk.app.get("/staff/webhooks", query)
        return [(r["Event"].split()[0], r["Endpoint"], r["Status"]) for r in rows_shown(page)]

    assert shown(endpoint="audit") == [("message.added", "audit", "Delivered"),
                                       ("ticket.created", "audit", "Delivered")]
    assert shown(status="failed") == [("ticket.created", "ops", "Failed")]
    assert shown(event="message.added", endpoint="ops") == [
        ("message.added", "ops", "Delivered")]
    assert len(shown(status="nonsense", event="<b>", endpoint="a b")) == 4  # ignored
    page = helpdesk.app.get("/staff/webhooks", {"event": "message.added"})
    assert page.html.select_one("#f-event option[selected]")["value"] == "message.added"


def test_pages_are_keyed_newest_first(helpdesk, staff):
    for n in range(13):  # 26 deliveries: ops and audit for each new ticket
        helpdesk.ticket(staff.user, subject=f"Printer jam {n}")
    ids = [row.id for row in reversed(webhook_rows(helpdesk))]
    helpdesk.login("coordinator@example.org")

    first = helpdesk.app.get("/staff/webhooks")
    assert len(rows_shown(first)) == 25
    assert first.html.select_one("tbody tr")["id"] == f"delivery-{ids[0]}"
    older = first.html.select_one("nav.pager a[rel=next]")["href"]
    assert older == f"/staff/webhooks?before={ids[24]}"
    assert first.html.select_one("nav.pager a[rel=prev]") is None

    second = helpdesk.app.get(older)
    assert [tr["id"] for tr in second.html.select("tbody tr")] == [f"delivery-{ids[25]}"]
    assert second.html.select_one("nav.pager a[rel=next]") is None
    newer = second.html.select_one("nav.pager a[rel=prev]")["href"]
    assert newer == f"/staff/webhooks?after={ids[25]}"

    back = helpdesk.app.get(newer)
    assert [tr["id"] for tr in back.html.select("tbody tr")] == [
        f"delivery-{i}" for i in ids[:25]]
    assert back.html.select_one("nav.pager a[rel=prev]") is None
    filtered = helpdesk.app.get("/staff/webhooks", {"endpoint": "ops"})
    assert len(rows_shown(filtered)) == 13 and filtered.html.select_one("nav.pager") is None


def test_retry_now_needs_the_csrf_token_and_queues_a_failed_delivery_again(
        helpdesk, staff, receiver, delivered):
    row, = webhook_rows(helpdesk, recipient="ops")
    assert row.status is DeliveryStatus.failed
    helpdesk.login("coordinator@example.org")
    page = helpdesk.app.get(f"/staff/webhooks/{row.id}")
    form = page.html.select_one("form.retry")
    assert form["action"] == f"/staff/webhooks/{row.id}/retry"

    helpdesk.app.post(form["action"], {}, status=400)
    helpdesk.app.post(form["action"], {"csrf_token": "forged"}, status=400)
    helpdesk.refresh(row)
    assert row.status is DeliveryStatus.failed

    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = helpdesk.app.post(form["action"], {"csrf_token": token}, status=303)
    assert response.location.endswith(f"/staff/webhooks/{row.id}")
    helpdesk.refresh(row)
    assert (row.status, row.attempts) == (DeliveryStatus.pending, 0)
    assert "Queued again" in response.follow().text

    receiver.reset()
    assert run_worker(helpdesk).sent == 1
    assert [p["event"] for p in receiver.payloads("/hooks/ops")] == ["ticket.created"]
    helpdesk.refresh(row)
    assert row.status is DeliveryStatus.sent
    again = helpdesk.app.post(form["action"], {"csrf_token": token}, status=303).follow()
    assert "Only a failed delivery can be retried." in again.text


def test_the_log_speaks_chinese(helpdesk, staff, delivered):
    helpdesk.login("coordinator@example.org")
    page = helpdesk.app.get("/staff/webhooks", headers={"Accept-Language": "zh-CN"})

    assert page.html.select_one("h1").get_text() == "Webhook 投递记录"
    assert {r["状态"] for r in rows_shown(page)} == {"已送达", "失败"}


def test_every_view_of_the_plugin_needs_coordinate_and_checks_csrf(webhook_app):
    views = {}
    for view in webhook_app.registry.introspector.get_category("views"):
        item = view["introspectable"]
        if (item["route_name"] or "").startswith("webhook."):
            permissions = [r["value"] for r in view["related"]
                           if r.category_name == "permissions"]
            views[item["route_name"]] = (permissions, item["require_csrf"])
    assert views == {name: (["coordinate"], None) for name in (
        "webhook.deliveries", "webhook.delivery", "webhook.retry")}


def test_a_page_runs_as_many_statements_for_many_deliveries_as_for_few(
        helpdesk, helpdesk_engine, staff, receiver):
    def selects(path):
        with counted_statements(helpdesk_engine) as statements:
            helpdesk.app.get(path)
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])

    helpdesk.ticket(staff.user, subject="Printer jam")
    receiver.answers.append(500)
    run_worker(helpdesk)
    helpdesk.login("coordinator@example.org")
    pages = ["/staff/webhooks", "/staff/webhooks?status=pending&endpoint=ops"]
    for path in pages:
        helpdesk.app.get(path)  # warm
    few = [selects(path) for path in pages]
    for n in range(20):
        helpdesk.ticket(staff.user, subject=f"Printer jam {n}")
    receiver.answers.extend([500] * 20)
    run_worker(helpdesk)

    assert [selects(path) for path in pages] == few
    assert len(rows_shown(helpdesk.app.get(pages[0]))) == 25
    assert max(few) <= 4  # the person, their groups, the deliveries, their attempts


def test_a_delivery_in_chinese_lists_its_attempts_not_a_count(helpdesk, staff, delivered):
    # Found by hand: the heading over the attempts read 尝试次数, "number of attempts".
    helpdesk.login("coordinator@example.org")
    row = webhook_rows(helpdesk, kind="ticket.created", recipient="ops")[0]
    page = helpdesk.app.get(f"/staff/webhooks/{row.id}", headers={"Accept-Language": "zh-CN"})
    assert "投递尝试记录" in [h.get_text(strip=True) for h in page.html.select("h2")]
    table = page.html.select_one("table.webhook-attempts")
    assert table.caption.get_text(strip=True) == "各次尝试（最早的在前）"
    assert "tickets" in table["class"]  # the padded, ruled table of the other lists


def test_on_phones_the_log_scrolls_sideways_rather_than_cutting_its_cells(helpdesk, staff,
                                                                          delivered):
    # Found by hand at 390 px: ticket numbers, 接收端 and "HTTP 200" were cut into a
    # character a line, each row a screen tall. The log's cells keep their text whole.
    helpdesk.login("coordinator@example.org")
    page = helpdesk.app.get("/staff/webhooks")
    sheet = page.html.select_one("link[href*='webhook.css']")["href"]
    css = re.sub(r"\s+", " ", helpdesk.app.get(sheet).text)
    assert "table.webhook-deliveries th, table.webhook-deliveries td," in css
    assert re.search(r"table\.webhook-attempts td \{ white-space:nowrap; \}", css)
