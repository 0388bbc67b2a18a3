"""First line's day in a real browser (seed section 3), in English and in Chinese.

A first-line member logs a ticket for a caller and dispatches it; a second-line
member of the group answers it, notes, and forwards it to an outside address
whose delegate link works until it is revoked; first line follows the ticket on
the unprocessed list and its flow, and nudges the holder. Each person is a
browser context of their own (their own cookies). Accounts are the demo's:
``firstline@`` (coordinator, first line), ``secondline@`` (agent, Network) and
``user@`` (requester). Controls are found by name or id, so the same steps run
in both languages; the assertions check the text each language shows.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from pyramid_helpdesk.demo import DEMO_PASSWORD
from pyramid_helpdesk.groups.services import find_group
from pyramid_helpdesk.i18n import _, localizer_for
from pyramid_helpdesk.people.services import find_by_email
from pyramid_helpdesk.tickets.models import Ticket
from pyramid_helpdesk.tickets.services import TicketService

FIRST_LINE = "firstline@example.org"
SECOND_LINE = "secondline@example.org"
REQUESTER = "user@example.org"
STAFF_TICKET = re.compile(r"/staff/tickets/(HD-\d{6})(#.*)?$")
#: The console pages a phone must show without sideways scrolling ({number}: a ticket).
PHONE_PAGES = ("/staff", "/staff/tickets/{number}", "/staff/tickets/{number}/dispatch",
               "/staff/tickets/{number}/flow", "/staff/new", "/staff/inbox",
               "/staff/undispatched", "/staff/unprocessed", "/staff/search?q=Wi-Fi",
               "/staff/duty")


def shown(browser_locale: str, msgid: str, **mapping) -> str:
    """``msgid`` as the page shows it to a browser in ``browser_locale``."""
    language = "zh_CN" if browser_locale.startswith("zh") else "en"
    return localizer_for(language).translate(_(msgid, mapping=mapping or None))


def log_in(tab, site, email: str) -> None:
    """Sign in through the login form and wait to leave it."""
    tab.goto(site.url + "/login")
    tab.locator("input[name=login]").fill(email)
    tab.locator("input[name=password]").fill(DEMO_PASSWORD)
    tab.locator("main form button[type=submit]").first.click()
    expect(tab).not_to_have_url(re.compile(r"/login"))


def signed_in(open_tab, site, email: str, phone: bool = False):
    """A new browser (its own cookies) with ``email`` signed in."""
    tab = open_tab(phone=phone)
    log_in(tab, site, email)
    return tab


def staff_ticket_number(tab) -> str:
    """The number of the staff ticket view the tab shows."""
    expect(tab).to_have_url(STAFF_TICKET)
    return STAFF_TICKET.search(tab.url).group(1)


def dispatched_ticket(site, subject: str) -> str:
    """A ticket of the demo requester, dispatched to Network by first line; its number."""
    with site.session() as session:
        registry = site.app.registry
        tickets = TicketService(session, registry.helpdesk_settings, registry.helpdesk_plugins)
        firstline = find_by_email(session, FIRST_LINE)
        ticket = tickets.create(requester=find_by_email(session, REQUESTER), subject=subject,
                                description="Opened for the browser tests.", channel="staff",
                                actor=firstline)
        tickets.dispatch(ticket, actor=firstline, group=find_group(session, "Network"))
        session.commit()
        return ticket.number


def any_ticket_number(site) -> str:
    """The number of the oldest ticket (a demo one)."""
    with site.session() as session:
        return session.scalars(select(Ticket.number).order_by(Ticket.id).limit(1)).one()


# -- page helpers ---------------------------------------------------------------------


def log_ticket_for(tab, site, lookup: str, chosen_email: str, subject: str, cc: str) -> str:
    """On /staff/new: find the caller with the people lookup, fill the form, create."""
    tab.goto(site.url + "/staff/new")
    tab.locator("#people-query").fill(lookup)
    tab.locator(".people-results button", has_text=chosen_email).click()
    expect(tab.locator("#email")).to_have_value(chosen_email)
    expect(tab.locator("fieldset.new-requester")).to_be_hidden()
    tab.locator("#subject").fill(subject)
    tab.locator("#description").fill("Called the duty phone: the screen flickers.")
    tab.locator("#cc").fill(cc)
    tab.locator("form.new-ticket button[type=submit]").click()
    return staff_ticket_number(tab)


def dispatch_to_group(tab, group: str) -> None:
    """From the staff view: the dispatch page, its "to a group" form."""
    tab.locator("#dispatch-link").click()
    form = tab.locator("#dispatch-group")
    form.locator("select[name=group]").select_option(label=group)
    form.locator("textarea[name=note]").fill("Please check the docking station.")
    form.locator("button[type=submit]").click()


def forward_to_address(tab, address: str) -> None:
    """From the staff view: the forward page, its "outside the helpdesk" form."""
    tab.locator("#dispatch-link").click()
    form = tab.locator("#dispatch-address")
    form.locator("input[name=address]").fill(address)
    form.locator("textarea[name=note]").fill("Could you check the warranty?")
    form.locator("button[type=submit]").click()


def write(tab, kind: str, text: str) -> None:
    """Send a reply or an internal note (``kind``) from the staff view."""
    tab.locator(f"#{kind}-body").fill(text)
    tab.locator(f"#{kind}-form button[type=submit]").click()


def row_of(tab, number: str):
    """The row of a staff list showing ticket ``number``."""
    return tab.locator("table.staff-list tbody tr", has=tab.get_by_role("link", name=number,
                                                                         exact=True))


# -- the stories ----------------------------------------------------------------------


def test_first_line_logs_a_call_dispatches_it_and_follows_it_to_the_end(
        open_tab, site, screenshot_of, browser_locale):
    subject = f"Screen flickers in the optics lab ({browser_locale})"
    cc = f"helped-{browser_locale.lower()}@example.org"
    outside = f"vendor-{browser_locale.lower()}@example.net"
    reply = f"Reply from second line ({browser_locale}): new cable on its way."
    note = f"Internal ({browser_locale}): the dock firmware is old."
    delegate_reply = f"Vendor here ({browser_locale}): covered by the warranty."

    # First line takes the call and logs it for the user, with the helped person in CC.
    first = signed_in(open_tab, site, FIRST_LINE)
    number = log_ticket_for(first, site, "Uma", REQUESTER, subject, cc)
    expect(first.locator("h1")).to_contain_text(subject)
    expect(first.locator("dd.cc")).to_have_text(cc)
    screenshot_of(first, "staff-ticket-new")

    dispatch_to_group(first, "Network")
    expect(first).to_have_url(STAFF_TICKET)
    expect(first.locator("main")).to_contain_text(
        shown(browser_locale, "Dispatched to ${holder}.", holder="Network"))
    screenshot_of(first, "staff-ticket-dispatched")

    # Second line finds it in the inbox, replies, and notes for colleagues.
    second = signed_in(open_tab, site, SECOND_LINE)
    second.goto(site.url + "/staff/inbox")
    screenshot_of(second, "staff-inbox")
    second.get_by_role("link", name=subject).first.click()
    assert staff_ticket_number(second) == number
    write(second, "reply", reply)
    expect(second.locator(".conversation")).to_contain_text(reply)
    write(second, "note", note)
    expect(second.locator(".conversation .message-internal")).to_contain_text(note)
    screenshot_of(second, "staff-ticket-replied")

    # The requester reads the reply on the portal, never the note.
    requester = signed_in(open_tab, site, REQUESTER)
    requester.goto(f"{site.url}/tickets/{number}")
    expect(requester.locator(".conversation")).to_contain_text(reply)
    expect(requester.locator("main")).not_to_contain_text(note)
    screenshot_of(requester, "portal-ticket-with-staff-reply")

    # Second line forwards it outside; the vendor follows the mailed link and replies.
    forward_to_address(second, outside)
    expect(second.locator("main")).to_contain_text(outside)
    link = site.link_in_last_mail_to(outside)
    assert "/delegate/" in link
    vendor = open_tab()
    vendor.goto(link)
    expect(vendor).to_have_url(re.compile(rf"/tickets/{number}$"))
    expect(vendor.locator(".conversation")).to_contain_text(reply)
    expect(vendor.locator("main")).not_to_contain_text(note)
    vendor.locator("#reply-form [name=body]").fill(delegate_reply)
    vendor.locator("#reply-form button[type=submit]").click()
    expect(vendor.locator(".conversation")).to_contain_text(delegate_reply)
    screenshot_of(vendor, "delegate-ticket")

    second.goto(f"{site.url}/staff/tickets/{number}")
    expect(second.locator(".conversation")).to_contain_text(delegate_reply)
    access = second.locator("#outside-access")
    expect(access).to_contain_text(outside)
    screenshot_of(second, "staff-ticket-outside-access")
    access.locator("form button[type=submit]").click()
    expect(second.locator("main")).to_contain_text(
        shown(browser_locale, "Access for ${address} is revoked.", address=outside))
    answer = vendor.goto(link)
    assert answer.status == 410
    expect(vendor.locator("main")).to_contain_text(shown(browser_locale,
                                                         "Link no longer valid"))
    vendor.goto(f"{site.url}/tickets/{number}")
    expect(vendor).to_have_url(re.compile(r"/login\?next="))  # the ticket is closed to them

    # First line: the unprocessed list shows the holder; the flow, the chain; nudge.
    first.goto(site.url + "/staff/unprocessed")
    row = row_of(first, number)
    expect(row).to_contain_text("Network")
    screenshot_of(first, "staff-unprocessed")
    row.locator("a[id^=flow-]").click()
    holders = first.locator("table.flow tbody tr")
    expect(holders.last).to_contain_text("Network")
    assert holders.count() >= 2, "the flow shows where the ticket was before Network"
    expect(holders.last).to_contain_text(shown(browser_locale, "still holds it"))
    expect(first.locator(".nudge-count")).to_have_text("0")
    first.locator("form.nudge textarea[name=message]").fill("The user calls again.")
    first.locator("form.nudge button[type=submit]").click()
    expect(first.locator("main")).to_contain_text(shown(
        browser_locale, "${number}: its holder was nudged; nudges so far: ${count}.",
        number=number, count=1))
    expect(first.locator(".nudge-count")).to_have_text("1")
    expect(holders.last.locator("td.number")).to_have_text("1")
    screenshot_of(first, "staff-flow-nudged")
    first.goto(site.url + "/staff/unprocessed")
    expect(row_of(first, number).locator("td.number")).to_have_text("1")


def test_a_second_writer_is_told_the_ticket_changed_and_keeps_the_typed_reply(
        open_tab, site, screenshot_of, browser_locale):
    number = dispatched_ticket(site, f"VPN drops every hour ({browser_locale})")
    first = signed_in(open_tab, site, FIRST_LINE)
    second = signed_in(open_tab, site, SECOND_LINE)
    for tab in (first, second):
        tab.goto(f"{site.url}/staff/tickets/{number}")

    first.locator("#status-operation").select_option("resolve")
    first.locator("#status-form button[type=submit]").click()
    expect(first.locator("main")).to_contain_text(shown(browser_locale,
                                                        "The ticket is resolved."))

    typed = f"Try the other VPN profile ({browser_locale})."
    second.locator("#reply-body").fill(typed)
    with second.expect_navigation() as answer:
        second.locator("#reply-form button[type=submit]").click()
    assert answer.value.status == 409
    expect(second.locator("#alert")).to_contain_text(
        shown(browser_locale, "This ticket changed since you opened it"))
    expect(second.locator("#reply-body")).to_have_value(typed)
    screenshot_of(second, "staff-ticket-stale")


def test_the_console_pages_fit_a_phone_screen_without_sideways_scrolling(
        open_tab, site, screenshot_of):
    number = any_ticket_number(site)
    phone = signed_in(open_tab, site, FIRST_LINE, phone=True)
    wider = {}
    for pattern in PHONE_PAGES:
        path = pattern.format(number=number)
        answer = phone.goto(site.url + path)
        assert answer.status == 200, path
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        name = re.sub(r"[^a-z]+", "-", pattern.split("?")[0]).strip("-")
        screenshot_of(phone, f"phone-{name}")
        if overflow > 0:
            wider[path] = overflow
    assert not wider, f"wider than a 390 px phone (px): {wider}"

