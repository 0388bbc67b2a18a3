"""The hooks of the e-mail channel: the ``email`` channel, the ``smtp`` notifier, the
``helpdesk`` sub-commands, the worker's journal task and the staff pages (``includeme``)."""
from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.plugin.registry import Channel


@hookimpl
def helpdesk_register_channels():
    """Register the ``email`` channel."""
    return [Channel("email", "E-mail")]


@hookimpl
def helpdesk_register_notifiers(settings):
    """Register the ``smtp`` notifier (used when ``helpdesk.notifiers`` names it)."""
    from .smtp import SmtpNotifier, read_smtp_settings

    return [SmtpNotifier(read_smtp_settings(settings))]


@hookimpl
def helpdesk_register_commands():
    """``helpdesk mailgate``, ``mailqueue``, ``lmtp`` and ``fetchmail``."""
    from .commands import mailgate, mailqueue
    from .fetchmail import fetchmail
    from .lmtp import lmtp

    return [mailgate, mailqueue, lmtp, fetchmail]


@hookimpl
def helpdesk_register_worker_tasks(settings):
    """``email-journal``: ``helpdesk worker`` makes tickets of what ``helpdesk mailgate``
    journalled."""
    from .journal_task import JournalTask
    from .settings import read_intake_settings

    return [JournalTask(read_intake_settings(settings).batch_size)]


def includeme(config):
    """Validate the ``helpdesk.email.*`` settings once, at start-up; add the staff pages."""
    from .settings import read_intake_settings

    config.registry.helpdesk_email = read_intake_settings(config.registry.helpdesk_settings)
    config.add_translation_dirs("helpdesk_email:locale")
    config.include(".views")
