"""A test plugin: a chat robot that records what it is given (medium ``chat``) and a
notifier that reports events on its own (medium ``event``), as the chat robots and
the webhooks do. Activated as ``tests.notifications.chat_plugin``."""
from pyramid_helpdesk import hookimpl


class RecordingChat:
    """A chat robot: keeps each message instead of posting it to a group chat."""

    name = "robot"
    medium = "chat"

    def __init__(self):
        self.delivered = []

    def deliver(self, message):
        self.delivered.append(message)


class EventHook:
    """A webhook-like notifier: the outbox never queues per-recipient rows for it."""

    name = "events"
    medium = "event"

    def deliver(self, message):
        raise AssertionError("the outbox queued a per-recipient row for an event notifier")


@hookimpl
def helpdesk_register_notifiers(settings):
    return [RecordingChat(), EventHook()]
