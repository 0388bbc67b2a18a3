"""A plugin that registers a channel name the web plugin already uses."""
from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.plugin.registry import Channel


@hookimpl
def helpdesk_register_channels():
    return [Channel("web", "Another web form")]
