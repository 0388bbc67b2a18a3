"""Handing a ticket on (seed, figures 13-15): to a group (and optionally one of its
members), to a staff member, or to an outside address that gets a signed link.

First line and coordinators (``staff.supervise``) *dispatch*; a holder who is not
first line *forwards*. Either way the lifecycle service records the move and its
hooks mail the new holder; an outside address receives its delegate link
(``helpdesk_ticket_forwarded`` in :mod:`pyramid_helpdesk.notifications.composer`).
The choices offered are bounded lists (groups, their staff members, staff).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from ..errors import InvalidOperation, StaleTicket, TransitionNotAllowed
from ..groups.models import GroupMembership, ServiceGroup
from ..i18n import _
from ..people.models import Person, Role
from ..people.services import normalize_email
from ..tickets.services import DEFAULT_AUTHORIZATION_PERIOD, TRANSITIONS
from .ticket_view import (
    STALE,
    changed_since,
    event_rows,
    expected_version_of,
    history,
    seen_event_of,
)

TEMPLATE = "pyramid_helpdesk:templates/staff/dispatch.pt"
MAX_GROUPS = 200
MAX_STAFF = 500
MAX_NOTE = 2000
MAX_DAYS = 365
STAFF_ROLES = (Role.agent, Role.coordinator, Role.admin)
TARGETS = ("group", "person", "address")


@dataclass
class DispatchForm:
    """What the three forms hold: the chosen target and the values typed, and errors."""

    target: str = ""
    group: str = ""
    member: str = ""
    person: str = ""
    address: str = ""
    note: str = ""
    days: str = str(DEFAULT_AUTHORIZATION_PERIOD.days)
    errors: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_post(cls, post) -> "DispatchForm":
        """The posted form, its text fields trimmed."""
        target = post.get("target", "")
        return cls(target=target if target in TARGETS else "",
                   group=post.get("group", ""), member=post.get("member", ""),
                   person=post.get("person", ""), address=post.get("address", "").strip(),
                   note=post.get("note", "").strip(), days=post.get("days", "").strip())

    def error(self, name: str):
        """The error of field ``name`` of the form that was sent (``None`` for another)."""
        return self.errors.get(name)

    def value(self, target: str, name: str) -> str:
        """What field ``name`` of the form ``target`` shows (typed only into that form)."""
        if target != self.target:
            return str(DEFAULT_AUTHORIZATION_PERIOD.days) if name == "days" else ""
        return getattr(self, name)


@dataclass(frozen=True)
class GroupChoice:
    """A group and its active staff members, as ``(id, name)`` pairs."""

    id: int
    name: str
    members: list[tuple[int, str]]


def group_choices(dbsession) -> list[GroupChoice]:
    """The groups, by name, each with its active staff members (two statements)."""
    groups = dbsession.execute(select(ServiceGroup.id, ServiceGroup.name)
                               .order_by(ServiceGroup.name).limit(MAX_GROUPS)).all()
    members: dict[int, list[tuple[int, str]]] = {group_id: [] for group_id, _name in groups}
    if groups:
        rows = dbsession.execute(
            select(GroupMembership.group_id, Person.id, Person.name, Person.email)
            .join(Person, Person.id == GroupMembership.person_id)
            .where(GroupMembership.group_id.in_(members), Person.is_active.is_(True),
                   Person.role.in_(STAFF_ROLES))
            .order_by(Person.name, Person.id).limit(MAX_GROUPS * 50))
        for group_id, person_id, name, email in rows:
            members[group_id].append((person_id, name or email))
    return [GroupChoice(group_id, name, members[group_id]) for group_id, name in groups]


def staff_choices(dbsession) -> list[tuple[int, str]]:
    """Active staff members, by name: ``(id, "Name <address>")``."""
    rows = dbsession.execute(
        select(Person.id, Person.name, Person.email)
        .where(Person.is_active.is_(True), Person.role.in_(STAFF_ROLES))
        .order_by(Person.name, Person.id).limit(MAX_STAFF))
    return [(person_id, f"{name} <{email}>" if name else email)
            for person_id, name, email in rows]


def dispatch_page(request, context, form: DispatchForm | None = None,
                  stale: bool = False) -> dict[str, Any]:
    """What the dispatch page shows; a ``stale`` page lists what changed meanwhile."""
    ticket = context.ticket
    dbsession = request.dbsession
    events = event_rows(dbsession, ticket.id)
    changed = []
    if stale:
        changed = changed_since(history(events), seen_event_of(request.POST))
    return {
        "ticket": ticket,
        "supervises": bool(request.has_permission("staff.supervise", context)),
        "groups": group_choices(dbsession),
        "people": staff_choices(dbsession),
        "form": form or DispatchForm(),
        "seen_event": events[-1].id if events else 0,
        "alert": STALE if stale else None,
        "changed": changed,
        "max_days": MAX_DAYS,
        "can_move": ticket.status in TRANSITIONS["dispatch"],
    }


@view_config(route_name="staff.ticket.dispatch", request_method="GET",
             permission="ticket.manage", renderer=TEMPLATE)
def dispatch_form(context, request):
    """The three ways to hand the ticket on."""
    return dispatch_page(request, context)


def _checked(request, form: DispatchForm) -> dict[str, Any]:
    """The lifecycle arguments of the form that was sent; marks the form's errors."""
    dbsession = request.dbsession
    if len(form.note) > MAX_NOTE:
        form.errors["note"] = _("At most ${limit} characters.", mapping={"limit": MAX_NOTE})
    if form.target == "group":
        group = dbsession.get(ServiceGroup, int(form.group)) if form.group.isdigit() else None
        if group is None:
            form.errors["group"] = _("Choose a group.")
            return {}
        person = None
        if form.member:
            person = dbsession.get(Person, int(form.member)) if form.member.isdigit() else None
            if person is None or not person.is_active or person not in group.members:
                form.errors["member"] = _("Choose a member of ${group}, or nobody.",
                                          mapping={"group": group.name})
        return {"group": group, "person": person}
    if form.target == "person":
        person = dbsession.get(Person, int(form.person)) if form.person.isdigit() else None
        if person is None or not person.is_active or not person.is_staff:
            form.errors["person"] = _("Choose a staff member.")
        return {"person": person}
    if form.target == "address":
        try:
            address = normalize_email(form.address)
        except InvalidOperation:
            form.errors["address"] = _("Please enter a valid e-mail address.")
            address = None
        days = int(form.days) if form.days.isdigit() else 0
        if not 1 <= days <= MAX_DAYS:
            form.errors["days"] = _("Between 1 and ${days} days.", mapping={"days": MAX_DAYS})
        return {"address": address, "valid_for": timedelta(days=days)}
    form.errors["target"] = _("Choose where the ticket goes.")
    return {}


