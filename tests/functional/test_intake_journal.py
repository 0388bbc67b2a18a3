"""The intake journal keeps raw inbound data before it is parsed, once per item."""
from pyramid_helpdesk.intake.models import IntakeStatus
from pyramid_helpdesk.intake.services import IntakeJournal


def journal(helpdesk):
    return IntakeJournal(helpdesk.dbsession, "email")


def test_a_new_item_is_journalled_with_its_raw_bytes(helpdesk):
    item, new = journal(helpdesk).record(b"Subject: hi\r\n\r\nbody", "abc@example.org")
    assert new and item.status is IntakeStatus.received
    assert (item.dedupe_key, item.size) == ("abc@example.org", 19)
    assert journal(helpdesk).raw(item) == b"Subject: hi\r\n\r\nbody"


def test_a_second_delivery_is_recognised_by_its_identifier_or_digest(helpdesk):
    first, _ = journal(helpdesk).record(b"one", "same@example.org")
    again, new = journal(helpdesk).record(b"one, resent with other headers", "same@example.org")
    assert (again.id, new) == (first.id, False)
    anonymous, _ = journal(helpdesk).record(b"no message id", None)
    copy, new = journal(helpdesk).record(b"no message id", None)
    assert (copy.id, new) == (anonymous.id, False)
    assert anonymous.dedupe_key.startswith("sha256:")


def test_the_same_identifier_on_another_channel_is_another_item(helpdesk):
    mail, _ = journal(helpdesk).record(b"x", "id-1")
    api, new = IntakeJournal(helpdesk.dbsession, "api").record(b"x", "id-1")
    assert new and api.id != mail.id


def test_quarantine_keeps_the_reason_and_lists_oldest_first(helpdesk, staff):
    log = journal(helpdesk)
    items = [log.record(f"m{n}".encode(), f"m{n}@example.org")[0] for n in range(3)]
    log.quarantine(items[2], "no sender address")
    log.quarantine(items[0], "mail loop")
    log.processed(items[1], helpdesk.ticket(staff.user).id, "user@example.org: Printer")
    listed = log.quarantined()
    assert [(i.id, i.reason) for i in listed] == [(items[0].id, "mail loop"),
                                                  (items[2].id, "no sender address")]
    assert log.quarantined(after_id=items[0].id) == [items[2]]
    assert items[1].status is IntakeStatus.processed and items[1].attempts == 1
