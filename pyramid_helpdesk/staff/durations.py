"""Lengths of time as staff read them: ``3 d 4 h``, ``2 h 5 min``, ``12 min``."""
from __future__ import annotations

from datetime import timedelta

from pyramid.i18n import TranslationString

from ..i18n import _


def duration(length: timedelta) -> TranslationString:
    """``length`` in its two largest units (a negative length counts as zero)."""
    minutes = max(0, int(length.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("${days} d ${hours} h", mapping={"days": days, "hours": hours})
    if hours and not minutes:
        return _("${hours} h", mapping={"hours": hours})
    if hours:
        return _("${hours} h ${minutes} min", mapping={"hours": hours, "minutes": minutes})
    if minutes:
        return _("${minutes} min", mapping={"minutes": minutes})
    return _("under a minute")
