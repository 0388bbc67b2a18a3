"""``/profile/notifications``: how a person hears of each kind of notification.

A table of the kinds they may choose for (requesters their own, staff all of them)
with e-mail, chat and none for each; chat only for staff with a phone number on a
helpdesk with a chat robot (:mod:`pyramid_helpdesk.notifications.preferences`).
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..i18n import _
from ..notifications import preferences

TEMPLATE = "pyramid_helpdesk:templates/profile/notifications.pt"


def _page(request, choices: dict[str, str], errors: dict | None = None) -> dict:
    person = request.identity
    if not person.is_staff:  # chat is for staff: a requester who was staff gets e-mail
        choices = {kind: preferences.EMAIL if choice == preferences.CHAT else choice
                   for kind, choice in choices.items()}
    return {
        "kinds": preferences.kinds_for(person.is_staff),
        "is_staff": person.is_staff,
        "choices": choices,
        "errors": errors or {},
        "chat_unavailable": preferences.chat_available(
            person, request.registry.helpdesk_plugins.notifiers),
    }


@view_config(route_name="profile.notifications", request_method="GET", renderer=TEMPLATE,
             permission="portal")
def notification_preferences(request):
    """The person's choices as stored (e-mail for every kind they left alone)."""
    kinds = [item.kind for item in preferences.kinds_for(request.identity.is_staff)]
    return _page(request, preferences.stored_preferences(request.identity, kinds))


@view_config(route_name="profile.notifications", request_method="POST", renderer=TEMPLATE,
             permission="portal")
def save_notification_preferences(request):
    """Save the choices; a refused one comes back marked (showing what is stored),
    with the others as posted, and nothing is saved."""
    person = request.identity
    kinds = [item.kind for item in preferences.kinds_for(person.is_staff)]
    chat_allowed = preferences.chat_available(
        person, request.registry.helpdesk_plugins.notifiers) is None
    stored = preferences.stored_preferences(person, kinds)
    choices, errors = preferences.read_preferences(request.POST, kinds, chat_allowed, stored)
    if errors:
        request.response.status = 400
        return _page(request, {**stored, **choices}, errors)
    preferences.save_preferences(person, choices)
    request.session.flash(request.localizer.translate(
        _("Your notification settings were saved.")))
    return HTTPSeeOther(request.route_path("profile.notifications"))
