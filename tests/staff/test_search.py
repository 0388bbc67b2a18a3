"""Staff search: Chinese and English words in subjects, descriptions, replies and
internal notes, within what the staff member may see, with the list filters."""
import html
import re

import pytest

from pyramid_helpdesk.staff.search import PAGE_SIZE, snippet

HIT = re.compile(r'<p class="search-hit-head"><a href="/staff/tickets/([^"]+)">')
NEXT = re.compile(r'<a rel="next"\s+href="([^"]+)"')


def found(page) -> list[str]:
    """The ticket numbers of a result page, in the order shown."""
    return HIT.findall(page.text)


def search(helpdesk, q, **filters):
    return helpdesk.app.get("/staff/search", {"q": q, **filters})


@pytest.fixture
def desk(helpdesk, staff):
    """Tickets in Chinese and English; the network agent holds the VPN one."""
    tickets = type("Tickets", (), {})()
    tickets.printer = helpdesk.ticket(staff.user, "打印机无法打印",
                                      description="三楼的打印机卡纸了，显示错误代码 E-42")
    tickets.vpn = helpdesk.ticket(staff.user, "VPN drops every hour",
                                  description="The tunnel disconnects after 60 minutes.",
                                  category="network")
    helpdesk.tickets.dispatch(tickets.vpn, actor=staff.firstline, group=staff.network)
    tickets.mail = helpdesk.ticket(staff.other_user, "Mailbox full",
                                   description="我的邮箱满了，收不到邮件")
    helpdesk.dbsession.flush()
    return tickets


def test_english_words_are_found_in_subjects_and_descriptions_ignoring_case(helpdesk, staff,
                                                                          desk):
    helpdesk.login(staff.firstline.email)
    assert found(search(helpdesk, "vpn drops")) == [desk.vpn.number]
    assert found(search(helpdesk, "TUNNEL")) == [desk.vpn.number]


def test_chinese_words_of_three_characters_or_more_are_found(helpdesk, staff, desk):
    helpdesk.login(staff.firstline.email)
    assert found(search(helpdesk, "打印机")) == [desk.printer.number]
    assert found(search(helpdesk, "收不到邮件")) == [desk.mail.number]
    assert found(search(helpdesk, "扫描仪")) == []


def test_two_character_chinese_words_are_found_in_every_ticket(helpdesk, staff, desk):
    helpdesk.login(staff.firstline.email)
    page = search(helpdesk, "邮箱")
    assert found(page) == [desk.mail.number]
    assert 'class="notice"' not in page.text  # not only among the newest tickets
    assert found(search(helpdesk, "卡纸")) == [desk.printer.number]
    # At the very end of a text too.
    assert found(search(helpdesk, "打印")) == [desk.printer.number]
    assert found(search(helpdesk, "网络")) == []


def test_replies_and_internal_notes_are_searched(helpdesk, staff, desk):
    helpdesk.tickets.reply(desk.mail, body="请清理收件箱中的大附件", author=staff.firstline)
    helpdesk.tickets.note(desk.printer, author=staff.firstline, body="Toner supplier: Example Co")
    helpdesk.dbsession.flush()
    helpdesk.login(staff.firstline.email)
    assert found(search(helpdesk, "大附件")) == [desk.mail.number]
    page = search(helpdesk, "toner supplier")
    assert found(page) == [desk.printer.number]
    assert "<mark>Toner supplier</mark>" in page.text


def test_results_are_newest_first_with_the_match_highlighted_and_escaped(helpdesk, staff):
    older = helpdesk.ticket(staff.user, "Printer <b>jam</b> on floor 2")
    newer = helpdesk.ticket(staff.user, "Another printer problem")
    helpdesk.login(staff.firstline.email)
    page = search(helpdesk, "printer")
    assert found(page) == [newer.number, older.number]
    assert "<mark>printer</mark>" in page.text
    assert "&lt;b&gt;jam&lt;/b&gt;" in page.text and "<b>jam</b>" not in page.text


def test_an_agent_finds_only_the_tickets_held_by_them_or_their_groups(helpdesk, staff, desk):
    helpdesk.login(staff.agent.email)
    assert found(search(helpdesk, "VPN")) == [desk.vpn.number]
    assert found(search(helpdesk, "打印机")) == []
    assert found(search(helpdesk, "邮箱")) == []
    helpdesk.login(staff.coordinator.email)
    assert found(search(helpdesk, "打印机")) == [desk.printer.number]


def test_drafts_are_never_found(helpdesk, staff):
    helpdesk.tickets.create(requester=staff.user, subject="Draft about the projector",
                            channel="staff", draft=True)
    helpdesk.dbsession.flush()
    helpdesk.login(staff.coordinator.email)
    assert found(search(helpdesk, "projector")) == []


