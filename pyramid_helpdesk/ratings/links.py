"""Signed rating links: ``<base_url>/rate/<token>``.

The token is an itsdangerous timed signature (``helpdesk.session.secret``, a salt of
its own, so no other link's token is accepted) of the ticket's id and its
requester's address. It is valid for ``helpdesk.ratings.link_days`` days (30 by
default). Following it shows a confirmation form and records nothing: mail
scanners that open links cannot vote.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from ..settings import parse_positive_int, read_setting
from ..tickets.models import Ticket

SALT = "pyramid_helpdesk.ratings"
LINK_DAYS = "helpdesk.ratings.link_days"


class RatingLinkExpired(Exception):
    """The token was correctly signed, and is older than the links' validity."""


def link_days(settings) -> int:
    """How many days a rating link works (``helpdesk.ratings.link_days``, default 30)."""
    return read_setting(settings.raw, LINK_DAYS, "30", parse_positive_int,
                        "a whole number of days, at least 1")


def _serializer(settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.session_secret, salt=SALT)


def make_token(settings, ticket: Ticket) -> str:
    """The signed token of the rating link of ``ticket``."""
    return _serializer(settings).dumps({"ticket": ticket.id, "email": ticket.requester.email})


def rating_url(settings, ticket: Ticket) -> str:
    """The absolute rating link of ``ticket``."""
    return f"{settings.base_url}/rate/{make_token(settings, ticket)}"


def link_expiry(settings, now: datetime) -> datetime:
    """Until when a link made at ``now`` works."""
    return now + timedelta(days=link_days(settings))


def ticket_for_token(dbsession: Session, settings, token: str) -> Ticket | None:
    """The ticket a valid token names; ``None`` for a forged, damaged or foreign token,
    or one whose ticket or requester no longer match. Raises
    :class:`RatingLinkExpired` for a good token past its validity."""
    try:
        payload = _serializer(settings).loads(
            token, max_age=link_days(settings) * 86400)
    except SignatureExpired:
        raise RatingLinkExpired(token) from None
    except BadData:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("ticket"), int):
        return None
    ticket = dbsession.get(Ticket, payload["ticket"])
    if ticket is None or ticket.requester.email.lower() != str(payload.get("email")).lower():
        return None
    return ticket
