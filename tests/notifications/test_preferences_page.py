"""``/profile/notifications``: a person chooses e-mail, chat or none per kind; chat
only for staff with a phone number on a helpdesk with a chat robot."""
import pytest

from pyramid_helpdesk.notifications.preferences import PREFERENCE_KINDS

from .conftest import people

PAGE = "/profile/notifications"


def kinds_on(page) -> list[str]:
    return [row["id"].removeprefix("kind-") for row in page.html.select("tbody tr")]


def chat_button(page, kind: str):
    return page.html.select_one(f"#{kind}-chat")


def test_staff_choose_for_every_kind_and_the_choice_is_saved(helpdesk, staff):
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get("/profile").click(href=PAGE)
    assert kinds_on(page) == list(PREFERENCE_KINDS)
    form = page.forms["notifications-form"]
    assert form["kind.ticket_assigned"].value == "email"
    form["kind.ticket_assigned"] = "none"
    form["kind.sla_warning"] = "none"

    saved = form.submit(status=303)

    assert saved.location.endswith(PAGE)
    again = saved.follow()
    assert again.html.select_one("p.flash").get_text(strip=True) == (
        "Your notification settings were saved.")
    assert again.forms["notifications-form"]["kind.ticket_assigned"].value == "none"
    helpdesk.refresh(staff.agent)
    assert staff.agent.notification_preferences == {"ticket_assigned": "none",
                                                   "sla_warning": "none"}

    form = again.forms["notifications-form"]
    form["kind.ticket_assigned"] = "email"
    form.submit(status=303)
    helpdesk.refresh(staff.agent)
    assert staff.agent.notification_preferences == {"sla_warning": "none"}


def test_a_save_without_the_csrf_token_changes_nothing(helpdesk, staff):
    helpdesk.login("agent@example.org")
    refused = helpdesk.app.post(PAGE, {"kind.ticket_assigned": "none"}, status=400)
    assert "Form expired" in refused.text
    helpdesk.refresh(staff.agent)
    assert staff.agent.notification_preferences is None


def test_requesters_see_only_their_own_kinds_and_no_chat(helpdesk, staff):
    helpdesk.login("user@example.org")
    page = helpdesk.app.get(PAGE)

    assert kinds_on(page) == ["ticket_created", "message_public", "ticket_pending",
                              "ticket_resolved", "ticket_closed", "rating_invitation"]
    assert page.html.select_one("#label-message_public").text == "A reply to my ticket"
    assert chat_button(page, "message_public") is None and "Chat" not in page.text
    # A staff kind posted by hand is not stored.
    form = page.forms["notifications-form"]
    form["kind.ticket_closed"] = "none"
    helpdesk.app.post(PAGE, [*form.submit_fields(), ("kind.ticket_assigned", "none")],
                      status=303)
    helpdesk.refresh(staff.user)
    assert staff.user.notification_preferences == {"ticket_closed": "none"}


def test_chat_is_disabled_without_a_chat_robot_and_said_why(helpdesk, staff):
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get(PAGE)

    assert chat_button(page, "ticket_assigned").has_attr("disabled")
    assert page.html.select_one("#chat-why").text == "No chat robot is set up on this helpdesk."
    token = helpdesk.csrf_token(PAGE)
    refused = helpdesk.app.post(PAGE, {"csrf_token": token, "kind.ticket_assigned": "chat",
                                       "kind.ticket_nudged": "none"}, status=400)
    assert refused.html.select_one("#error-ticket_assigned").text == (
        "Chat is not available to you.")
    form = refused.forms["notifications-form"]
    assert (form["kind.ticket_assigned"].value, form["kind.ticket_nudged"].value) == (
        "email", "none")
    helpdesk.refresh(staff.agent)
    assert staff.agent.notification_preferences is None


@pytest.mark.parametrize("value", ["pigeon", ""])
def test_a_bad_value_is_refused_and_the_form_shown_again(helpdesk, staff, value):
    helpdesk.login("agent@example.org")
    token = helpdesk.csrf_token(PAGE)
    refused = helpdesk.app.post(PAGE, {"csrf_token": token, "kind.ticket_nudged": value},
                                status=400)
    assert refused.html.select_one("[role=alert]").text == "Please correct the marked rows."
    assert refused.html.select_one("#error-ticket_nudged").text == "Choose e-mail, chat or none."
    helpdesk.refresh(staff.agent)
    assert staff.agent.notification_preferences is None


def test_staff_with_a_phone_choose_chat_when_a_robot_is_set_up(chat_desk):
    team = people(chat_desk)
    chat_desk.login("agent@example.org")
    page = chat_desk.app.get(PAGE)
    assert not chat_button(page, "ticket_assigned").has_attr("disabled")
    assert page.html.select_one("#chat-why") is None
    form = page.forms["notifications-form"]
    form["kind.ticket_assigned"] = "chat"
    form.submit(status=303)
    chat_desk.refresh(team.agent)
    assert team.agent.notification_preferences == {"ticket_assigned": "chat"}

    chat_desk.logout()
    chat_desk.login("no-phone@example.org")
    page = chat_desk.app.get(PAGE)
    assert chat_button(page, "ticket_assigned").has_attr("disabled")
    assert page.html.select_one("#chat-why").text == (
        "Chat needs your phone number: add it to your profile.")


def test_a_chat_choice_survives_a_save_while_the_robot_is_gone(helpdesk, staff):
    """The checked chat button is disabled (a browser does not post it, WebTest does):
    the choice stays either way."""
    staff.agent.notification_preferences = {"ticket_nudged": "chat"}
    staff.agent.phone = "13800005555"
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get(PAGE)
    assert page.html.select_one("#ticket_nudged-chat").has_attr("checked")
    form = page.forms["notifications-form"]
    form["kind.ticket_closed"] = "none"
    as_browser = [(name, value) for name, value in form.submit_fields()
                  if name != "kind.ticket_nudged"]
    for post in (lambda: helpdesk.app.post(PAGE, as_browser, status=303),
                 lambda: form.submit(status=303)):
        staff.agent.notification_preferences = {"ticket_nudged": "chat"}
        helpdesk.dbsession.flush()
        post()
        helpdesk.refresh(staff.agent)
        assert staff.agent.notification_preferences == {"ticket_nudged": "chat",
                                                       "ticket_closed": "none"}


def test_anonymous_visitors_are_sent_to_the_login_page(helpdesk):
    assert "/login" in helpdesk.app.get(PAGE, status=303).location


def test_the_page_in_chinese(helpdesk, staff):
    staff.agent.locale = "zh_CN"
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get(PAGE)

    assert page.html.h1.text == "通知"
    assert page.html.select_one("#label-ticket_assigned").text == "工单分派给我或我的组"
    assert [th.text for th in page.html.select("thead th")] == [
        "通知类型", "电子邮件", "聊天", "不通知"]
    assert page.html.select_one("#chat-why").text == "本服务台尚未配置聊天机器人。"
    form = page.forms["notifications-form"]
    form["kind.ticket_nudged"] = "none"
    assert form.submit(status=303).follow().html.select_one("p.flash").text == (
        "您的通知设置已保存。")


def test_on_phones_the_choice_headings_stay_whole(helpdesk, staff):
    # Found by hand at 390 px in Chinese: 电子邮件, 聊天 and 不通知 were cut in two.
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get(PAGE, headers={"Accept-Language": "zh-CN"})
    assert page.html.select_one("table.notification-preferences thead th")
    sheet = page.html.select_one("link[href*='helpdesk.css']")["href"]
    css = helpdesk.app.get(sheet).text
    assert "table.notification-preferences thead th { white-space:nowrap; }" in css
