"""Notifications delivered through a real SMTP server (aiosmtpd on 127.0.0.1): what
arrives, over which kind of connection, and what happens when the server says no or
is not there at all."""
from __future__ import annotations

import re
import smtplib
import ssl
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk_email.outgoing import parse_helpdesk_message_id
from helpdesk_email.smtp import (
    PermanentDeliveryError,
    SmtpDeliveryError,
    SmtpNotifier,
    read_smtp_settings,
)
from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.notifications.delivery import OutgoingMessage, deliver_due
from pyramid_helpdesk.notifications.models import DeliveryStatus, Notification
from pyramid_helpdesk.notifications.services import Outbox
from pyramid_helpdesk.settings import SettingsError

from .conftest import Authenticator, free_port


def notification(kind="ticket_created", recipient="user@example.net", **fields):
    values = dict(
        id=12, kind=kind, recipient=recipient, ticket_id=42, data={"ticket": "HD-000042"},
        subject="[HD-000042] 无法连接无线网络", body="您好，\n\n工单 HD-000042 已登记。\n",
    )
    values.update(fields)
    return OutgoingMessage(**values)


# -- what arrives ------------------------------------------------------------------------


def test_a_notification_arrives_with_its_envelope_headers_and_both_bodies(
        smtp_server, make_notifier):
    body = ("您好，\n\n您的请求已登记为工单 HD-000042。\n"
            "查看进度：http://helpdesk.example.org/tickets/HD-000042\n")
    make_notifier(smtp_server.port).deliver(notification(
        recipient="zhang.wei@example.net", subject="[HD-000042] 三楼会议室投影仪无法开机",
        body=body,
    ))

    [got] = smtp_server.received
    assert got.mail_from == "helpdesk@example.org"
    assert got.rcpt_tos == ["zhang.wei@example.net"]
    assert not got.encrypted
    mail = got.message
    assert mail["Subject"] == "[HD-000042] 三楼会议室投影仪无法开机"
    assert mail["From"].addresses[0].display_name == "IT 帮助台"
    assert str(mail["Reply-To"]) == "IT 帮助台 <helpdesk@example.org>"
    assert mail["To"] == "zhang.wei@example.net"
    assert re.fullmatch(r"<hd\.HD-000042\.12\.[0-9a-f]{16}@example\.org>", mail["Message-ID"])
    assert mail["In-Reply-To"] == mail["References"] == "<hd.HD-000042@example.org>"
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["X-Helpdesk-Loop"] == "example.org"
    assert mail["X-Helpdesk-Ticket"] == "HD-000042"
    assert mail["Precedence"] is None
    plain, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert plain.get_content().replace("\r\n", "\n") == body
    assert ('<a href="http://helpdesk.example.org/tickets/HD-000042">'
            in html.get_content())
    assert "您的请求已登记为工单 HD-000042。" in html.get_content()


@pytest.mark.parametrize(("kind", "auto_submitted"), [
    ("ticket_created", "auto-replied"),
    ("ticket_assigned", "auto-generated"),
    ("ticket_forwarded", "auto-generated"),
    ("ticket_resolved", "auto-generated"),
    ("ticket_nudged", "auto-generated"),
    ("message_public", None),
    ("message_internal", None),
])
def test_only_automatic_mail_arrives_marked_auto_submitted(
        smtp_server, make_notifier, kind, auto_submitted):
    make_notifier(smtp_server.port).deliver(notification(kind))
    [got] = smtp_server.received
    assert got.message["Auto-Submitted"] == auto_submitted
    assert parse_helpdesk_message_id(got.message["Message-ID"], "example.org") == "HD-000042"


# -- logging in and encrypting -----------------------------------------------------------


def test_the_helpdesk_logs_in_with_auth_login_when_a_user_name_is_set(
        smtp_server_factory, make_notifier):
    authenticator = Authenticator({"helpdesk": "correct horse"})
    server = smtp_server_factory(authenticator=authenticator, auth_require_tls=False,
                                 auth_exclude_mechanism=["PLAIN"])

    make_notifier(server.port, username="helpdesk", password="correct horse").deliver(
        notification())

    assert authenticator.attempts == [("LOGIN", "helpdesk", True)]
    assert len(server.received) == 1