def test_the_list_filters_narrow_the_results(helpdesk, staff, desk):
    other = helpdesk.ticket(staff.user, "VPN certificate expired", priority="high")
    helpdesk.login(staff.firstline.email)
    assert found(search(helpdesk, "VPN")) == [other.number, desk.vpn.number]
    assert found(search(helpdesk, "VPN", priority="high")) == [other.number]
    assert found(search(helpdesk, "VPN", category="network")) == [desk.vpn.number]
    assert found(search(helpdesk, "VPN", group=str(staff.network.id))) == [desk.vpn.number]
    assert found(search(helpdesk, "VPN", status="new")) == [other.number]
    assert found(search(helpdesk, "VPN", status="resolved")) == []


def test_like_metacharacters_are_taken_literally(helpdesk, staff):
    percent = helpdesk.ticket(staff.user, "Disk 100% full")
    helpdesk.ticket(staff.user, "Disk 1000 blocks full")
    underscore = helpdesk.ticket(staff.user, "File a_b missing")
    helpdesk.ticket(staff.user, "File axb missing")
    backslash = helpdesk.ticket(staff.user, r"Share \\server\data unreachable")
    helpdesk.login(staff.firstline.email)
    assert found(search(helpdesk, "100%")) == [percent.number]
    assert found(search(helpdesk, "a_b")) == [underscore.number]
    assert found(search(helpdesk, "0%")) == [percent.number]
    assert found(search(helpdesk, r"\data")) == [backslash.number]
    assert found(search(helpdesk, '"quoted"')) == []


def test_merged_messages_are_found_under_the_target_ticket(helpdesk, staff):
    target = helpdesk.ticket(staff.user, "Cannot log in")
    duplicate = helpdesk.ticket(staff.user, "Login again", description="密码过期了无法登录")
    helpdesk.tickets.merge(duplicate, into=target, actor=staff.firstline)
    helpdesk.dbsession.flush()
    helpdesk.login(staff.firstline.email)
    assert found(search(helpdesk, "密码过期")) == [target.number]
    assert found(search(helpdesk, "过期")) == [target.number]


def test_an_edited_subject_is_found_by_its_new_words_only(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, "Projector flickers")
    ticket.subject = "Beamer flickers"
    helpdesk.dbsession.flush()
    helpdesk.login(staff.firstline.email)
    assert found(search(helpdesk, "beamer")) == [ticket.number]
    assert found(search(helpdesk, "projector")) == []


def test_results_come_in_pages_of_25_keyed_by_the_last_ticket(helpdesk, staff):
    made = [helpdesk.ticket(staff.user, f"Wifi problem {n}") for n in range(PAGE_SIZE + 3)]
    helpdesk.login(staff.firstline.email)
    first = search(helpdesk, "wifi")
    assert found(first) == [t.number for t in reversed(made)][:PAGE_SIZE]
    second = helpdesk.app.get(html.unescape(NEXT.search(first.text).group(1)))
    assert found(second) == [t.number for t in reversed(made[:3])]
    assert not NEXT.search(second.text)


def test_an_empty_query_shows_the_form_and_a_long_one_is_refused(helpdesk, staff, desk):
    helpdesk.login(staff.firstline.email)
    page = helpdesk.app.get("/staff/search")
    assert 'name="q"' in page.text and found(page) == [] and "No tickets match" not in page.text
    refused = helpdesk.app.get("/staff/search", {"q": "x" * 201}, status=400)
    assert 'aria-invalid="true"' in refused.text and found(refused) == []
    assert "x" * 201 in refused.text


def test_requesters_and_visitors_cannot_search(helpdesk, staff):
    assert helpdesk.app.get("/staff/search", {"q": "vpn"}).status_int in (302, 303)
    helpdesk.login(staff.user.email)
    helpdesk.app.get("/staff/search", {"q": "vpn"}, status=403)


def test_a_one_character_term_searches_the_newest_tickets_and_says_so(helpdesk, staff, desk):
    helpdesk.login(staff.firstline.email)
    page = search(helpdesk, "满")
    assert found(page) == [desk.mail.number]
    assert 'class="notice"' in page.text


def test_the_page_is_in_chinese(helpdesk, staff, desk):
    staff.firstline.locale = "zh_CN"
    helpdesk.dbsession.flush()
    helpdesk.login(staff.firstline.email)
    page = search(helpdesk, "满")
    assert found(page) == [desk.mail.number]
    for words in ("标题或消息中的文字", "任意状态", "只搜索最新的 5000 个工单"):
        assert words in page.text, words
    refused = helpdesk.app.get("/staff/search", {"q": "长" * 201}, status=400)
    assert "搜索内容最多 200 个字符。" in refused.text


def test_a_snippet_is_cut_around_the_first_match():
    before, match, after = snippet("x" * 100 + " Printer jam " + "y" * 100, "PRINTER", 10)
    assert (match, before[0], after[-1]) == ("Printer", "…", "…")
    assert len(before) == 11 and len(after) == 11
    assert snippet("no match here", "zzz") == ("no match here", "", "")


# -- every way of searching finds the same tickets ----------------------------------------

