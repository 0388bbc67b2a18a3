"""What the registration, password-reset and rate-limit tests share: a helpdesk of
their own (fresh rate-limit counters, settings of their own), the account mails
in the outbox and the links in them, and filling in the forms."""
from __future__ import annotations

import contextlib
import re

from sqlalchemy import select

from pyramid_helpdesk.notifications.models import Notification
from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back

PASSWORD = "correct horse battery"
BASE_URL = "http://helpdesk.example.org"
SETTINGS = {"helpdesk.plugins": "web", "helpdesk.base_url": BASE_URL}


@contextlib.contextmanager
def own_helpdesk(engine, database_url: str, directory: str, **overrides: str):
    """A rolled-back helpdesk on an app of its own, built with ``overrides``."""
    settings = make_test_settings(database_url, directory, **{**SETTINGS, **overrides})
    with rolled_back(build_app(settings, engine), engine) as desk:
        yield desk


def mails_to(desk, address: str, kind: str | None = None) -> list[Notification]:
    """The outbox rows for ``address`` (of ``kind``), oldest first."""
    query = select(Notification).where(Notification.recipient == address)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(desk.dbsession.scalars(query.order_by(Notification.id)))


def link_in(mail: Notification) -> str:
    """The path of the link to this site in a mail's body."""
    match = re.search(re.escape(BASE_URL) + r"(/\S+)", mail.body)
    assert match, mail.body
    return match.group(1)


def csrf_token(desk) -> str:
    """The browser session's CSRF token, read from the page ``/login`` leads to (the login
    form, or the first-login profile page for a person who just logged in)."""
    page = desk.app.get("/login").maybe_follow()
    return page.html.select_one("input[name=csrf_token]")["value"]


def post(desk, path: str, fields: dict, *, status=None, client: str | None = None,
         headers=None):
    """Submit a form of the site with the browser's CSRF token, from ``client``'s IP."""
    environ = {"REMOTE_ADDR": client} if client else {}
    return desk.app.post(path, {**fields, "csrf_token": csrf_token(desk)},
                         status=status, extra_environ=environ, headers=headers or {})


def logout(desk) -> None:
    """Log out with the header's button."""
    post(desk, "/logout", {}, status=303)


def register(desk, email: str, *, name: str = "Ada Example", password: str = PASSWORD,
             confirm: str | None = None, locale: str = "en", status=200,
             client: str | None = None):
    """Fill in and submit the registration form."""
    return post(desk, "/register", {
        "email": email, "name": name, "password": password,
        "password_confirm": password if confirm is None else confirm, "locale": locale,
    }, status=status, client=client)


def login(desk, email: str, password: str = PASSWORD, *, status=None,
          client: str | None = None):
    """Submit the login form."""
    return post(desk, "/login", {"login": email, "password": password}, status=status,
                client=client)


def field(page, name: str):
    """The form control called ``name`` on a page."""
    return page.html.select_one(f"[name={name}]")
