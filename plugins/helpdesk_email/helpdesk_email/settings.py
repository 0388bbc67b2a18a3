"""The ``helpdesk.email.*`` settings of the e-mail channel (intake side)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pyramid_helpdesk.settings import (
    HelpdeskSettings,
    parse_bool,
    parse_duration,
    parse_positive_int,
    read_setting,
)

from .smtp import read_smtp_settings

STRANGER_ACTIONS = ("new_ticket", "quarantine")


def _stranger_action(raw: str) -> str:
    value = raw.strip()
    if value not in STRANGER_ACTIONS:
        raise ValueError(raw)
    return value


@dataclass(frozen=True)
class IntakeSettings:
    """How inbound mail is turned into tickets."""

    service_address: str
    message_id_domain: str
    stranger_follow_up: str
    cc_from_mail: bool
    autoreply_limit: int
    autoreply_window: timedelta
    max_message_size: int
    batch_size: int


def read_intake_settings(settings: HelpdeskSettings) -> IntakeSettings:
    """Parse the intake keys; a wrong value stops start-up naming the key.

    The service address and the Message-ID domain are those outgoing mail uses.
    """
    raw = settings.raw
    outgoing = read_smtp_settings(settings).outgoing
    return IntakeSettings(
        service_address=outgoing.envelope_sender.lower(),
        message_id_domain=outgoing.message_id_domain,
        stranger_follow_up=read_setting(
            raw, "helpdesk.email.stranger_follow_up", "new_ticket", _stranger_action,
            "new_ticket or quarantine"),
        cc_from_mail=read_setting(raw, "helpdesk.email.cc_from_mail", "true", parse_bool,
                                  "true or false"),
        autoreply_limit=read_setting(raw, "helpdesk.email.autoreply_limit", "10",
                                     parse_positive_int, "a whole number > 0"),
        autoreply_window=read_setting(raw, "helpdesk.email.autoreply_window", "1h",
                                      parse_duration, "a duration such as 1h"),
        max_message_size=settings.attachments_max_size * 2,
        batch_size=read_setting(raw, "helpdesk.email.batch_size", "50", parse_positive_int,
                                "a whole number > 0"),
    )
