"""The e-mail channel: mail in (mailgate, LMTP, IMAP), threading, SMTP out.

Activate with ``helpdesk.plugins = email`` and ``helpdesk.notifiers = smtp``.
Every way in calls the same pipeline, :class:`helpdesk_email.intake.MailIntake`.
"""
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
    """``helpdesk mailgate``, ``helpdesk lmtp`` and ``helpdesk fetchmail``."""
    from .commands import mailgate
    from .fetchmail import fetchmail
    from .lmtp import lmtp

    return [mailgate, lmtp, fetchmail]


def includeme(config):
    """Validate the ``helpdesk.email.*`` settings once, at start-up; add the staff pages."""
    from .settings import read_intake_settings

    config.registry.helpdesk_email = read_intake_settings(config.registry.helpdesk_settings)
    config.add_translation_dirs("helpdesk_email:locale")
    config.include(".views")
