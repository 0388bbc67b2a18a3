"""Outside delegates: signed links that open one ticket to an address outside the helpdesk.

Staff ``forward(ticket, address=...)`` creates an :class:`ExternalAuthorization`
(valid for 30 days by default). The forward notification carries a link
``<base_url>/delegate/<token>``; the token is signed with ``helpdesk.session.secret``
(itsdangerous, with a salt of its own) and names the authorisation and its address.
Following the link checks the signature, then that the authorisation has neither
expired (``expires_at``) nor been revoked (``revoked_at``), and adds the principal
``delegation:<id>`` to the browser's session. The ticket's ACL
(:func:`~pyramid_helpdesk.tickets.resources.ticket_acl`) lets that principal read
and reply to that ticket alone, for as long as the authorisation stays valid: an
expiry or a revocation takes effect on the next request, whatever the session holds.
"""
from __future__ import annotations

from datetime import datetime

from itsdangerous import BadData, URLSafeTimedSerializer
from pyramid.authorization import ACLHelper
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import _, language_of, localizer_for
from ..people.models import Person
from .models import EventKind, ExternalAuthorization, Ticket, TicketEvent

SALT = "pyramid_helpdesk.delegation"
SESSION_KEY = "helpdesk.delegations"
PRINCIPAL_PREFIX = "delegation:"
MAX_IN_SESSION = 20  # the most recent links one browser holds at once


def _serializer(settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.session_secret, salt=SALT)


def make_token(settings, authorization: ExternalAuthorization) -> str:
    """The signed token of a delegate link for ``authorization``."""
    return _serializer(settings).dumps({"id": authorization.id, "email": authorization.email})


def delegate_url(settings, authorization: ExternalAuthorization) -> str:
    """The absolute delegate link for ``authorization``."""
    return f"{settings.base_url}/delegate/{make_token(settings, authorization)}"


def authorization_for_token(dbsession: Session, settings, token: str
                            ) -> ExternalAuthorization | None:
    """The authorisation a correctly signed token names, whatever its state; ``None``
    for a forged, mangled or foreign token."""
    try:
        payload = _serializer(settings).loads(token)
    except BadData:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("id"), int):
        return None
    authorization = dbsession.get(ExternalAuthorization, payload["id"])
    if authorization is None or authorization.email != payload.get("email"):
        return None
    return authorization


def latest_authorization(dbsession: Session, ticket_id: int, address: str
                         ) -> ExternalAuthorization | None:
    """The newest authorisation of ``address`` on the ticket (the one a forward just made)."""
    return dbsession.scalars(
        select(ExternalAuthorization)
        .where(ExternalAuthorization.ticket_id == ticket_id,
               ExternalAuthorization.email == address.lower())
        .order_by(ExternalAuthorization.id.desc()).limit(1)
    ).first()


def authorizations_of(dbsession: Session, ticket_id: int) -> list[ExternalAuthorization]:
    """Every outside authorisation of a ticket, newest first."""
    return list(dbsession.scalars(
        select(ExternalAuthorization).where(ExternalAuthorization.ticket_id == ticket_id)
        .order_by(ExternalAuthorization.id.desc())))


# -- the browser's session --------------------------------------------------------------


def remember_delegation(request, authorization: ExternalAuthorization) -> None:
    """Let this browser act under ``authorization`` from now on."""
    held = [i for i in request.session.get(SESSION_KEY, []) if i != authorization.id]
    request.session[SESSION_KEY] = [*held, authorization.id][-MAX_IN_SESSION:]


def delegation_principals(request) -> list[str]:
    """``delegation:<id>`` for each delegate link followed in this browser's session."""
    return [f"{PRINCIPAL_PREFIX}{i}" for i in request.session.get(SESSION_KEY, ())]


def session_authorization(request, ticket: Ticket, now: datetime
                          ) -> ExternalAuthorization | None:
    """The valid authorisation on ``ticket`` that this browser holds, if any."""
    held = request.session.get(SESSION_KEY)
    if not held:
        return None
    rows = request.dbsession.scalars(select(ExternalAuthorization).where(
        ExternalAuthorization.ticket_id == ticket.id, ExternalAuthorization.id.in_(held),
    ).order_by(ExternalAuthorization.id.desc()))
    return next((row for row in rows if row.is_valid(now)), None)


def reply_author(request, context, now: datetime) -> tuple[Person | None, str | None]:
    """Who a reply from this request is by: the signed-in person when the ticket lets
    them reply in their own right, else the address of the delegate link they hold."""
    own = [p for p in request.principals if not p.startswith(PRINCIPAL_PREFIX)]
    if request.identity is not None and ACLHelper().permits(context, own, "ticket.reply"):
        return request.identity, None
    authorization = session_authorization(request, context.ticket, now)
    return None, authorization.email if authorization is not None else None


# -- revoking ---------------------------------------------------------------------------


def revoke(tickets, authorization: ExternalAuthorization, *, actor: Person) -> bool:
    """Withdraw an outside address's access to its ticket at once.

    Sets ``revoked_at`` and records it in the ticket's flow as an internal note by
    ``actor`` (written in the actor's language) whose ``noted`` event carries
    ``detail = {"revoked_authorization": <id>, "address": <address>}``. Returns
    ``False``, recording nothing, when the authorisation was already revoked.
    """
    if authorization.revoked_at is not None:
        return False
    authorization.revoked_at = tickets.clock()
    ticket = tickets.dbsession.get(Ticket, authorization.ticket_id)
    language = language_of(actor.locale, tickets.settings.default_locale)
    body = localizer_for(language).translate(_(
        "Outside access for ${address} revoked.", mapping={"address": authorization.email}))
    note = tickets.note(ticket, author=actor, body=body)
    event = tickets.dbsession.scalars(select(TicketEvent).where(
        TicketEvent.message_id == note.id, TicketEvent.kind == EventKind.noted)).one()
    event.detail = {"revoked_authorization": authorization.id, "address": authorization.email}
    tickets.dbsession.flush()
    return True
