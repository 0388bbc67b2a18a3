"""The coordinators' rules pages: who may use them, checking and saving, the dry run."""
from __future__ import annotations

import re

import pytest

from pyramid_helpdesk.tickets.models import EventKind

PAGES = ["/staff/routing-rules", "/staff/routing-rules/edit"]
RULES = '[[rule]]\nname = "wifi"\nkeywords = ["wifi", "无线"]\ngroup = "Network"\n'


def form_fields(page) -> dict[str, str]:
    """The editor's hidden fields and text, as a browser would post them."""
    form = page.forms["rules-form"] if hasattr(page, "forms") else None
    return {"csrf_token": form["csrf_token"].value, "version": form["version"].value,
            "text": form["text"].value}


@pytest.mark.parametrize("path", PAGES)
def test_only_coordinators_may_open_the_rules_pages(helpdesk, staff, path):
    helpdesk.app.get(path, status=303)  # a visitor is sent to the login page
    helpdesk.login("user@example.org")
    helpdesk.app.get(path, status=403)
    helpdesk.logout()
    helpdesk.login("agent@example.org")
    helpdesk.app.get(path, status=403)
    helpdesk.logout()
    helpdesk.login("coordinator@example.org")
    helpdesk.app.get(path, status=200)


def test_agents_may_not_save_rules(helpdesk, staff, rules_file):
    rules_file.write(RULES)
    token = helpdesk.login("agent@example.org")
    helpdesk.app.post("/staff/routing-rules/edit", {"csrf_token": token, "action": "save",
                                                    "text": "", "version": ""}, status=403)
    assert rules_file.read() == RULES


def test_a_save_without_the_csrf_token_is_refused(helpdesk, staff, rules_file):
    rules_file.write(RULES)
    helpdesk.login("coordinator@example.org")
    page = helpdesk.app.get("/staff/routing-rules/edit")
    fields = {**form_fields(page), "text": "", "action": "save"}
    del fields["csrf_token"]
    helpdesk.app.post("/staff/routing-rules/edit", fields, status=400)
    assert rules_file.read() == RULES


def test_the_rules_page_lists_the_rules_in_order(helpdesk, staff, rules_file):
    rules_file.write(RULES + '\n[[rule]]\nname = "网络"\ncategory = "network"\ngroup = "Network"\n')
    helpdesk.login("coordinator@example.org")

    page = helpdesk.app.get("/staff/routing-rules")

    rows = page.html.select("table.rules-list tbody tr")
    names = [row.select("td")[1].get_text() for row in rows]
    assert names == ["wifi", "网络"]


def test_the_editor_shows_the_file_and_the_names_rules_may_use(helpdesk, staff, rules_file):
    rules_file.write(RULES)
    helpdesk.login("coordinator@example.org")

    page = helpdesk.app.get("/staff/routing-rules/edit")

    assert page.forms["rules-form"]["text"].value == RULES
    reference = page.html.select_one(".rules-reference").get_text()
    for name in ("Network", "Computing", "printing", "web", "urgent"):
        assert name in reference


def test_a_refused_save_keeps_the_text_and_shows_the_line_and_reason(helpdesk, staff, rules_file):
    rules_file.write(RULES)
    helpdesk.login("coordinator@example.org")
    page = helpdesk.app.get("/staff/routing-rules/edit")
    typo = RULES + '\n[[rule]]\nname = "erp"\nregex = "ERP-(\\\\d+"\ngroup = "Network"\n'

    refused = helpdesk.app.post("/staff/routing-rules/edit",
                                {**form_fields(page), "text": typo, "action": "save"},
                                status=400)

    assert refused.forms["rules-form"]["text"].value == typo
    error = refused.html.select_one("p.error").get_text(" ", strip=True)
    assert "line 8" in error and "rule 'erp': bad regular expression" in error
    assert refused.html.select_one("#text")["aria-invalid"] == "true"
    assert rules_file.read() == RULES


def test_a_rule_naming_an_unknown_group_is_refused_on_save(helpdesk, staff, rules_file):
    rules_file.write(RULES)
    helpdesk.login("coordinator@example.org")
    page = helpdesk.app.get("/staff/routing-rules/edit")
    typo = RULES.replace('group = "Network"', 'group = "Netwrk"')

    refused = helpdesk.app.post("/staff/routing-rules/edit",
                                {**form_fields(page), "text": typo, "action": "check"},
                                status=400)

    error = refused.html.select_one("p.error").get_text(" ", strip=True)
    assert "line 1" in error and "no group is called 'Netwrk'" in error


