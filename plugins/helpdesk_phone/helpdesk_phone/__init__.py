"""The phone-log channel: first line logs every call to the service phone as a ticket.

Registers the ``phone`` channel through ``helpdesk_register_channels`` and adds,
through ``includeme``, the console's "log a call" page, the list of logged calls,
the pending calls the telephone system announced, and the endpoint it announces
them to (``POST /phone/incoming``), with the translation domain ``helpdesk_phone``.
"""
from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.plugin.registry import Channel
from pyramid_helpdesk.staff.resources import StaffRoot

from .i18n import _
from .settings import PhoneSettings


@hookimpl
def helpdesk_register_channels():
    """Register the ``phone`` channel (its title translated where it is shown)."""
    return [Channel("phone", _("Phone call"))]


def includeme(config):
    """Parse the ``helpdesk.phone.*`` settings; add the routes, views and catalog."""
    config.registry.phone_settings = PhoneSettings.parse(config.registry.settings)
    config.add_translation_dirs("helpdesk_phone:locale")
    config.add_static_view("phone-static", "helpdesk_phone:static", cache_max_age=3600)
    # The console's pages: StaffRoot lets agents in and first line and coordinators
    # supervise (dispatch), as on the core's new-ticket page.
    for name, pattern in [
        ("phone.calls", "/staff/calls"),
        ("phone.new", "/staff/calls/new"),
        ("phone.incoming_calls", "/staff/calls/incoming"),
        ("phone.take", r"/staff/calls/incoming/{id:\d{1,9}}/take"),
    ]:
        config.add_route(name, pattern, factory=StaffRoot)
    config.add_console_link("phone.new", _("Phone log"), "staff", section="phone")
    config.add_route("phone.incoming", "/phone/incoming")  # the telephone system's
    config.scan(".views")
