"""Which fetched messages helpdesk fetchmail may store side by side (helpdesk_email.batching)."""
from __future__ import annotations

from helpdesk_email.batching import BatchPlanner, Fetched, conflict_keys
from helpdesk_email.outgoing import notification_message_id, thread_root_id

DOMAIN = "helpdesk.example.org"


def mail(message_id: str, sender: str = "user@example.org", subject: str = "Printer jams",
         in_reply_to: str = "", references: str = "") -> bytes:
    lines = [f"From: A User <{sender}>", f"Subject: {subject}", f"Message-ID: <{message_id}>"]
    if in_reply_to:
        lines.append(f"In-Reply-To: {in_reply_to}")
    if references:
        lines.append(f"References: {references}")
    return ("\r\n".join(lines) + "\r\n\r\nIt jams again.\r\n").encode()


def fetched(uid: int, raw: bytes) -> Fetched:
    return Fetched(str(uid).encode(), raw, conflict_keys(raw, DOMAIN))


def uids(batch: list[Fetched]) -> list[int]:
    return [int(message.uid) for message in batch]


def test_the_keys_name_the_sender_the_message_ids_and_the_tickets():
    notification = notification_message_id("HD-000042", 7, DOMAIN)
    root = thread_root_id("HD-000042", DOMAIN)
    reply = mail("reply@example.org", sender="Lab.User@Example.ORG",
                 subject="=?UTF-8?B?5Zue5aSNOiBbSEQtMDAwMDQyXSDmiZPljbDmnLo=?=",  # 回复: [HD-...
                 in_reply_to=notification, references=f"{root} <first@example.org>")
    assert conflict_keys(reply, DOMAIN) == {
        "from:lab.user@example.org", "id:reply@example.org", "id:first@example.org",
        f"id:{root.strip('<>')}", f"id:{notification.strip('<>')}", "ticket:HD-000042"}


def test_a_tag_in_the_subject_alone_names_the_ticket():
    keys = conflict_keys(mail("x@example.org", subject="Re: [HD-000007] VPN"), DOMAIN)
    assert "ticket:HD-000007" in keys


def test_a_message_without_such_headers_has_no_keys():
    assert conflict_keys(b"\x00\xff not a message", DOMAIN) == frozenset()
    assert conflict_keys(b"", DOMAIN) == frozenset()


def test_a_reply_waits_for_the_batch_storing_what_it_answers():
    planner = BatchPlanner(batch_size=2)
    for uid, raw in enumerate([mail("root@example.org", sender="a@example.org"),
                               mail("other@example.org", sender="b@example.org"),
                               mail("reply@example.org", sender="c@example.org",
                                    in_reply_to="<root@example.org>"),
                               mail("fourth@example.org", sender="d@example.org")], 1):
        planner.add(fetched(uid, raw))
    first = planner.take()
    assert uids(first) == [1, 2]
    assert uids(planner.take()) == [4]  # the reply (3) must wait for 1 to be committed
    assert planner.take() == []
    planner.done(first)
    assert uids(planner.take()) == [3]


def test_messages_of_one_sender_are_never_stored_side_by_side():
    planner = BatchPlanner(batch_size=1)
    planner.add(fetched(1, mail("one@example.org", sender="new.user@example.org")))
    planner.add(fetched(2, mail("two@example.org", sender="New.User@example.org")))
    first = planner.take()
    assert uids(first) == [1]
    assert planner.take() == []
    planner.done(first)
    assert uids(planner.take()) == [2]


def test_a_message_held_back_keeps_its_place_before_those_that_share_a_key_with_it():
    planner = BatchPlanner(batch_size=5)
    planner.add(fetched(1, mail("one@example.org", sender="a@example.org")))
    first = planner.take()
    # 2 waits for 1 (same sender); 3 replies to 2, so it waits too; 4 shares nothing.
    planner.add(fetched(2, mail("two@example.org", sender="a@example.org")))
    planner.add(fetched(3, mail("three@example.org", sender="b@example.org",
                                references="<two@example.org>")))
    planner.add(fetched(4, mail("four@example.org", sender="c@example.org")))
    assert uids(planner.take()) == [4]
    planner.done(first)
    assert uids(planner.take()) == [2, 3]  # together: one transaction, in their order


def test_a_batch_holds_at_most_its_size_and_keys_are_freed_only_when_done():
    planner = BatchPlanner(batch_size=2)
    for uid in range(1, 6):
        planner.add(fetched(uid, mail(f"m{uid}@example.org", sender=f"s{uid}@example.org")))
    batches = [planner.take(), planner.take(), planner.take()]
    assert [uids(batch) for batch in batches] == [[1, 2], [3, 4], [5]]
    planner.add(fetched(6, mail("m6@example.org", sender="s1@example.org")))
    assert planner.take() == []
    planner.done(batches[1])
    assert planner.take() == []  # s1's batch is still being stored
    planner.done(batches[0])
    assert uids(planner.take()) == [6]
