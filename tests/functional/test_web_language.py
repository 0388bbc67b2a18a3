"""The web channel's pages in Simplified Chinese (its own catalog, domain helpdesk_web)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from pyramid_helpdesk.tickets.models import Ticket

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def user(helpdesk, staff):
    """user@example.org, logged in, with no language of their own (the browser decides)."""
    assert staff.user.locale is None
    helpdesk.login("user@example.org")
    return staff.user


def test_the_new_ticket_form_speaks_chinese(helpdesk, user):
    page = helpdesk.app.get("/tickets/new", headers=CHINESE)

    html = page.html
    assert html.find("html")["lang"] == "zh-CN"
    assert html.select_one("h1").get_text() == "新建工单"
    assert [label.get_text() for label in html.select("form.card label")] == \
        ["主题", "类别", "描述", "抄送（电子邮件地址，可选）", "附件"]
    assert [b.get_text() for b in html.select("form.card button")] == ["提交", "存为草稿"]
    assert [o.get_text() for o in html.select("#category option")][1:4] == \
        ["综合", "网络", "计算环境"]
    assert "每个工单最多 10 个文件，每个不超过 20 MB" in html.select_one("#attachment-hint").text


def test_form_errors_speak_chinese_and_keep_the_text(helpdesk, user):
    token = helpdesk.csrf_token("/tickets/new")

    page = helpdesk.app.post("/tickets/new", {
        "subject": "", "description": "打印机卡纸", "cc": "不是地址", "csrf_token": token,
    }, headers=CHINESE, status=400)

    html = page.html
    assert html.select_one("[role=alert]").get_text() == "请更正标出的字段。"
    assert html.select_one("#subject-error").get_text() == "请填写工单主题。"
    assert html.select_one("#cc-error").get_text() == "“不是地址”不是有效的电子邮件地址。"
    assert html.select_one("#description").get_text() == "打印机卡纸"


def test_drafts_speak_chinese(helpdesk, staff, user):
    draft = helpdesk.ticket(staff.user, subject="投影仪", channel="web", category="hardware",
                            draft=True)

    listing = helpdesk.app.get("/drafts", headers=CHINESE)
    page = helpdesk.app.get(f"/drafts/{draft.id}", headers=CHINESE)

    assert listing.html.select_one("h1").get_text() == "草稿箱"
    assert "硬件" in listing.html.select_one("table.drafts").get_text()
    assert page.html.select_one("h1").get_text() == "草稿"
    assert [b.get_text() for b in page.html.select("button[type=submit]")][-3:] == \
        ["保存草稿", "提交", "删除此草稿"]


def test_the_edit_page_and_its_refusal_speak_chinese(helpdesk, staff, user):
    ticket = helpdesk.ticket(staff.user, subject="VPN", description="断线", channel="web")

    page = helpdesk.app.get(f"/tickets/{ticket.number}/edit", headers=CHINESE)
    assert page.html.select_one("h1").get_text(" ", strip=True) == f"编辑工单 {ticket.number}"
    helpdesk.tickets.reply(ticket, author=staff.firstline, body="收到")
    helpdesk.dbsession.flush()
    refused = helpdesk.app.get(f"/tickets/{ticket.number}/edit", headers=CHINESE, status=303)
    ticket_page = refused.follow(headers=CHINESE)
    assert ticket_page.html.select_one("p.flash").get_text() == \
        "此工单已不能编辑：工作人员已经回复。请改为添加回复。"


def test_a_saved_draft_is_announced_in_chinese(helpdesk, user):
    token = helpdesk.csrf_token("/tickets/new")

    response = helpdesk.app.post("/tickets/new", {
        "subject": "草稿", "description": "", "csrf_token": token, "action": "draft",
    }, headers=CHINESE, status=303)

    assert response.follow(headers=CHINESE).html.select_one("p.flash").get_text() == \
        "草稿已保存。准备好后即可提交。"
    assert helpdesk.dbsession.scalars(select(Ticket.subject)).one() == "草稿"