def _done(form: DispatchForm, arguments: dict[str, Any], supervises: bool):
    """The notice after a move to the target of ``arguments``."""
    if form.target == "address":
        return _("Forwarded to ${address}; the link is valid for ${days} days.",
                 mapping={"address": arguments["address"], "days": arguments["valid_for"].days})
    group, person = arguments.get("group"), arguments.get("person")
    holder = " / ".join(name for name in (group.name if group else None,
                                          person.display_name if person else None) if name)
    if supervises:
        return _("Dispatched to ${holder}.", mapping={"holder": holder})
    return _("Forwarded to ${holder}.", mapping={"holder": holder})


@view_config(route_name="staff.ticket.dispatch", request_method="POST",
             permission="ticket.manage", renderer=TEMPLATE)
def dispatch(context, request):
    """Dispatch (supervisors) or forward (a holder) to the target the form names."""
    form = DispatchForm.from_post(request.POST)
    arguments = _checked(request, form)
    if form.errors:
        request.response.status = 400
        return dispatch_page(request, context, form)
    ticket = context.ticket
    supervises = bool(request.has_permission("staff.supervise", context))
    tickets = request.tickets
    operation = tickets.dispatch if supervises and form.target != "address" else tickets.forward
    field_name = form.target
    try:
        with request.dbsession.begin_nested():  # a refusal undoes every row it wrote
            operation(ticket, actor=request.identity, note=form.note,
                      expected_version=expected_version_of(request.POST), **arguments)
    except StaleTicket:
        request.response.status = 409
        return dispatch_page(request, context, form, stale=True)
    except TransitionNotAllowed:  # shown above the forms: the page no longer offers them
        form.errors["target"] = _("This cannot be done while the ticket is ${status}.",
                                    mapping={"status": request.localizer.translate(
                                        _(ticket.status.value))})
        request.response.status = 409
        return dispatch_page(request, context, form)
    except InvalidOperation as exc:
        form.errors[field_name] = _("The helpdesk could not save this: ${reason}",
                                    mapping={"reason": str(exc)})
        request.response.status = 400
        return dispatch_page(request, context, form)
    request.session.flash(request.localizer.translate(_done(form, arguments, supervises)))
    context.__dict__.pop("__acl__", None)  # the holder changed: ask the ticket's ACL again
    if request.has_permission("ticket.manage", context):
        return HTTPSeeOther(request.route_path("staff.ticket", number=ticket.number))
    return HTTPSeeOther(request.route_path("staff.inbox"))

