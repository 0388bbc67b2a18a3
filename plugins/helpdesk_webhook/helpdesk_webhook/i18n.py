"""The plugin's own translation domain, ``helpdesk_webhook``.

Its catalog is ``helpdesk_webhook/locale`` (registered in :func:`helpdesk_webhook.includeme`):
templates say ``i18n:domain="helpdesk_webhook"``, Python code marks strings with ``_``.
"""
from pyramid.i18n import TranslationStringFactory

_ = TranslationStringFactory("helpdesk_webhook")