def test_a_wrong_password_is_refused_and_never_shown(smtp_server_factory, make_notifier):
    authenticator = Authenticator({"helpdesk": "correct horse"})
    server = smtp_server_factory(authenticator=authenticator, auth_require_tls=False,
                                 auth_exclude_mechanism=["PLAIN"])

    with pytest.raises(SmtpDeliveryError) as caught:
        make_notifier(server.port, username="helpdesk", password="battery staple").deliver(
            notification())

    assert isinstance(caught.value.__cause__, smtplib.SMTPAuthenticationError)
    assert not isinstance(caught.value, PermanentDeliveryError)
    assert "535" in str(caught.value) and "battery staple" not in str(caught.value)
    assert authenticator.attempts == [("LOGIN", "helpdesk", False)]
    assert server.received == []


def test_starttls_with_a_self_signed_certificate_needs_verify_tls_off(
        smtp_server_factory, make_notifier, server_tls_context):
    authenticator = Authenticator({"helpdesk": "correct horse"})
    # aiosmtpd refuses AUTH before STARTTLS here (auth_require_tls defaults to true).
    server = smtp_server_factory(tls_context=server_tls_context, require_starttls=True,
                                 authenticator=authenticator)
    login = {"username": "helpdesk", "password": "correct horse"}

    with pytest.raises(SmtpDeliveryError) as caught:
        make_notifier(server.port, security="starttls", **login).deliver(notification())
    assert isinstance(caught.value.__cause__, ssl.SSLCertVerificationError)
    assert server.received == [] and authenticator.attempts == []

    make_notifier(server.port, security="starttls", verify_tls=False, **login).deliver(
        notification())
    [got] = server.received
    assert got.encrypted
    assert authenticator.attempts == [("PLAIN", "helpdesk", True)]  # smtplib prefers PLAIN


def test_starttls_is_never_skipped_when_the_server_does_not_offer_it(
        smtp_server, make_notifier):
    with pytest.raises(SmtpDeliveryError) as caught:
        make_notifier(smtp_server.port, security="starttls", verify_tls=False).deliver(
            notification())
    assert isinstance(caught.value.__cause__, smtplib.SMTPNotSupportedError)
    assert smtp_server.received == []


def test_implicit_tls_with_a_self_signed_certificate_needs_verify_tls_off(
        smtp_server_factory, make_notifier, server_tls_context):
    server = smtp_server_factory(ssl_context=server_tls_context)

    with pytest.raises(SmtpDeliveryError) as caught:
        make_notifier(server.port, security="ssl").deliver(notification())
    assert isinstance(caught.value.__cause__, ssl.SSLCertVerificationError)
    assert server.received == []

    make_notifier(server.port, security="ssl", verify_tls=False).deliver(notification())
    [got] = server.received
    assert got.encrypted
    assert got.message["Subject"] == "[HD-000042] 无法连接无线网络"


def test_a_plain_client_cannot_talk_to_an_implicit_tls_server(
        smtp_server_factory, make_notifier, server_tls_context):
    server = smtp_server_factory(ssl_context=server_tls_context)
    with pytest.raises(SmtpDeliveryError):
        make_notifier(server.port, timeout=1.0).deliver(notification())
    assert server.received == []


# -- failures ------------------------------------------------------------------------------


def test_a_server_that_is_down_raises_naming_it(make_notifier):
    port = free_port()
    with pytest.raises(SmtpDeliveryError) as caught:
        make_notifier(port).deliver(notification())
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert not isinstance(caught.value, PermanentDeliveryError)


