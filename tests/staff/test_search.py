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


def test_two_character_chinese_words_are_found(helpdesk, staff, desk):
    helpdesk.login(staff.firstline.email)
    assert found(search(helpdesk, "邮箱")) == [desk.mail.number]
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
