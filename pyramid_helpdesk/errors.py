"""Errors the helpdesk raises on purpose: configuration and domain errors.

Domain errors are raised by services and mapped to HTTP answers by exception
views; configuration errors stop start-up with their one-line message.
"""


class ConfigurationError(Exception):
    """The ini file or the plugin set cannot give a working helpdesk."""


class DomainError(Exception):
    """A service refused an operation; the message is shown to the user."""


class TransitionNotAllowed(DomainError):
    """The ticket's status does not allow this operation."""

    def __init__(self, operation: str, status: str):
        self.operation = operation
        self.status = status
        super().__init__(f"cannot {operation} a ticket that is {status}")


class StaleTicket(DomainError):
    """Someone else changed the ticket since the actor loaded it."""

    def __init__(self, number: str, expected: int | None, current: int | None):
        self.number = number
        self.expected = expected
        self.current = current
        super().__init__(
            f"ticket {number} changed since you opened it "
            f"(you had version {expected}, it is now at version {current})"
        )


class InvalidOperation(DomainError):
    """The operation's arguments do not make sense (no target, empty body...)."""


class AttachmentTooLarge(DomainError):
    """An attachment is over the configured size limit."""

    def __init__(self, filename: str, limit: int):
        self.filename = filename
        self.limit = limit
        super().__init__(f"attachment {filename!r} is larger than {limit} bytes")