def test_a_recipient_refused_for_good_raises_a_permanent_error(
        smtp_server_factory, make_notifier):
    server = smtp_server_factory(refuse={
        "gone@example.net": "550 5.1.1 <gone@example.net>: mailbox unavailable"})

    with pytest.raises(PermanentDeliveryError) as caught:
        make_notifier(server.port).deliver(notification(recipient="gone@example.net"))

    assert caught.value.recipient == "gone@example.net"
    assert caught.value.code == 550
    assert "mailbox unavailable" in str(caught.value)
    assert server.received == []


def test_a_recipient_refused_for_now_is_an_ordinary_failure(smtp_server_factory, make_notifier):
    server = smtp_server_factory(refuse={
        "busy@example.net": "450 4.2.1 <busy@example.net>: try again later"})
    with pytest.raises(SmtpDeliveryError) as caught:
        make_notifier(server.port).deliver(notification(recipient="busy@example.net"))
    assert not isinstance(caught.value, PermanentDeliveryError)
    assert "450" in str(caught.value)


# -- through the outbox worker -------------------------------------------------------------


def test_notifications_queued_while_smtp_is_down_are_each_delivered_once_it_is_back(
        helpdesk, staff, smtp_server_factory, make_notifier):
    # A helpdesk whose active notifier is "smtp": a ticket with a CC, a staff reply, the fix.
    tickets = helpdesk.tickets
    tickets.outbox = Outbox(helpdesk.dbsession, ["smtp"])
    ticket = tickets.create(requester=staff.user, subject="VPN 连接失败", channel="staff",
                            cc=["colleague@example.net"])
    tickets.reply(ticket, author=staff.firstline, body="请重启路由器后再试。")
    tickets.resolve(ticket, actor=staff.firstline)
    helpdesk.dbsession.flush()
    rows = helpdesk.dbsession.scalars(
        select(Notification).where(Notification.ticket_id == ticket.id)
        .order_by(Notification.id)).all()
    assert {row.kind for row in rows} == {"ticket_created", "message_public", "ticket_resolved",
                                          "rating_invitation"}
    assert all(row.notifier == "smtp" for row in rows)

    port = free_port()
    notifiers = {"smtp": make_notifier(port)}
    worker = dict(batch_size=50, max_attempts=8, backoff=timedelta(seconds=30))
    down_at = utcnow()

    report = deliver_due(helpdesk.dbsession, notifiers, now=down_at, **worker)
    assert (report.sent, report.retried, report.failed) == (0, len(rows), 0)
    for row in rows:
        assert row.status is DeliveryStatus.pending and row.attempts == 1
        assert f"127.0.0.1:{port}" in row.last_error
        assert row.next_attempt_at == down_at + timedelta(seconds=30)

    # Before the back-off has passed the worker leaves them alone.
    assert deliver_due(helpdesk.dbsession, notifiers, now=down_at + timedelta(seconds=10),
                       **worker).handled == 0

    server = smtp_server_factory(port=port)
    report = deliver_due(helpdesk.dbsession, notifiers, now=down_at + timedelta(seconds=31),
                         **worker)
    assert (report.sent, report.retried, report.failed) == (len(rows), 0, 0)
    assert deliver_due(helpdesk.dbsession, notifiers, now=down_at + timedelta(hours=1),
                       **worker).handled == 0

    for row in rows:
        assert row.status is DeliveryStatus.sent and row.attempts == 2
        assert row.last_error is None
    message_ids = [got.message["Message-ID"] for got in server.received]
    assert len(message_ids) == len(set(message_ids)) == len(rows)
    sent = sorted((got.rcpt_tos[0], got.message["Message-ID"].split(".")[2])
                  for got in server.received)
    assert sent == sorted((row.recipient, str(row.id)) for row in rows)
    assert {got.message["References"] for got in server.received} == {
        f"<hd.{ticket.number}@example.org>"}


# -- settings ------------------------------------------------------------------------------


