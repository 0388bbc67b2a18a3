"""The plugin's own translation domain, ``helpdesk_web``.

Its catalog is ``helpdesk_web/locale`` (registered in :func:`helpdesk_web.includeme`):
templates say ``i18n:domain="helpdesk_web"``, Python code marks strings with ``_``.
"""
from pyramid.i18n import TranslationStringFactory

_ = TranslationStringFactory("helpdesk_web")

#: Labels of the usual category names; a category not listed here shows its own name.
CATEGORY_LABELS = {
    "general": _("General"),
    "network": _("Network"),
    "computing": _("Computing"),
    "accounts": _("Accounts"),
    "software": _("Software"),
    "hardware": _("Hardware"),
    "email": _("E-mail"),
    "printing": _("Printing"),
    "security": _("Security"),
    "other": _("Other"),
}


def category_label(name: str | None):
    """What the requester reads for category ``name`` (a translation string when known)."""
    if not name:
        return ""
    return CATEGORY_LABELS.get(name, name)

