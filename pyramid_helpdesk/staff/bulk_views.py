"""Bulk actions on the staff lists: the action bar the lists show, and ``staff.bulk``.

The inbox, the undispatched queue and the unprocessed list show a checkbox per
row (with the row's version) and an action bar: dispatch to a group and
optionally a person (supervisors only), take, resolve. The bar's values come
from :func:`offer_bulk_actions`, so the list views themselves stay unchanged.
"""
from __future__ import annotations

from functools import cached_property

from pyramid.events import BeforeRender, subscriber
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config
from sqlalchemy import select

from ..auth.views import safe_next
from ..groups.models import ServiceGroup
from ..i18n import _
from ..people.services import find_by_email
from .bulk import MAX_TICKETS, Action, BulkAction, Outcome, Refusal, apply, may_manage

LIST_ROUTES = ("staff.inbox", "staff.undispatched", "staff.unprocessed")
REFUSED_TEMPLATE = "pyramid_helpdesk:templates/staff/bulk_refused.pt"
#: The most groups the dispatch menu offers.
MAX_GROUPS = 500

DONE = {
    Action.dispatch: _("Tickets dispatched: ${count}."),
    Action.take: _("Tickets taken: ${count}."),
    Action.resolve: _("Tickets resolved: ${count}."),
}
REASONS = {
    Refusal.changed: _("changed since you opened the list"),
    Refusal.status: _("not allowed in its status"),
    Refusal.not_yours: _("not yours to manage"),
}


class ActionBar:
    """What a list page needs to offer bulk actions (each value computed when asked)."""

    def __init__(self, request, supervisor_groups=None):
        self.request = request
        self._groups = supervisor_groups

    @cached_property
    def can_dispatch(self) -> bool:
        """Only supervisors dispatch."""
        return bool(self.request.has_permission("staff.supervise"))

    @cached_property
    def groups(self) -> list[tuple[int, str]]:
        """Every group, by name: the dispatch menu."""
        if self._groups is not None:
            return list(self._groups)
        query = (select(ServiceGroup.id, ServiceGroup.name).order_by(ServiceGroup.name)
                 .limit(MAX_GROUPS))
        return [tuple(row) for row in self.request.dbsession.execute(query)]

    @cached_property
    def action(self) -> str:
        return self.request.route_path("staff.bulk")

    @cached_property
    def script(self) -> str:
        return self.request.static_path("pyramid_helpdesk.staff:static/bulk.js")


@subscriber(BeforeRender)
def offer_bulk_actions(event) -> None:
    """Give the list pages their action bar as ``bulk``."""
    request = event.get("request")
    route = getattr(request, "matched_route", None)
    if route is None or route.name not in LIST_ROUTES:
        return
    # For a supervisor the unprocessed list already read every group (its filter):
    # the dispatch menu reuses them instead of asking again.
    groups = event.rendering_val.get("groups") if route.name == "staff.unprocessed" else None
    event["bulk"] = ActionBar(request, groups)


class BulkRefused(Exception):
    """The request as a whole cannot be done; nothing was."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


def parse(request) -> BulkAction:
    """The action, the chosen tickets with their versions, and the dispatch target."""
    post = request.POST
    try:
        action = Action(post.get("action", ""))
    except ValueError:
        raise BulkRefused(_("Choose an action.")) from None
    numbers = list(dict.fromkeys(n.strip() for n in post.getall("ticket") if n.strip()))
    if not numbers:
        raise BulkRefused(_("Select at least one ticket."))
    if len(numbers) > MAX_TICKETS:
        raise BulkRefused(_("Select at most ${limit} tickets at a time.",
                            mapping={"limit": MAX_TICKETS}))
    versions = {}
    for number in numbers:
        version = post.get(f"v-{number}", "").strip()
        if not version.isdigit():
            raise BulkRefused(_("The list was incomplete: reload it and try again."))
        versions[number] = int(version)
    if action is not Action.dispatch:
        return BulkAction(action, versions)
    if not request.has_permission("staff.supervise"):
        raise HTTPForbidden()
    group_id = post.get("group", "")
    group = request.dbsession.get(ServiceGroup, int(group_id)) if group_id.isdigit() else None
    if group is None:
        raise BulkRefused(_("Choose a group to dispatch to."))
    address = post.get("person", "").strip()
    person = find_by_email(request.dbsession, address) if address else None
    if address and (person is None or not person.is_active or not person.is_staff):
        raise BulkRefused(_("No active staff member has the address ${address}.",
                            mapping={"address": address}))
    return BulkAction(action, versions, group, person)


def summary(request, action: Action, outcome: Outcome) -> str:
    """One line: how many were done, and each refused ticket with why."""
    translate = request.localizer.translate
    text = translate(DONE[action], mapping={"count": len(outcome.done)})
    if outcome.refused:
        refused = "; ".join(
            translate(_("${number} (${reason})",
                        mapping={"number": number, "reason": translate(REASONS[reason])}))
            for number, reason in outcome.refused)
        text += " " + translate(_("Not done: ${tickets}.", mapping={"tickets": refused}))
    return text


@view_config(route_name="staff.bulk", permission="staff", request_method="POST")
def bulk(request):
    """Do one action to each chosen ticket the actor may manage; back to the list."""
    back = safe_next(request, request.POST.get("came_from") or
                     request.route_path("staff.inbox"))
    try:
        chosen = parse(request)
    except BulkRefused as refused:
        request.response.status = 400
        return render_to_response(REFUSED_TEMPLATE, {"detail": refused.message, "back": back},
                                  request=request, response=request.response)
    outcome = apply(request.dbsession, request.tickets, request.identity, chosen,
                    lambda ticket: may_manage(request, ticket))
    request.session.flash(summary(request, chosen.action, outcome))
    return HTTPSeeOther(back)

