"""The e-mail plugin's hooks under another module name, as a site may wrap a plugin.

``helpdesk mailgate``'s quick command recognises the plugin only as ``email`` or a
dotted path in ``helpdesk_email``; under this name it declines, and the full
``helpdesk`` command line runs the same sub-command.
"""
from helpdesk_email.plugin import (  # noqa: F401 - registered by name
    helpdesk_register_channels,
    helpdesk_register_commands,
    helpdesk_register_notifiers,
    helpdesk_register_worker_tasks,
    includeme,
)
