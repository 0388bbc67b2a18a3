"""What staff read for values stored as short names: categories and channels."""
from __future__ import annotations

from ..i18n import _

#: Labels of the usual category names; another category shows its own name.
CATEGORY_LABELS = {
    "general": _("General"),
    "network": _("Network"),
    "computing": _("Computing"),
    "accounts": _("Accounts"),
    "software": _("Software"),
    "hardware": _("Hardware"),
}

#: Labels of the channels shipped with the helpdesk; another shows its registered title.
CHANNEL_LABELS = {
    "staff": _("Created by staff"),
    "web": _("Web portal"),
    "email": _("E-mail"),
}


def category_label(name: str | None):
    """The label of category ``name`` (``""`` for none)."""
    if not name:
        return ""
    return CATEGORY_LABELS.get(name, name)


def channel_label(name: str, channels: dict):
    """The label of channel ``name``: ours, else the title its plugin registered."""
    if name in CHANNEL_LABELS:
        return CHANNEL_LABELS[name]
    channel = channels.get(name)
    return channel.title if channel is not None else name
