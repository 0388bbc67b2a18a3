"""The report page, its CSV and the quality page, through the whole app."""
import csv
import io
from datetime import timedelta

import pytest

from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.tickets.models import TicketStatus

from .conftest import at, hours

PAGES = ["/staff/reports", "/staff/reports.csv", "/staff/quality"]
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(helpdesk, path):
    answer = helpdesk.app.get(path)
    assert answer.status_int == 303
    assert "/login" in answer.location


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("who", ["user", "agent"])
def test_requesters_and_second_line_agents_may_not_read_reports(helpdesk, staff, path, who):
    helpdesk.login(getattr(staff, who).email)
    helpdesk.app.get(path, status=403)


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("who", ["firstline", "coordinator"])
def test_first_line_and_coordinators_read_reports(helpdesk, staff, path, who):
    helpdesk.login(getattr(staff, who).email)
    answer = helpdesk.app.get(path, status=200)
    home = helpdesk.app.get("/staff")
    assert 'href="/staff/reports"' in home.text and 'href="/staff/quality"' in home.text
    assert answer.body


def test_agents_see_no_report_links_in_the_console(helpdesk, staff):
    helpdesk.login(staff.agent.email)
    home = helpdesk.app.get("/staff")
    assert 'href="/staff/reports"' not in home.text


def _november(make_ticket, staff):
    """Three November tickets: two web (network, one resolved in time), one e-mail."""
    make_ticket(at("2026-11-01 00:00"), channel="web", category="network",
                holder_group_id=staff.network.id, status=TicketStatus.resolved,
                resolved_at=at("2026-11-01 10:00"), due_at=at("2026-11-01 11:00"),
                first_response_business_seconds=600, resolution_business_seconds=3600)
    make_ticket(at("2026-11-20 09:00"), channel="web", category="network",
                holder_group_id=staff.network.id, status=TicketStatus.resolved,
                resolved_at=at("2026-11-21 10:00"), due_at=at("2026-11-20 17:00"),
                first_response_business_seconds=1200, resolution_business_seconds=7200)
    make_ticket(at("2026-10-31 23:59"), channel="email", holder_group_id=staff.computing.id)


def _section(page_text: str, section_id: str) -> str:
    start = page_text.index(f'id="{section_id}"')
    return page_text[start:page_text.index("</section>", start)]


def test_the_report_shows_each_figure_as_a_chart_and_a_table(helpdesk, staff, make_ticket):
    _november(make_ticket, staff)
    helpdesk.login(staff.coordinator.email)

    page = helpdesk.app.get("/staff/reports", NOVEMBER)

    channel = _section(page.text, "channel")
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in channel
    assert "<title id=\"chart-channel-title\">Tickets by channel</title>" in channel
    assert "Web portal</th><td>2</td><td>100.0%</td>" in channel.replace("\n", "").replace(
        "            ", "")
    assert "E-mail" not in channel  # created the evening before 1 November, Shanghai time
    target = _section(page.text, "target")
    assert ">Network</th><td>2</td><td>1</td><td>50.0%</td>" in target.replace(
        "\n", "").replace("            ", "").replace('<th scope="row"', "<th").replace(
        "<th>", ">")
    times = _section(page.text, "times")
    assert "10 min" in times and "2 h" in times  # median response, p90 resolution
    assert 'viewBox="0 0 390 ' in times


def test_a_bad_range_is_refused_with_the_field_marked_and_the_input_kept(helpdesk, staff):
    helpdesk.login(staff.coordinator.email)
    page = helpdesk.app.get("/staff/reports", {"from": "2026-12-01", "to": "2026-11-01"},
                            status=400)
    assert 'id="r-to" name="to" type="date" value="2026-11-01"' in page.text.replace(
        "\n", " ").replace("      ", " ").replace("  ", " ")
    assert 'aria-invalid="true"' in page.text
    assert "The last day must not be before the first." in page.text
    assert 'class="report-section' not in page.text
    helpdesk.app.get("/staff/reports.csv", {"from": "bad", "to": "2026-11-01"}, status=400)


