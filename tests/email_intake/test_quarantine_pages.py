"""Staff see quarantined mail with its reason, and retry, release or discard it."""
from sqlalchemy import func, select

from pyramid_helpdesk.intake.models import IntakeItem, IntakeStatus
from pyramid_helpdesk.tickets.models import Ticket

from .conftest import message

QUARANTINE = "/staff/mail/quarantine"


def quarantined(helpdesk, intake, raw) -> IntakeItem:
    intake(raw)
    helpdesk.dbsession.commit()
    return helpdesk.dbsession.scalars(select(IntakeItem).order_by(IntakeItem.id.desc())).first()


def tickets(helpdesk) -> int:
    return helpdesk.dbsession.scalar(select(func.count()).select_from(Ticket))


def test_staff_see_the_quarantine_with_reasons_and_requesters_may_not(helpdesk, staff, intake):
    item = quarantined(helpdesk, intake, message(subject="Loop", X_Helpdesk_Loop="example.org"))
    helpdesk.login("user@example.org")
    helpdesk.app.get(QUARANTINE, status=403)
    helpdesk.logout()
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get(QUARANTINE)
    assert "mail loop" in page.text and "user@example.org: Loop" in page.text
    detail = helpdesk.app.get(f"{QUARANTINE}/{item.id}")
    assert "Every second page jams." in detail.text


def test_release_turns_a_quarantined_message_into_a_ticket(helpdesk, staff, intake):
    item = quarantined(helpdesk, intake, message(subject="Loop", X_Helpdesk_Loop="example.org"))
    token = helpdesk.login("firstline@example.org")
    response = helpdesk.app.post(f"{QUARANTINE}/{item.id}/release", {"csrf_token": token})
    assert "Result: ticket HD-" in response.follow().text
    helpdesk.refresh(item)
    assert item.status is IntakeStatus.processed and tickets(helpdesk) == 1


def test_discard_keeps_the_message_out_of_the_list_and_makes_no_ticket(helpdesk, staff, intake):
    item = quarantined(helpdesk, intake, message(sender=""))
    token = helpdesk.login("firstline@example.org")
    helpdesk.app.post(f"{QUARANTINE}/{item.id}/discard", {"csrf_token": token}, status=303)
    helpdesk.refresh(item)
    assert item.status is IntakeStatus.discarded and "firstline@example.org" in item.reason
    assert "The quarantine is empty." in helpdesk.app.get(QUARANTINE).text
    assert tickets(helpdesk) == 0


def test_actions_need_a_csrf_token(helpdesk, staff, intake):
    item = quarantined(helpdesk, intake, message(sender=""))
    helpdesk.login("firstline@example.org")
    helpdesk.app.post(f"{QUARANTINE}/{item.id}/retry", {}, status=400)
    helpdesk.refresh(item)
    assert item.status is IntakeStatus.quarantined


def test_the_quarantine_pages_and_their_results_speak_chinese(helpdesk, staff, intake):
    item = quarantined(helpdesk, intake, message(subject="Loop", X_Helpdesk_Loop="example.org"))
    token = helpdesk.login("firstline@example.org")
    chinese = {"Accept-Language": "zh-CN"}
    assert "邮件隔离区" in helpdesk.app.get(QUARANTINE, headers=chinese).text
    detail = helpdesk.app.get(f"{QUARANTINE}/{item.id}", headers=chinese)
    assert "放行为新工单" in detail.text and "已隔离" in detail.text
    response = helpdesk.app.post(f"{QUARANTINE}/{item.id}/release", {"csrf_token": token},
                                 headers=chinese)
    assert "结果：已创建工单 HD-" in response.follow(headers=chinese).text


def test_the_page_tells_staff_of_messages_still_waiting_for_the_worker(helpdesk, staff):
    from helpdesk_email.intake import MailIntake
    from pyramid_helpdesk.intake.services import IntakeJournal

    journal = IntakeJournal(helpdesk.dbsession, "email")
    for number in range(3):  # what helpdesk mailgate stores
        journal.record(message(message_id=f"waiting-{number}"), f"waiting-{number}")
    helpdesk.dbsession.commit()
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get(QUARANTINE)
    notice = " ".join(page.html.select_one("p.flash").text.split())
    assert notice.startswith("Messages waiting to become tickets: 3, the oldest received 20")
    assert "helpdesk worker" in notice
    chinese = helpdesk.app.get(QUARANTINE, headers={"Accept-Language": "zh-CN"})
    chinese_notice = chinese.html.select_one("p.flash").text
    assert chinese_notice.startswith("等待转为工单的邮件：3 封，最早的收到于 20")

    assert journal.backlog(cap=2).count == 2 and journal.backlog(cap=2).more
    MailIntake(helpdesk.tickets, helpdesk.registry.helpdesk_email).process_journalled(10)
    helpdesk.dbsession.commit()
    assert "waiting to become tickets" not in helpdesk.app.get(QUARANTINE).text
    assert journal.backlog().count == 0 and journal.backlog().oldest is None
