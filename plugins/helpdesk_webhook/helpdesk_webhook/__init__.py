"""Signed JSON webhooks for ticket events (``helpdesk.plugins = webhook``).

Registers the ``webhook`` notifier (``medium = "event"``) and implements the
event hooks: while ``helpdesk.notifiers`` lists ``webhook``, each event is
queued in the outbox once per configured endpoint whose event filter matches,
and ``helpdesk worker`` POSTs it, signed, after commit. ``includeme`` checks the
``helpdesk.webhook.*`` settings and adds the delivery log for coordinators
(``/staff/webhooks``), with the translation domain ``helpdesk_webhook``.
See docs/webhooks.md.
"""
from pyramid_helpdesk.staff.resources import StaffRoot

from .hooks import (
    helpdesk_message_added,
    helpdesk_register_notifiers,
    helpdesk_sla_breached,
    helpdesk_sla_warning,
    helpdesk_ticket_assigned,
    helpdesk_ticket_changed,
    helpdesk_ticket_created,
    helpdesk_ticket_edited,
    helpdesk_ticket_forwarded,
    helpdesk_ticket_merged,
    helpdesk_ticket_nudged,
    helpdesk_ticket_rated,
    helpdesk_ticket_status_changed,
)
from .i18n import _
from .settings import webhook_settings

__all__ = [
    "helpdesk_message_added", "helpdesk_register_notifiers", "helpdesk_sla_breached",
    "helpdesk_sla_warning", "helpdesk_ticket_assigned", "helpdesk_ticket_changed",
    "helpdesk_ticket_created", "helpdesk_ticket_edited", "helpdesk_ticket_forwarded",
    "helpdesk_ticket_merged", "helpdesk_ticket_nudged", "helpdesk_ticket_rated",
    "helpdesk_ticket_status_changed", "includeme",
]


def includeme(config):
    """Check the ``helpdesk.webhook.*`` settings (a wrong value stops start-up); add the
    delivery log's routes, views, menu link and catalog."""
    config.registry.webhook_settings = webhook_settings(config.registry.helpdesk_settings)
    config.add_translation_dirs("helpdesk_webhook:locale")
    config.add_static_view("webhook-static", "helpdesk_webhook:static", cache_max_age=3600)
    # StaffRoot grants ``coordinate`` to coordinators (admins included), as on the
    # console's Groups page.
    for name, pattern in [
        ("webhook.deliveries", "/staff/webhooks"),
        ("webhook.delivery", r"/staff/webhooks/{id:\d{1,18}}"),
        ("webhook.retry", r"/staff/webhooks/{id:\d{1,18}}/retry"),
    ]:
        config.add_route(name, pattern, factory=StaffRoot)
    config.add_console_link("webhook.deliveries", _("Webhooks"), "coordinate",
                            section="webhook")
    config.scan(".views")
