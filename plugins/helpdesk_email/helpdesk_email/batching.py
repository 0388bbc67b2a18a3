"""Which fetched messages may be stored side by side, in transactions of their own.

``helpdesk fetchmail`` on PostgreSQL stores two batches at once (two store
processes). Two transactions that run side by side do not see each other's
rows, so two messages must not be in them at once when one depends on the other:

- a reply and the message it answers: stored side by side, the reply would not
  find its ticket and would become a new one;
- two messages of one sender: both would add the account of a new sender (one
  transaction fails on the unique address), and the acknowledgements counted
  for the rate limit would miss each other's;
- two replies to one ticket: both change the ticket (one fails on its version).

Each message therefore has *conflict keys*, read from its header block alone
(:func:`conflict_keys`): its sender, its own Message-ID and those it refers to,
and the ticket numbers in those of the helpdesk and in its subject tag.
:class:`BatchPlanner` cuts batches in the mailbox's order, keeping a message
out of a batch while a batch being stored shares a key with it, and after any
earlier message held back with a key of its own: what depends on each other is
stored in its order, one transaction after the other. A conflict the keys miss
(two replies to one ticket that name nothing in common) is caught by the
database and the batch is stored again (:func:`~helpdesk_email.commands.store_messages`).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from .matching import SUBJECT_TAG
from .outgoing import parse_helpdesk_message_id
from .parsing import read_thread_headers


def conflict_keys(raw: bytes, domain: str) -> frozenset[str]:
    """The keys of ``raw`` (see the module docstring); messages that share one are
    stored one after the other. A message without such headers has none."""
    headers = read_thread_headers(raw)
    referenced = {*headers.in_reply_to, *headers.references}
    keys = {f"id:{message_id}" for message_id in referenced}
    if headers.message_id:
        keys.add(f"id:{headers.message_id}")
    if headers.from_address:
        keys.add(f"from:{headers.from_address}")
    numbers = {parse_helpdesk_message_id(message_id, domain) for message_id in referenced}
    numbers.update(match.group(1) for match in SUBJECT_TAG.finditer(headers.subject))
    keys.update(f"ticket:{number}" for number in numbers if number)
    return frozenset(keys)


@dataclass(frozen=True)
class Fetched:
    """One fetched message waiting for its batch."""

    uid: bytes
    raw: bytes
    keys: frozenset[str]


class BatchPlanner:
    """Cuts the fetched messages of a mailbox into batches that may be stored side by side."""

    def __init__(self, batch_size: int):
        self.batch_size = batch_size
        self.waiting: list[Fetched] = []
        self._busy: Counter[str] = Counter()  # the keys of the batches being stored

    def add(self, message: Fetched) -> None:
        """``message`` waits for a batch, after those added before it."""
        self.waiting.append(message)

    def take(self) -> list[Fetched]:
        """The next batch: up to ``batch_size`` waiting messages, in order, that share no
        key with a batch being stored nor with an earlier message held back. Their keys
        are busy until :meth:`done`. Empty only when nothing waits or everything waiting
        must wait for a batch being stored."""
        taken: list[Fetched] = []
        held: set[str] = set()
        left: list[Fetched] = []
        for message in self.waiting:
            if (len(taken) < self.batch_size and held.isdisjoint(message.keys)
                    and not any(key in self._busy for key in message.keys)):
                taken.append(message)
            else:
                held.update(message.keys)
                left.append(message)
        self.waiting = left
        for message in taken:
            self._busy.update(message.keys)
        return taken

    def done(self, batch: Iterable[Fetched]) -> None:
        """``batch`` (taken before) is stored or given up: its keys are free again."""
        for message in batch:
            self._busy.subtract(message.keys)
        self._busy = +self._busy  # drops the keys no batch holds any more
