"""The plugin's own translation domain, ``helpdesk_rules`` (catalog in ``locale/``)."""
from pyramid.i18n import TranslationStringFactory

_ = TranslationStringFactory("helpdesk_rules")
