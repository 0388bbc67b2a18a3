"""The plugin's own translation domain, ``helpdesk_phone``.

Its catalog is ``helpdesk_phone/locale`` (registered in :func:`helpdesk_phone.includeme`):
templates say ``i18n:domain="helpdesk_phone"``, Python code marks strings with ``_``.
"""
from pyramid.i18n import TranslationStringFactory

_ = TranslationStringFactory("helpdesk_phone")