def test_check_says_the_rules_are_valid_without_saving(helpdesk, staff, rules_file):
    rules_file.write(RULES)
    helpdesk.login("coordinator@example.org")
    page = helpdesk.app.get("/staff/routing-rules/edit")
    new = RULES + '\n[[rule]]\nname = "vpn"\nkeywords = "vpn"\ngroup = "Computing"\n'

    checked = helpdesk.app.post("/staff/routing-rules/edit",
                                {**form_fields(page), "text": new, "action": "check"})

    assert "2 rules" in checked.html.select_one("p.flash").get_text()
    assert checked.forms["rules-form"]["text"].value == new
    assert rules_file.read() == RULES


def test_an_accepted_save_routes_the_next_ticket_by_the_new_rules(helpdesk, staff, rules_file):
    rules_file.write(RULES)
    helpdesk.login("coordinator@example.org")
    page = helpdesk.app.get("/staff/routing-rules/edit")
    new = RULES.replace('group = "Network"', 'group = "Computing"')

    saved = helpdesk.app.post("/staff/routing-rules/edit",
                              {**form_fields(page), "text": new.replace("\n", "\r\n"),
                               "action": "save"}, status=303)

    assert rules_file.read() == new  # line ends as on disk, however the browser sent them
    assert "1 rules" in saved.follow().html.select_one("p.flash").get_text()
    ticket = helpdesk.ticket(staff.user, subject="无线网络很慢")
    event = helpdesk.tickets.events(ticket)[-1]
    assert (event.kind, event.to_group_id) == (EventKind.dispatched, staff.computing.id)
    assert event.detail["reason"] == "rule 'wifi' matched"


def test_a_save_over_rules_changed_meanwhile_is_refused_with_the_text_kept(
        helpdesk, staff, rules_file):
    rules_file.write(RULES)
    helpdesk.login("coordinator@example.org")
    page = helpdesk.app.get("/staff/routing-rules/edit")
    theirs = RULES.replace("wifi", "wlan")
    rules_file.write(theirs)  # another coordinator saved meanwhile
    mine = RULES.replace('"Network"', '"Computing"')

    refused = helpdesk.app.post("/staff/routing-rules/edit",
                                {**form_fields(page), "text": mine, "action": "save"},
                                status=409)

    assert refused.forms["rules-form"]["text"].value == mine
    assert rules_file.read() == theirs


def test_the_dry_run_shows_which_rule_matches_a_ticket_and_why(helpdesk, staff, rules_file):
    rules_file.write('[[rule]]\nname = "network"\ncategory = "network"\ngroup = "Network"\n\n'
                     + RULES)
    ticket = helpdesk.ticket(staff.user, subject="三楼无线信号弱", category="general")
    helpdesk.login("coordinator@example.org")

    page = helpdesk.app.get("/staff/routing-rules", {"ticket": ticket.number})

    trials = [li.get_text(" ", strip=True) for li in page.html.select("ol.trials > li")]
    assert len(trials) == 2
    assert trials[0].startswith("network did not match") and "general" in trials[0]
    assert trials[1].startswith("wifi matched") and "无线" in trials[1]
    assert re.search(rf"{ticket.number}\s+matches rule\s+wifi", page.html.get_text())


def test_the_dry_run_of_an_unknown_number_is_a_marked_field(helpdesk, staff, rules_file):
    rules_file.write(RULES)
    helpdesk.login("coordinator@example.org")

    page = helpdesk.app.get("/staff/routing-rules", {"ticket": "1999-99999"}, status=400)

    assert page.html.select_one("#ticket")["value"] == "1999-99999"
    assert "1999-99999" in page.html.select_one("#ticket-error").get_text()


def test_the_rules_page_lists_rules_naming_a_group_that_is_gone(helpdesk, staff, rules_file):
    rules_file.write(RULES.replace('"Network"', '"Printing"'))
    helpdesk.login("coordinator@example.org")

    page = helpdesk.app.get("/staff/routing-rules")

    assert "no group is called 'Printing'" in page.html.select_one(".alert").get_text()


def test_the_pages_speak_chinese(helpdesk, staff, rules_file):
    rules_file.write(RULES)
    helpdesk.login("coordinator@example.org")

    page = helpdesk.app.get("/staff/routing-rules", headers={"Accept-Language": "zh-CN"})

    assert page.html.select_one("h1").get_text() == "分派规则"


@pytest.mark.parametrize("who, shown", [("coordinator", True), ("firstline", False),
                                        ("agent", False)])
def test_the_console_menu_links_to_the_rules_for_coordinators(helpdesk, staff, rules_file,
                                                              who, shown):
    helpdesk.login(f"{who}@example.org")
    for path in ("/staff", "/staff/inbox"):
        assert ('href="/staff/routing-rules"' in helpdesk.app.get(path).text) is shown, path