#: Settings of pyramid_helpdesk.staff.search that send a search down each of its
#: paths with a handful of tickets (at a million, the numbers choose the path).
PATHS = {
    # the newest tickets hold every match: read text by text (PostgreSQL), or asked
    # of the FTS5 index in one range (SQLite)
    "newest range": {},
    # beyond the newest ticket, the indexes: range by range (PostgreSQL), a text at a
    # time newest first (SQLite); never the filters first
    "index": dict(FIRST_RANGE=1, NARROW=-1, NARROW_SCALE=0, DENSE=10**9, RANGE_GROWTH=2,
                  TEXTS_PER_TICKET=0),
    # PostgreSQL: every range read text by text
    "reading": dict(FIRST_RANGE=1, NARROW=-1, NARROW_SCALE=0, DENSE=0, READ_GROWTH=2,
                    READ_BUDGET=10**9),
    # the tickets that pass the filters, each checked for the term
    "filters first": dict(FIRST_RANGE=1, NARROW=10**6),
}


def all_pages(helpdesk, q, **filters) -> list[str]:
    """The ticket numbers of every page of a search, following the "next" links."""
    page = search(helpdesk, q, **filters)
    numbers = found(page)
    while NEXT.search(page.text):
        page = helpdesk.app.get(html.unescape(NEXT.search(page.text).group(1)))
        numbers += found(page)
    return numbers


@pytest.fixture
def busy_desk(helpdesk, staff):
    """48 tickets: printers, passwords and networks in subjects, descriptions and
    internal notes; held by Network, Computing or the first line; some urgent,
    some resolved. Each with its texts, for the expected results."""
    subjects = ("打印机卡纸", "Password expired", "网络很慢", "VPN 断了")
    descriptions = ("三楼的打印机坏了", "my PASSWORD does not work")
    desk = []
    for n in range(48):
        texts = [f"{subjects[n % 4]} {n}", descriptions[n % 2]]
        ticket = helpdesk.ticket(staff.user, texts[0], description=texts[1],
                                 priority="urgent" if n % 4 == 0 else "normal")
        group = (staff.network, staff.computing, None)[n % 3]
        if group is not None:
            helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=group)
        if n % 5 == 0:
            texts.append("内部备注：打印机的 password 在供应商那里")
            helpdesk.tickets.note(ticket, author=staff.firstline, body=texts[-1])
        if n % 6 == 5:
            helpdesk.tickets.resolve(ticket, actor=staff.firstline)
        desk.append((ticket, texts))
    helpdesk.dbsession.flush()
    return desk


def expected(desk, q, status=None, priority=None, group=None) -> list[str]:
    """What a search must find, newest first, from the tickets' texts and holders
    (``group``: held by that group, which is all an agent of it may see here)."""
    def passes(ticket):
        return ((status is None or ticket.status.value in status)
                and (priority is None or ticket.priority.value == priority)
                and (group is None or ticket.holder_group_id == group.id))
    return [ticket.number for ticket, texts in sorted(desk, key=lambda item: -item[0].id)
            if passes(ticket) and any(q.lower() in text.lower() for text in texts)]


@pytest.mark.parametrize("path", PATHS)
def test_every_way_of_searching_finds_the_same_tickets(helpdesk, staff, busy_desk,
                                                       monkeypatch, path):
    from pyramid_helpdesk.staff import search as module

    for name, value in PATHS[path].items():
        monkeypatch.setattr(module, name, value)
    helpdesk.login(staff.firstline.email)
    everything = all_pages(helpdesk, "打印机")
    assert len(everything) > PAGE_SIZE
    assert everything == expected(busy_desk, "打印机")
    assert all_pages(helpdesk, "打印机", status="active") == expected(
        busy_desk, "打印机", status=("new", "open", "pending"))
    assert all_pages(helpdesk, "PassWord", priority="urgent") == expected(
        busy_desk, "password", priority="urgent")
    assert all_pages(helpdesk, "网络") == expected(busy_desk, "网络")
    assert all_pages(helpdesk, "password", group=str(staff.computing.id)) == expected(
        busy_desk, "password", group=staff.computing)
    helpdesk.login(staff.agent.email)
    mine = all_pages(helpdesk, "打印机")
    assert mine and mine == [number for number in everything if number in expected(
        busy_desk, "打印机", group=staff.network)]
    assert all_pages(helpdesk, "password", status="active") == expected(
        busy_desk, "password", status=("new", "open", "pending"), group=staff.network)


@pytest.mark.parametrize("path", PATHS)
def test_full_width_and_accented_letters_ignore_case_too(helpdesk, staff, monkeypatch, path):
    from pyramid_helpdesk.staff import search as module

    for name, value in PATHS[path].items():
        monkeypatch.setattr(module, name, value)
    wifi = helpdesk.ticket(staff.user, "ＷＩＦＩ 断了")
    school = helpdesk.ticket(staff.user, "École fermée", priority="high")
    helpdesk.ticket(staff.user, "Printer jam")
    helpdesk.login(staff.firstline.email)
    assert found(search(helpdesk, "ｗｉｆｉ")) == [wifi.number]
    assert found(search(helpdesk, "ÉCOLE", priority="high")) == [school.number]
    assert found(search(helpdesk, "école", status="new")) == [school.number]
    assert found(search(helpdesk, "ÉCOLE", priority="low")) == []
