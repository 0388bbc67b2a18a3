"""The web intake channel: the requester's pages.

New ticket (submit or save as draft), drafts, editing a submitted ticket until
staff answer, and "my tickets". Registers the ``web`` channel through
``helpdesk_register_channels`` and adds its pages, and its own translation
domain ``helpdesk_web``, through ``includeme``, as any third-party plugin would.
"""
from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.plugin.registry import Channel
from pyramid_helpdesk.tickets.resources import TicketResource

from .drafts import DraftResource


@hookimpl
def helpdesk_register_channels():
    """Register the ``web`` channel."""
    return [Channel("web", "Web portal")]


def includeme(config):
    """Add the plugin's routes, views and message catalog."""
    config.add_translation_dirs("helpdesk_web:locale")
    config.add_static_view("web-static", "helpdesk_web:static", cache_max_age=3600)
    config.add_route("tickets.new", "/tickets/new")
    config.add_route("tickets.edit", "/tickets/{number}/edit", factory=TicketResource)
    config.add_route("tickets.mine", "/my-tickets")
    config.add_route("drafts.list", "/drafts")
    config.add_route("drafts.edit", r"/drafts/{id:\d+}", factory=DraftResource)
    config.add_route("drafts.delete", r"/drafts/{id:\d+}/delete", factory=DraftResource)
    config.scan(".views")
