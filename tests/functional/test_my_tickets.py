"""My tickets (/my-tickets): the person's tickets and those they are CC'd on."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from pyramid_helpdesk.testing import counted_statements
from pyramid_helpdesk.tickets.models import TicketStatus


def listed(page) -> list[str]:
    """The ticket numbers of a my-tickets page, top to bottom."""
    return [a.get_text() for a in page.html.select("table.mine tbody td:first-child a")]


def pager_link(page, rel: str) -> str | None:
    """The "newer" (``prev``) or "older" (``next``) link of a page, if any."""
    link = page.html.select_one(f"nav.pager a[rel={rel}]")
    return link["href"] if link else None


@pytest.fixture
def mine(helpdesk, staff):
    """user@example.org's ticket, one they are CC'd on, and tickets they must not see."""
    tickets = type("Tickets", (), {})()
    tickets.requested = helpdesk.ticket(staff.user, subject="VPN drops", channel="web")
    tickets.cc = helpdesk.ticket(staff.other_user, subject="Shared printer", channel="web",
                                 cc=["User@Example.org"])
    tickets.others = helpdesk.ticket(staff.other_user, subject="Someone else's", channel="web")
    tickets.draft = helpdesk.ticket(staff.user, subject="My draft", channel="web", draft=True)
    tickets.others_draft = helpdesk.ticket(staff.other_user, subject="Their draft",
                                           channel="web", cc=["user@example.org"], draft=True)
    helpdesk.login("user@example.org")
    return tickets


def test_an_anonymous_visitor_is_asked_to_log_in(helpdesk):
    response = helpdesk.app.get("/my-tickets", status=303)
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_the_list_shows_requested_and_cc_tickets_only(helpdesk, staff, mine):
    page = helpdesk.app.get("/my-tickets", status=200)

    assert listed(page) == [mine.cc.number, mine.requested.number]
    cells = [[td.get_text(" ", strip=True) for td in tr.select("td")]
             for tr in page.html.select("table.mine tbody tr")]
    assert cells[0][:4] == [mine.cc.number, "Shared printer CC", "new", "First line"]
    assert cells[1][:4] == [mine.requested.number, "VPN drops", "new", "First line"]
    assert cells[1][4] == mine.requested.updated_at.astimezone(
        helpdesk.settings.timezone).strftime("%Y-%m-%d %H:%M")
    assert page.html.select_one("table.mine a")["href"] == f"/tickets/{mine.cc.number}"
    for absent in ("Someone else's", "My draft", "Their draft"):
        assert absent not in page.text


@pytest.mark.parametrize("status, expected", [
    ("open", ["pending", "open", "new"]),
    ("resolved", ["resolved"]),
    ("closed", ["closed"]),
    ("all", ["closed", "resolved", "pending", "open", "new"]),
    ("bogus", ["closed", "resolved", "pending", "open", "new"]),
])
def test_the_status_filter(helpdesk, staff, status, expected):
    def ticket(subject):
        return helpdesk.ticket(staff.user, subject=subject, channel="web")

    ticket("new")
    helpdesk.tickets.dispatch(ticket("open"), actor=staff.firstline, group=staff.network)
    helpdesk.tickets.set_pending(ticket("pending"), actor=staff.firstline)
    helpdesk.tickets.resolve(ticket("resolved"), actor=staff.firstline)
    closed = ticket("closed")
    helpdesk.tickets.resolve(closed, actor=staff.firstline)
    helpdesk.tickets.close(closed, actor=staff.firstline)
    helpdesk.dbsession.flush()
    helpdesk.login("user@example.org")

    page = helpdesk.app.get("/my-tickets", {"status": status})

    assert [span.get_text() for span in page.html.select("table.mine span.status")] == expected
    selected = page.html.select_one("#status option[selected]")
    assert selected["value"] == (status if status != "bogus" else "all")


@pytest.mark.parametrize("role, expected", [
    ("requested", ["requested"]), ("cc", ["cc"]), ("both", ["cc", "requested"]),
])
def test_the_role_filter(helpdesk, staff, mine, role, expected):
    page = helpdesk.app.get("/my-tickets", {"role": role})

    assert listed(page) == [getattr(mine, name).number for name in expected]


@pytest.mark.parametrize("query, expected", [
    (lambda mine: "vpn", ["requested"]),
    (lambda mine: "PRINTER", ["cc"]),
    (lambda mine: mine.requested.number, ["requested"]),
    (lambda mine: mine.cc.number.lower(), ["cc"]),
    (lambda mine: "%", []),
    (lambda mine: "else", []),
], ids=["subject", "subject-any-case", "number", "number-any-case", "like-wildcard",
        "other-people-s"])
def test_search_looks_in_subject_and_number(helpdesk, staff, mine, query, expected):
    text = query(mine)

    page = helpdesk.app.get("/my-tickets", {"q": text})

    assert listed(page) == [getattr(mine, name).number for name in expected]
    assert page.html.select_one("#q")["value"] == text
    if not expected:
        assert "No tickets match." in page.text


def test_pages_of_25_walk_back_and_forth_through_both_roles(helpdesk, staff):
    numbers = []
    for index in range(30):
        numbers.append(helpdesk.ticket(staff.user, subject=f"Mine {index}", channel="web").number)
        numbers.append(helpdesk.ticket(staff.other_user, subject=f"CC {index}", channel="web",
                                       cc=["user@example.org"]).number)
    newest_first = numbers[::-1]
    helpdesk.login("user@example.org")

    first = helpdesk.app.get("/my-tickets")
    assert listed(first) == newest_first[:25]
    assert pager_link(first, "prev") is None
    second = helpdesk.app.get(pager_link(first, "next"))
    assert listed(second) == newest_first[25:50]
    third = helpdesk.app.get(pager_link(second, "next"))
    assert listed(third) == newest_first[50:]
    assert pager_link(third, "next") is None
    back = helpdesk.app.get(pager_link(third, "prev"))
    assert listed(back) == newest_first[25:50]
    assert listed(helpdesk.app.get(pager_link(back, "prev"))) == newest_first[:25]


def test_paging_keeps_the_filters(helpdesk, staff):
    for index in range(27):
        helpdesk.ticket(staff.user, subject=f"Disk {index}", channel="web")
    helpdesk.ticket(staff.other_user, subject="Disk shared", channel="web",
                    cc=["user@example.org"])
    helpdesk.login("user@example.org")

    first = helpdesk.app.get("/my-tickets", {"role": "requested", "q": "disk"})

    query = parse_qs(urlsplit(pager_link(first, "next")).query)
    assert (query["role"], query["q"]) == (["requested"], ["disk"])
    assert len(listed(helpdesk.app.get(pager_link(first, "next")))) == 2


def statements_per_page(helpdesk, engine, url: str) -> int:
    with counted_statements(engine) as statements:
        helpdesk.app.get(url, status=200)
    return len(statements)


def test_a_page_costs_the_same_statements_for_10_or_200_tickets(
        helpdesk, helpdesk_engine, staff):
    def add_tickets(count):
        for index in range(count):
            requester, cc = (staff.user, []) if index % 2 else (staff.other_user,
                                                                 ["user@example.org"])
            ticket = helpdesk.ticket(requester, subject=f"Ticket {index}", channel="web", cc=cc)
            if index % 3 == 0:
                helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
        helpdesk.dbsession.flush()

    add_tickets(10)
    helpdesk.login("user@example.org")
    few = [statements_per_page(helpdesk, helpdesk_engine, url)
           for url in ("/my-tickets", "/my-tickets?status=open&q=ticket")]
    add_tickets(190)
    page = helpdesk.app.get("/my-tickets")
    assert len(listed(page)) == 25
    many = [statements_per_page(helpdesk, helpdesk_engine, url)
            for url in ("/my-tickets", "/my-tickets?status=open&q=ticket",
                        pager_link(page, "next"))]

    assert many == few + [few[0]]
    assert max(many) <= 8


def test_the_list_speaks_chinese(helpdesk, staff, mine):
    page = helpdesk.app.get("/my-tickets", headers={"Accept-Language": "zh-CN"})

    assert page.html.select_one("h1").get_text() == "我的工单"
    assert [th.get_text() for th in page.html.select("table.mine th")] == \
        ["编号", "主题", "状态", "处理方", "更新时间"]
    assert page.html.select_one("table.mine span.status").get_text() == "新建"
    assert page.html.select_one("span.badge").get_text() == "抄送"
    assert page.html.select_one("#role option[selected]").get_text() == "我提交的或抄送给我的"


def test_statuses_are_the_lifecycle_s():
    """Every status but drafts is reachable through a filter."""
    from helpdesk_web.listing import STATUS_FILTERS

    assert set(STATUS_FILTERS["all"]) == set(TicketStatus) - {TicketStatus.draft}


def test_the_home_page_and_the_header_link_to_my_tickets(helpdesk, staff, mine):
    home = helpdesk.app.get("/")

    assert home.html.select_one("main a[href='/my-tickets']").get_text() == "My tickets"
    assert home.html.select_one("main a[href='/drafts']").get_text() == "Your drafts"
    assert "My draft" not in home.text, "drafts are on their own page"
    for path in ("/", "/tickets/new", "/drafts"):
        header = helpdesk.app.get(path).html.select_one("header.site")
        assert header.select_one("a[href='/my-tickets']").get_text() == "My tickets"
    chinese = helpdesk.app.get("/", headers={"Accept-Language": "zh-CN"})
    assert chinese.html.select_one("main a[href='/my-tickets']").get_text() == "我的工单"
    assert chinese.html.select_one("main a[href='/drafts']").get_text() == "我的草稿"


@pytest.mark.parametrize("params", [
    {"before": "99999999999999999999"}, {"after": "2147483648"}, {"before": "²"},
    {"q": "printer\x00"}, {"status": "\x00"},
])
def test_odd_query_strings_show_the_first_page(helpdesk, staff, mine, params):
    page = helpdesk.app.get("/my-tickets", params, status=200)

    assert set(listed(page)) <= {mine.cc.number, mine.requested.number}
