"""The e-mail channel: mail in (mailgate, LMTP, IMAP), threading, SMTP out.

Activate with ``helpdesk.plugins = email`` and ``helpdesk.notifiers = smtp``.
Every way in calls the same pipeline, :class:`helpdesk_email.intake.MailIntake`.
The hook implementations are in :mod:`helpdesk_email.plugin` (the ``email``
entry point), so that importing this package costs nothing: ``helpdesk mailgate``
(:mod:`helpdesk_email.spool`, a quick command) starts without the plugin machinery.
"""
