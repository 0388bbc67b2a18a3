"""Browser tests: Debian's Chromium, driven by Playwright, against a real server.

The site is the real application served by a WSGI server in a thread, on a
SQLite database of its own with the demo data, with the web channel. Chromium
is the system's (``/usr/bin/chromium``, installed by ``.ci/run``); Playwright's
own browser downloads are never used. Screenshots of the pages the tests pass
through are written to ``test-artifacts/screenshots`` for people to look at.
"""
from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import pytest
from webtest.http import StopableWSGIServer

from pyramid_helpdesk.db import get_engine
from pyramid_helpdesk.demo import load_demo
from pyramid_helpdesk.migrations import reset_database
from pyramid_helpdesk.testing import build_app, make_test_settings
from pyramid_helpdesk.tickets.services import TicketService

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"{CHROMIUM} is missing (apt-get install chromium)")


class Site:
    """The running helpdesk: its URL, its settings and a way to read its database."""

    def __init__(self, url: str, app, settings: dict[str, str]):
        self.url = url.rstrip("/")
        self.app = app
        self.settings = settings

    def session(self):
        """A database session on the site's database (commit what you change)."""
        return self.app.registry["dbsession_factory"]()

    def mails_to(self, address: str) -> list[str]:
        """The bodies of the notifications queued for ``address``, oldest first."""
        from sqlalchemy import select

        from pyramid_helpdesk.notifications.models import Notification

        with self.session() as session:
            return list(session.scalars(
                select(Notification.body).where(Notification.recipient == address)
                .order_by(Notification.id)))

    def link_in_last_mail_to(self, address: str) -> str:
        """The first link to this site in the newest mail to ``address``."""
        body = self.mails_to(address)[-1]
        base = re.escape(self.settings["helpdesk.base_url"])
        return re.search(base + r"\S+", body).group(0)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The helpdesk with its demo data, served on a free loopback port for the session."""
    directory = tmp_path_factory.mktemp("browser-site")
    port = free_port()
    settings = make_test_settings(
        f"sqlite:///{directory / 'helpdesk.sqlite'}", str(directory),
        **{"helpdesk.plugins": "web", "helpdesk.base_url": f"http://127.0.0.1:{port}"})
    engine = get_engine(settings)
    reset_database(engine)
    app = build_app(settings, engine)
    with app.registry["dbsession_factory"]() as session:
        registry = app.registry
        load_demo(session, TicketService(session, registry.helpdesk_settings,
                                         registry.helpdesk_plugins), registry.helpdesk_settings)
        session.commit()
    server = StopableWSGIServer.create(app, host="127.0.0.1", port=port)
    try:
        yield Site(server.application_url, app, settings)
    finally:
        server.shutdown()
        engine.dispose()


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless, for the whole session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=["en-US", "zh-CN"])
def browser_locale(request) -> str:
    """Each test runs once with an English and once with a Chinese browser."""
    return request.param


@pytest.fixture
def page(chromium, browser_locale):
    """A fresh browser tab (no cookies) whose Accept-Language is ``browser_locale``."""
    context = chromium.new_context(locale=browser_locale, viewport={"width": 1100, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshot(page, browser_locale):
    """``screenshot(name)`` saves the page as test-artifacts/screenshots/<name>-<locale>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}-{browser_locale}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def open_tab(chromium, browser_locale):
    """``open_tab()``: a tab in a browser context of its own (its own cookies, so
    another person), in ``browser_locale``; ``open_tab(phone=True)`` is a 390 px
    wide touch screen. Every context opened is closed after the test."""
    contexts = []

    def open_one(phone: bool = False):
        if phone:
            context = chromium.new_context(locale=browser_locale,
                                           viewport={"width": 390, "height": 844},
                                           is_mobile=True, has_touch=True)
        else:
            context = chromium.new_context(locale=browser_locale,
                                           viewport={"width": 1100, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_one
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot_of(browser_locale):
    """``screenshot_of(tab, name)`` saves any tab as screenshots/<name>-<locale>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(tab, name: str) -> Path:
        path = SCREENSHOTS / f"{name}-{browser_locale}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return take
