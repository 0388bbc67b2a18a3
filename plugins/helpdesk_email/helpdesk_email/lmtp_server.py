"""The LMTP protocol of ``helpdesk lmtp``: aiosmtpd's, with one reply per recipient.

Kept apart from :mod:`helpdesk_email.lmtp` so that importing the command, which
every ``helpdesk`` invocation does, does not import aiosmtpd.
"""
from __future__ import annotations

from aiosmtpd.lmtp import LMTP

TOO_BIG = "552 5.3.4 Message too big for this helpdesk"


class HelpdeskLMTP(LMTP):
    """aiosmtpd's LMTP server, answering DATA once per recipient.

    aiosmtpd sends one reply after DATA, as in SMTP; LMTP (RFC 2033, 4.2)
    wants one per accepted recipient, and a client waits for all of them.
    The final reply of a DATA command (stored, retry later, too big) is
    therefore repeated for every recipient. Open connections are kept in
    ``connections`` so that a shutdown can say goodbye (421) to each.
    """

    def __init__(self, handler, *, connections: set, **kwargs):
        super().__init__(handler, **kwargs)
        self.connections = connections
        self._replies_due = 0

    @property
    def in_transaction(self) -> bool:
        """Whether this session has begun a message (MAIL accepted) that has had no
        answer to its DATA yet: one more message on its way to be stored."""
        return self.envelope is not None and self.envelope.mail_from is not None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self.connections.add(self)

    def connection_lost(self, exc) -> None:
        self.connections.discard(self)
        super().connection_lost(exc)

    async def smtp_DATA(self, arg: str) -> None:  # noqa: N802 - aiosmtpd's name
        try:
            await super().smtp_DATA(arg)
        finally:
            self._replies_due = 0

    async def push(self, status: str) -> None:
        if status.startswith("354"):  # the data follows: the next reply is the verdict
            self._replies_due = len(self.envelope.rcpt_tos) if self.envelope else 1
            await super().push(status)
            return
        replies, self._replies_due = max(self._replies_due, 1), 0
        if status.startswith("552 Error:"):  # over data_size_limit, at MAIL or after DATA
            status = TOO_BIG
        for _ in range(replies):
            await super().push(status)

    def say_goodbye(self) -> None:
        """Tell the client the service is going away and close the connection."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"421 4.3.2 Service shutting down\r\n")
            self.transport.close()