def test_defaults_come_from_the_core_settings(helpdesk):
    notifier = SmtpNotifier(read_smtp_settings(helpdesk.settings))
    settings = notifier.settings
    assert notifier.name == "smtp"
    assert (settings.host, settings.port, settings.security) == ("localhost", 25, "none")
    assert (settings.username, settings.password) == (None, None)
    assert settings.timeout == 30.0 and settings.verify_tls is True
    assert settings.outgoing.envelope_sender == helpdesk.settings.mail_sender
    assert settings.outgoing.message_id_domain == helpdesk.settings.mail_sender.split("@")[1]
    assert settings.outgoing.site_name == helpdesk.settings.site_name


def test_every_setting_is_read(monkeypatch):
    monkeypatch.setenv("HELPDESK_TEST_SMTP_PASSWORD", "s3cret pass")
    settings = read_smtp_settings({
        "helpdesk.site_name": "IT Helpdesk",
        "helpdesk.mail.sender": "noreply@example.org",
        "helpdesk.email.address": "IT 帮助台 <support@example.org>",
        "helpdesk.email.message_id_domain": "Mail.Example.NET",
        "helpdesk.email.smtp.host": "smtp.example.org",
        "helpdesk.email.smtp.port": "587",
        "helpdesk.email.smtp.security": "STARTTLS",
        "helpdesk.email.smtp.username": "helpdesk",
        "helpdesk.email.smtp.password": "env:HELPDESK_TEST_SMTP_PASSWORD",
        "helpdesk.email.smtp.timeout": "1m",
        "helpdesk.email.smtp.verify_tls": "no",
    })
    assert (settings.host, settings.port, settings.security) == ("smtp.example.org", 587,
                                                                  "starttls")
    assert (settings.username, settings.password) == ("helpdesk", "s3cret pass")
    assert settings.timeout == 60.0 and settings.verify_tls is False
    assert settings.outgoing.service_address == "IT 帮助台 <support@example.org>"
    assert settings.outgoing.envelope_sender == "support@example.org"
    assert settings.outgoing.message_id_domain == "mail.example.net"
    assert "s3cret" not in repr(settings)


def test_the_message_id_domain_follows_the_service_address():
    settings = read_smtp_settings({"helpdesk.email.address": "Support <it@example.net>"})
    assert settings.outgoing.message_id_domain == "example.net"
    assert str(settings.outgoing.sender) == "Support <it@example.net>"


@pytest.mark.parametrize(("key", "value"), [
    ("helpdesk.email.smtp.host", "smtp example org"),
    ("helpdesk.email.smtp.port", "smtp"),
    ("helpdesk.email.smtp.port", "70000"),
    ("helpdesk.email.smtp.security", "tls"),
    ("helpdesk.email.smtp.timeout", "soon"),
    ("helpdesk.email.smtp.timeout", "0s"),
    ("helpdesk.email.smtp.verify_tls", "maybe"),
    ("helpdesk.email.address", "Helpdesk <helpdesk>"),
    ("helpdesk.email.message_id_domain", "example org"),
    ("helpdesk.email.message_id_domain", "localhost"),
    ("helpdesk.mail.sender", "nobody"),
])
def test_a_wrong_value_stops_start_up_naming_its_key(key, value):
    with pytest.raises(SettingsError) as caught:
        read_smtp_settings({key: value})
    message = str(caught.value)
    assert caught.value.key == key
    assert message.startswith(f"setting {key}: expected ") and "\n" not in message


def test_a_user_name_without_a_password_is_refused():
    with pytest.raises(SettingsError) as caught:
        read_smtp_settings({"helpdesk.email.smtp.username": "helpdesk"})
    assert caught.value.key == "helpdesk.email.smtp.password"


def test_a_password_is_never_shown_in_an_error():
    with pytest.raises(SettingsError) as caught:
        read_smtp_settings({"helpdesk.email.smtp.password": "env:HELPDESK_TEST_NO_SUCH_VAR"})
    assert caught.value.key == "helpdesk.email.smtp.password"
    with pytest.raises(SettingsError) as caught:
        read_smtp_settings({"helpdesk.email.smtp.password": "hunter2-hunter2"})
    assert caught.value.key == "helpdesk.email.smtp.username"
    assert "hunter2" not in str(caught.value)
