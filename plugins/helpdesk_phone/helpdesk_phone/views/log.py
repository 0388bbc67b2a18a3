"""The "log a call" page (``phone.new``): the caller, the call, the ticket, the outcome.

The caller is found by e-mail (the console's people lookup helps), or added
with the name, number and department typed. A call announced by the telephone
system (``?incoming=<id>``) fills in the number, the known caller and the time.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from pyramid_helpdesk.attachments.policy import AttachmentPolicy
from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.errors import DomainError
from pyramid_helpdesk.groups.models import ServiceGroup
from pyramid_helpdesk.people.models import Person, Role
from pyramid_helpdesk.people.services import create_person, find_by_email
from pyramid_helpdesk.staff.labels import category_label
from pyramid_helpdesk.staff.new_ticket import FormTokens
from pyramid_helpdesk.tickets.models import Priority

from ..forms import CALL_TIME_FORMAT, OUTCOME_DISPATCH, OUTCOME_RESOLVED, CallForm
from ..i18n import _
from ..models import MAX_NUMBER, PhoneCall
from ..services import log_call

TEMPLATE = "helpdesk_phone:templates/new.pt"
MAX_CHOICES = 200


class CallTokens(FormTokens):
    """One-time tokens of the "log a call" form (the new-ticket form's, own key)."""

    KEY = "phone.new.tokens"


def _holders(request) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The groups and staff members a supervisor may dispatch to, by name."""
    if not request.has_permission("staff.supervise"):
        return [], []
    groups = select(ServiceGroup.id, ServiceGroup.name).order_by(ServiceGroup.name)
    people = (select(Person.id, Person.name, Person.email)
              .where(Person.is_active.is_(True),
                     Person.role.in_([role for role in Role if role.includes(Role.agent)]))
              .order_by(Person.name, Person.id))
    run = request.dbsession.execute
    return ([tuple(row) for row in run(groups.limit(MAX_CHOICES))],
            [(row.id, row.name or row.email) for row in run(people.limit(MAX_CHOICES))])


def _incoming(request, raw: str) -> PhoneCall | None:
    """The announced call named by ``raw`` (an id), if there is one."""
    if not raw.isdecimal() or len(raw) > 9:
        return None
    return request.dbsession.get(PhoneCall, int(raw))


def _page(request, form: CallForm, holders) -> dict:
    """What the template needs; a form with errors answers 400."""
    if form.errors:
        request.response.status = 400
    tokens = CallTokens(request.session)
    if not tokens.is_open(form.ticket.token):
        form.ticket.token = tokens.issue()
    settings = request.helpdesk_settings
    email_ok = form.ticket.email and "email" not in form.errors
    groups, people = holders
    return {
        "form": form,
        "requester": find_by_email(request.dbsession, form.ticket.email) if email_ok else None,
        "categories": [(name, category_label(name)) for name in settings.categories],
        "priorities": [p.value for p in Priority],
        "groups": groups,
        "people": people,
        "may_dispatch": bool(groups or people),
        "service_hours": str(settings.service_hours),
    }


@view_config(route_name="phone.new", renderer=TEMPLATE, permission="staff",
             request_method="GET")
def new_call_form(request):
    """An empty form (the call time now), or one for an announced call."""
    settings = request.helpdesk_settings
    form = CallForm.blank(now=utcnow(), zone=settings.timezone)
    call = _incoming(request, request.GET.get("incoming", ""))
    if call is not None and call.is_logged:
        _flash(request, _("This call was already logged as ticket ${number}.",
                          mapping={"number": call.ticket.number}))
        return HTTPSeeOther(request.route_path("staff.ticket", number=call.ticket.number))
    if call is not None and call.received_at is not None:
        form.incoming = str(call.id)
        form.ticket.phone = call.caller_number
        form.call_at = call.received_at.astimezone(settings.timezone).strftime(CALL_TIME_FORMAT)
        if call.caller is not None:
            form.ticket.email = call.caller.email
    return _page(request, form, _holders(request))


@view_config(route_name="phone.new", renderer=TEMPLATE, permission="staff",
             request_method="POST")
def log_call_view(request):
    """Create the call's ticket (and resolve or dispatch it), then show it; a bad
    form comes back with the values kept."""
    tokens = CallTokens(request.session)
    number = tokens.spent_on(request.POST.get("token", ""))
    if number is not None:
        _flash(request, _("This form was already sent: ticket ${number} was created from it.",
                          mapping={"number": number}))
        return HTTPSeeOther(request.route_path("staff.ticket", number=number))
    holders = _holders(request)
    settings = request.helpdesk_settings
    form = CallForm.from_post(
        request.POST, now=utcnow(), zone=settings.timezone, categories=settings.categories,
        group_ids={group_id for group_id, _name in holders[0]},
        person_ids={person_id for person_id, _name in holders[1]},
        may_dispatch=bool(request.has_permission("staff.supervise")),
        policy=AttachmentPolicy.from_settings(settings))
    if not tokens.is_open(form.ticket.token):
        form.errors["form"] = _("This form expired. Check the values below and log "
                                "the call again.")
    call = _incoming(request, form.incoming) if form.incoming else None
    if call is not None and call.is_logged:
        form.errors["form"] = _("This call was already logged as ticket ${number}.",
                                mapping={"number": call.ticket.number})
    if len(form.ticket.phone) > MAX_NUMBER:
        form.errors["phone"] = _("At most ${limit} characters.", mapping={"limit": MAX_NUMBER})
    caller = find_by_email(request.dbsession, form.ticket.email) \
        if "email" not in form.errors else None
    if caller is None and "email" not in form.errors:
        form.ticket.check_new_requester()
    if form.errors:
        return _page(request, form, holders)
    try:
        if caller is None:
            caller = create_person(request.dbsession, form.ticket.email, name=form.ticket.name,
                                   phone=form.ticket.phone, department=form.ticket.department)
        logged = log_call(request.tickets, form, caller=caller, staff=request.identity,
                          call=call)
    except DomainError as exc:
        request.tm.doom()  # the service may have written part of the change
        form.errors["form"] = _("The helpdesk could not save this: ${reason}",
                                mapping={"reason": str(exc)})
        return _page(request, form, holders)
    ticket_number, token = logged.ticket.number, form.ticket.token
    # Spent only if the ticket is really saved: a failed commit leaves the form usable.
    request.tm.get().addAfterCommitHook(
        lambda committed: committed and tokens.spend(token, ticket_number))
    _flash(request, _done_message(logged, form, holders))
    if logged.after_hours:
        _flash(request, _("The call came outside service hours: it is marked after-hours."))
    return HTTPSeeOther(request.route_path("staff.ticket", number=ticket_number))


def _done_message(call: PhoneCall, form: CallForm, holders):
    """What the flash says was done."""
    mapping = {"number": call.ticket.number, "caller": call.caller.display_name}
    if form.outcome == OUTCOME_RESOLVED:
        return _("Call logged as ticket ${number} for ${caller}, resolved during the call.",
                 mapping=mapping)
    if form.outcome == OUTCOME_DISPATCH:
        names = dict(holders[0]) if form.group_id else dict(holders[1])
        return _("Call logged as ticket ${number} for ${caller}, dispatched to ${holder}.",
                 mapping={**mapping, "holder": names.get(form.group_id or form.person_id, "")})
    return _("Call logged as ticket ${number} for ${caller}.", mapping=mapping)


def _flash(request, message) -> None:
    """A note shown once on the next page, in the staff member's language."""
    request.session.flash(request.localizer.translate(message))
