"""The web intake channel: the requester's "new ticket" form.

Registers the ``web`` channel through ``helpdesk_register_channels`` and adds
its pages through ``includeme``, as any third-party plugin would.
"""
from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.plugin.registry import Channel


@hookimpl
def helpdesk_register_channels():
    """Register the ``web`` channel."""
    return [Channel("web", "Web portal")]


def includeme(config):
    """Add the ``tickets.new`` route and its views."""
    config.add_route("tickets.new", "/tickets/new")
    config.scan(".views")
