"""The staff console speaks Simplified Chinese to staff who chose it."""
import pytest

from .conftest import listed


@pytest.fixture
def chinese_first_line(helpdesk, staff, make_ticket):
    staff.firstline.locale = "zh_CN"
    ticket = make_ticket("打印机卡纸", minutes=90, priority="urgent")
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.dbsession.flush()
    helpdesk.login("firstline@example.org")
    return ticket


def test_the_lists_and_their_values_are_in_chinese(helpdesk, chinese_first_line):
    page = helpdesk.app.get("/staff/unprocessed")
    assert listed(page) == [chinese_first_line.number]
    for text in ("未处理工单", "在当前持有者处", "1 小时 30 分钟", "紧急", "最紧急的在前", "催办",
                 "流转记录"):
        assert text in page.text, text
    assert "Unprocessed tickets" not in page.text
    home = helpdesk.app.get("/staff")
    assert "工作台概览" in home.text and "30 分钟内到期或已超时" in home.text


def test_the_flow_and_the_nudge_notice_are_in_chinese(helpdesk, chinese_first_line):
    number = chinese_first_line.number
    page = helpdesk.app.get(f"/staff/tickets/{number}/flow")
    assert f"{number}</a> 的流转记录" in page.text and "仍在持有" in page.text
    nudge = [form for form in page.forms.values() if form.action.endswith("/nudge")]
    done = nudge[0].submit().follow()
    assert f"{number}：已催办持有者，累计催办 1 次。" in done.text