def test_the_csv_has_the_same_figures_with_a_bom_and_inert_formulas(helpdesk, staff,
                                                                      make_ticket):
    _november(make_ticket, staff)
    formula = helpdesk.group("=HYPERLINK(\"http://example.net\")")
    make_ticket(at("2026-11-03 10:00"), channel="web", category="-2+3",
                holder_group_id=formula.id)
    helpdesk.login(staff.firstline.email)

    answer = helpdesk.app.get("/staff/reports.csv", NOVEMBER)

    assert answer.content_type == "text/csv" and answer.charset == "utf-8"
    assert answer.body.startswith("\ufeff".encode())
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.body.decode("utf-8-sig"))))
    assert rows[0] == ["Report", "2026-11-01", "2026-11-30", "Asia/Shanghai"]
    assert ["Web portal", "3", "100.0"] in rows
    assert ["Network", "2", "1", "50.0"] in rows  # resolved with a target, within, share
    assert ["First response", "2", "600", "1200"] in rows  # seconds in the CSV
    assert ["'=HYPERLINK(\"http://example.net\")", "1", "33.3"] in rows
    assert ["'-2+3", "1", "33.3"] in rows


def test_a_group_name_with_markup_is_escaped_in_charts_and_tables(helpdesk, staff,
                                                                   make_ticket):
    group = helpdesk.group("<script>alert(1)</script>")
    make_ticket(at("2026-11-03 10:00"), holder_group_id=group.id)
    helpdesk.login(staff.coordinator.email)

    page = helpdesk.app.get("/staff/reports", NOVEMBER)

    assert "<script>" not in page.text
    chart = _section(page.text, "group")
    assert 'class="chart-label" x="0" y="12">&lt;script&gt;alert(1)&lt;/script&gt;</text>' in (
        chart.replace("\n     ", " "))


def test_the_quality_page_lists_breached_and_at_risk_tickets_and_todays_shares(
        helpdesk, staff, make_ticket):
    now = utcnow()
    late = make_ticket(now - hours(5), subject="Projector dead", status=TicketStatus.open,
                       holder_group_id=staff.network.id, due_at=now - hours(1))
    make_ticket(now - hours(1), subject="Far away", due_at=now + hours(5))
    make_ticket(now - hours(3), subject="Resolved in time", status=TicketStatus.resolved,
                holder_group_id=staff.computing.id, holder_person_id=staff.other_agent.id,
                resolved_at=now - timedelta(minutes=1), due_at=now + hours(1))
    helpdesk.login(staff.firstline.email)

    page = helpdesk.app.get("/staff/quality")

    risk = page.text[page.text.index('id="at-risk"'):page.text.index("</section>")]
    assert f'href="/staff/tickets/{late.number}">{late.number}</a>' in risk
    assert "Projector dead" in risk and "breached" in risk and "Network" in risk
    assert "Far away" not in risk
    this_week = _section(page.text, "this_week-people")
    assert "Other-Agent" in this_week and "100.0%" in this_week


def test_the_pages_in_chinese(helpdesk, staff, make_ticket):
    staff.coordinator.locale = "zh_CN"
    helpdesk.dbsession.flush()
    _november(make_ticket, staff)
    helpdesk.login(staff.coordinator.email)

    page = helpdesk.app.get("/staff/reports", NOVEMBER)
    assert "按渠道统计工单" in page.text and "网站门户" in page.text
    assert "中位数" in page.text and "下载 CSV" in page.text
    quality = helpdesk.app.get("/staff/quality")
    assert "当前已超时或即将超时" in quality.text
    exported = helpdesk.app.get("/staff/reports.csv", NOVEMBER).body.decode("utf-8-sig")
    assert exported.startswith("报表,2026-11-01")
