"""The "log a call" form: the ticket's fields (the staff new-ticket form's own
checks, reused), the call's time and length, and how the call ended.

:class:`CallForm` holds a :class:`~pyramid_helpdesk.staff.new_ticket.NewTicketForm`
for the caller and the ticket (e-mail, new caller's name/phone/department,
subject, details, category, priority, CC) and shares its ``errors``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Collection
from zoneinfo import ZoneInfo

from webob.multidict import MultiDict

from pyramid_helpdesk.attachments.policy import AttachmentPolicy
from pyramid_helpdesk.staff.new_ticket import FINISH_NONE, NewTicketForm

from .i18n import _

#: How the call ended: left to first line, solved on the phone, or dispatched.
OUTCOME_NONE, OUTCOME_RESOLVED, OUTCOME_DISPATCH = "", "resolved", "dispatch"
OUTCOMES = (OUTCOME_NONE, OUTCOME_RESOLVED, OUTCOME_DISPATCH)
CALL_TIME_FORMAT = "%Y-%m-%dT%H:%M"  # an <input type="datetime-local">
MAX_DURATION = 24 * 3600 - 1
MAX_RESOLUTION = 50_000
#: How far in the future a call time may be (clocks differ a little).
CLOCK_SLACK = timedelta(minutes=5)
#: How far back a call may be logged.
MAX_AGE = timedelta(days=31)
_MINUTES_SECONDS = re.compile(r"^(\d{1,4}):([0-5]\d)$")
_HOURS_MINUTES_SECONDS = re.compile(r"^(\d{1,2}):([0-5]\d):([0-5]\d)$")
_MINUTES = re.compile(r"^(\d{1,4})(?:[.,](\d{1,2}))?$")


def parse_duration(text: str) -> int | None:
    """Seconds of ``mm:ss``, ``h:mm:ss`` or a number of minutes (``4``, ``2.5``);
    ``None`` for an empty field; ``ValueError`` otherwise."""
    text = text.strip().lower().removesuffix("min").strip()
    if not text:
        return None
    if match := _HOURS_MINUTES_SECONDS.match(text):
        hours, minutes, seconds = (int(part) for part in match.groups())
        return hours * 3600 + minutes * 60 + seconds
    if match := _MINUTES_SECONDS.match(text):
        return int(match.group(1)) * 60 + int(match.group(2))
    if match := _MINUTES.match(text):
        fraction = float(f"0.{match.group(2)}") if match.group(2) else 0.0
        return round((int(match.group(1)) + fraction) * 60)
    raise ValueError(text)


def format_duration(seconds: int | None) -> str:
    """``mm:ss`` (``h:mm:ss`` from an hour), ``""`` for ``None``."""
    if seconds is None:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


@dataclass
class CallForm:
    """The values typed, and one message per wrong field (shared with :attr:`ticket`)."""

    ticket: NewTicketForm
    call_at: str = ""  # local wall-clock time, CALL_TIME_FORMAT
    duration: str = ""
    outcome: str = OUTCOME_NONE
    resolution: str = ""
    group: str = ""
    person: str = ""
    incoming: str = ""
    started_at: datetime | None = None  # call_at, parsed (aware)
    duration_seconds: int | None = None

    @property
    def errors(self) -> dict[str, object]:
        """Every wrong field's message, the ticket's included."""
        return self.ticket.errors

    @classmethod
    def blank(cls, *, now: datetime, zone: ZoneInfo, token: str = "") -> "CallForm":
        """An empty form whose call time is ``now``."""
        return cls(NewTicketForm(channel="phone", token=token),
                   call_at=now.astimezone(zone).strftime(CALL_TIME_FORMAT))

    @classmethod
    def from_post(cls, post, *, now: datetime, zone: ZoneInfo, categories: Collection[str],
                  group_ids: Collection[int], person_ids: Collection[int],
                  may_dispatch: bool, policy: AttachmentPolicy) -> "CallForm":
        """Read and check ``request.POST`` (the caller's existence is checked later)."""
        ticket_fields = MultiDict(post)
        ticket_fields["channel"], ticket_fields["finish"] = "phone", FINISH_NONE
        ticket = NewTicketForm.from_post(
            ticket_fields, categories=categories, channels={"phone"}, group_ids=(),
            may_dispatch=False, policy=policy)
        text = {name: post.get(name, "").replace("\x00", "").strip() for name in (
            "call_at", "duration", "outcome", "resolution", "group", "person", "incoming")}
        form = cls(ticket, **text)
        form._check_call_at(now, zone)
        form._check_duration()
        form._check_outcome(group_ids, person_ids, may_dispatch)
        return form

    @property
    def group_id(self) -> int | None:
        """The chosen group, when dispatching to one."""
        return int(self.group) if self.outcome == OUTCOME_DISPATCH and self.group else None

    @property
    def person_id(self) -> int | None:
        """The chosen staff member, when dispatching to one."""
        return int(self.person) if self.outcome == OUTCOME_DISPATCH and self.person else None

    @property
    def incoming_id(self) -> int | None:
        """The announced call this form logs, if any."""
        return int(self.incoming) if self.incoming.isdecimal() and len(self.incoming) < 10 \
            else None

    def _check_call_at(self, now: datetime, zone: ZoneInfo) -> None:
        try:
            local = datetime.strptime(self.call_at, CALL_TIME_FORMAT)
        except ValueError:
            self.errors["call_at"] = _("Please give the date and time of the call.")
            return
        started = local.replace(tzinfo=zone)
        if started > now + CLOCK_SLACK:
            self.errors["call_at"] = _("The call cannot be in the future.")
        elif started < now - MAX_AGE:
            self.errors["call_at"] = _("Calls older than ${days} days cannot be logged.",
                                       mapping={"days": MAX_AGE.days})
        else:
            self.started_at = started

    def _check_duration(self) -> None:
        try:
            self.duration_seconds = parse_duration(self.duration)
        except ValueError:
            self.errors["duration"] = _("Write the length as minutes (5) or minutes and "
                                        "seconds (4:30).")
            return
        if self.duration_seconds is not None and self.duration_seconds > MAX_DURATION:
            self.duration_seconds = None
            self.errors["duration"] = _("A call cannot last a day or more.")

    def _check_outcome(self, group_ids: Collection[int], person_ids: Collection[int],
                       may_dispatch: bool) -> None:
        if self.outcome not in OUTCOMES:
            self.errors["outcome"] = _("Please choose how the call ended.")
        elif self.outcome == OUTCOME_RESOLVED and not self.resolution:
            self.errors["resolution"] = _("Please write the answer given on the phone: "
                                          "the caller receives it.")
        elif self.outcome == OUTCOME_DISPATCH and not may_dispatch:
            self.errors["outcome"] = _("Only first line and coordinators dispatch tickets.")
        elif self.outcome == OUTCOME_DISPATCH:
            self._check_holder(group_ids, person_ids)
        if len(self.resolution) > MAX_RESOLUTION:
            self.errors["resolution"] = _("At most ${limit} characters.",
                                          mapping={"limit": MAX_RESOLUTION})

    def _check_holder(self, group_ids: Collection[int], person_ids: Collection[int]) -> None:
        if not (self.group or self.person):
            self.errors["group"] = _("Please choose a group or a person to dispatch to.")
        if self.group and not (self.group.isdecimal() and len(self.group) < 10
                               and int(self.group) in group_ids):
            self.errors["group"] = _("Please choose a group from the list.")
        if self.person and not (self.person.isdecimal() and len(self.person) < 10
                                and int(self.person) in person_ids):
            self.errors["person"] = _("Please choose a person from the list.")
