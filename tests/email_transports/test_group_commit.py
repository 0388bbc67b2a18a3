"""``helpdesk lmtp``'s group commit: how the messages of concurrent sessions are batched."""
from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Executor, Future, ThreadPoolExecutor

from helpdesk_email.lmtp import GroupCommit


class RecordingPool(Executor):
    """Stores nothing: answers each batch after ``seconds``, recording its size."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.sizes: list[int] = []

    def submit(self, fn, raws, /):
        self.sizes.append(len(raws))
        future: Future = Future()
        threading.Timer(self.seconds, future.set_result,
                        [[f"stored {raw.decode()}" for raw in raws]]).start()
        return future


def run_senders(group: GroupCommit, senders: int, messages: int) -> list[list[str]]:
    """``senders`` sessions, each sending ``messages`` one after the other (waiting for
    each answer, as an MTA's LMTP client does): the answers each session heard."""
    async def session(number: int) -> list[str]:
        return [await group.store(f"{number}-{n}".encode()) for n in range(messages)]

    async def main():
        return await asyncio.gather(*(session(number) for number in range(senders)))

    # In a thread of its own: a test before may have left an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(lambda: asyncio.run(main())).result()


def test_each_session_hears_the_outcome_of_its_own_messages():
    pool = RecordingPool(0.01)
    answers = run_senders(GroupCommit(pool, lambda: pool, 2, 50), senders=20, messages=5)
    assert answers == [[f"stored {s}-{n}" for n in range(5)] for s in range(20)]
    assert sum(pool.sizes) == 100


def test_a_batch_takes_no_more_than_its_share_of_the_messages_in_flight():
    pool = RecordingPool(0.01)
    run_senders(GroupCommit(pool, lambda: pool, 2, 50), senders=20, messages=5)
    # 20 messages in flight at most, shared by two processes: never one batch of 19
    # beside one of 1, whatever the timing.
    assert max(pool.sizes) <= 10


def test_the_batch_size_setting_caps_every_batch():
    pool = RecordingPool(0.01)
    run_senders(GroupCommit(pool, lambda: pool, 2, 4), senders=20, messages=3)
    assert max(pool.sizes) <= 4
    assert sum(pool.sizes) == 60


def test_a_lone_session_has_each_message_stored_at_once_alone():
    pool = RecordingPool(0.001)
    run_senders(GroupCommit(pool, lambda: pool, 2, 50), senders=1, messages=5)
    assert pool.sizes == [1, 1, 1, 1, 1]


def test_messages_on_their_way_are_waited_for_and_stored_together(monkeypatch):
    # One store process (SQLite) and 20 sessions that each begin their next message as
    # soon as they are answered: with the sessions in a transaction counted, each batch
    # holds all 20 instead of the first arrival alone, then the 19 others.
    monkeypatch.setattr("helpdesk_email.lmtp.LINGER_SECONDS", 5.0)  # never the limit here
    pool = RecordingPool(0.001)
    sending = {"sessions": 20}
    group = GroupCommit(pool, lambda: pool, 1, 50, lambda: sending["sessions"])
    answers = run_senders(group, senders=20, messages=5)
    assert pool.sizes == [20] * 5
    assert answers == [[f"stored {s}-{n}" for n in range(5)] for s in range(20)]


def test_without_sessions_on_their_way_a_free_process_takes_the_first_arrival():
    pool = RecordingPool(0.001)
    run_senders(GroupCommit(pool, lambda: pool, 1, 50), senders=20, messages=5)
    assert pool.sizes[0] == 1
