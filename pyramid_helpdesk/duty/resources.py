"""Who may read and change the duty roster.

Every staff member reads the roster (``staff``); coordinators (admins included)
change it (``coordinate``). ``/duty/now`` (``duty.now``) is read by signed-in
staff, or by a telephone system presenting ``helpdesk.duty.now_token``.
"""
from __future__ import annotations

import hmac

from pyramid.authorization import DENY_ALL, Allow, Everyone

from ..people.models import Role

AGENT = f"role:{Role.agent.value}"
COORDINATOR = f"role:{Role.coordinator.value}"


class DutyRoot:
    """The context of the roster page and its forms."""

    __acl__ = [
        (Allow, AGENT, "staff"),
        (Allow, COORDINATOR, ("staff", "coordinate")),
        DENY_ALL,
    ]

    def __init__(self, request):
        self.request = request


def presented_token(request) -> str | None:
    """The token of ``Authorization: Bearer <token>``, else of ``?token=``."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.GET.get("token") or None


class DutyNowResource:
    """The context of ``/duty/now``: staff, or anyone holding the shared token."""

    def __init__(self, request):
        self.request = request
        expected = request.helpdesk_settings.duty_now_token
        given = presented_token(request)
        self.token_accepted = bool(expected) and given is not None and hmac.compare_digest(
            given.encode(), expected.encode())

    @property
    def __acl__(self):
        if self.token_accepted:
            return [(Allow, Everyone, "duty.now")]
        return [(Allow, AGENT, "duty.now"), DENY_ALL]
