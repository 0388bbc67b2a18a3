"""Logging a call as a ticket on the caller's behalf (figure 10 of the seed).

The ticket is created through ``request.tickets`` with the staff member as the
actor and the chosen channel; the call may end resolved, or (supervisors)
dispatched to a group. The requester is found by address, or created.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from ..attachments.policy import AttachmentPolicy
from ..errors import DomainError
from ..groups.models import ServiceGroup
from ..i18n import _
from ..people.models import Person
from ..people.services import create_person, find_by_email
from ..tickets.models import Priority
from .labels import category_label, channel_label
from .new_ticket import FINISH_DISPATCH, FINISH_RESOLVED, FormTokens, NewTicketForm

TEMPLATE = "pyramid_helpdesk:templates/staff/new_ticket.pt"
DEFAULT_CHANNEL = "staff"
MAX_GROUPS = 200
MAX_ID_DIGITS = 9  # a larger number is no person's id (and overflows an INTEGER)


def _groups(request) -> list[tuple[int, str]]:
    """The groups a supervisor may dispatch to, by name."""
    if not request.has_permission("staff.supervise"):
        return []
    query = (select(ServiceGroup.id, ServiceGroup.name)
             .order_by(ServiceGroup.name).limit(MAX_GROUPS))
    return [tuple(row) for row in request.dbsession.execute(query)]


def _form_page(request, form: NewTicketForm, groups: list[tuple[int, str]]) -> dict:
    """What the template needs; a form with errors answers 400."""
    if form.errors and request.response.status_int == 200:
        request.response.status = 400
    tokens = FormTokens(request.session)
    if not tokens.is_open(form.token):
        form.token = tokens.issue()
    settings = request.helpdesk_settings
    channels = request.registry.helpdesk_plugins.channels
    known = find_by_email(request.dbsession, form.email) \
        if form.email and "email" not in form.errors else None
    return {
        "form": form,
        "requester": known,
        "categories": [(name, category_label(name)) for name in settings.categories],
        "priorities": [p.value for p in Priority],
        "channels": [(name, channel_label(name, channels)) for name in channels],
        "groups": groups,
        "policy": AttachmentPolicy.from_settings(settings),
    }


def _default_channel(request) -> str:
    """``staff`` when registered (it is, by the core), else the first registered channel."""
    channels = request.registry.helpdesk_plugins.channels
    return DEFAULT_CHANNEL if DEFAULT_CHANNEL in channels else next(iter(channels), "")


@view_config(route_name="staff.new_ticket", renderer=TEMPLATE, permission="staff",
             request_method="GET")
def new_ticket_form(request):
    """An empty form, or one for the person chosen on the lookup page (``?requester=<id>``)."""
    form = NewTicketForm(channel=_default_channel(request))
    chosen = request.GET.get("requester", "")
    person = request.dbsession.get(Person, int(chosen)) \
        if chosen.isdecimal() and len(chosen) <= MAX_ID_DIGITS else None
    if person is not None:
        form.email = person.email
    return _form_page(request, form, _groups(request))


@view_config(route_name="staff.new_ticket", renderer=TEMPLATE, permission="staff",
             request_method="POST")
def create_ticket(request):
    """Create the ticket (and resolve or dispatch it), then show it; a bad form comes back."""
    tokens = FormTokens(request.session)
    number = tokens.spent_on(request.POST.get("token", ""))
    if number is not None:
        _flash(request, _("This form was already sent: ticket ${number} was created from it.",
                          mapping={"number": number}))
        return HTTPSeeOther(request.route_path("staff.ticket", number=number))
    groups = _groups(request)
    settings = request.helpdesk_settings
    form = NewTicketForm.from_post(
        request.POST, categories=settings.categories,
        channels=request.registry.helpdesk_plugins.channels,
        group_ids={group_id for group_id, _name in groups},
        may_dispatch=bool(request.has_permission("staff.supervise")),
        policy=AttachmentPolicy.from_settings(settings))
    request.add_finished_callback(lambda _request: form.close_uploads())
    if not tokens.is_open(form.token):
        form.errors["form"] = _("This form expired. Check the values below and create "
                                "the ticket again.")
    requester = find_by_email(request.dbsession, form.email) if "email" not in form.errors \
        else None
    if requester is None and "email" not in form.errors:
        form.check_new_requester()
    if form.errors:
        return _form_page(request, form, groups)
    try:
        ticket = _create(request, form, requester)
    except DomainError as exc:
        request.tm.doom()  # the service may have written part of the change
        form.errors["form"] = _("The helpdesk could not save this: ${reason}",
                                mapping={"reason": str(exc)})
        return _form_page(request, form, groups)
    number, token = ticket.number, form.token
    # Spent only if the ticket is really saved: a failed commit leaves the form usable.
    request.tm.get().addAfterCommitHook(
        lambda committed: committed and tokens.spend(token, number))
    _flash(request, _done_message(ticket, form, dict(groups)))
    return HTTPSeeOther(request.route_path("staff.ticket", number=ticket.number))


def _create(request, form: NewTicketForm, requester: Person | None):
    """Find or create the requester, create the ticket, finish it as chosen."""
    if requester is None:
        requester = create_person(request.dbsession, form.email, name=form.name,
                                  phone=form.phone, department=form.department)
    staff = request.identity
    ticket = request.tickets.create(
        requester=requester, actor=staff, channel=form.channel, subject=form.subject,
        description=form.description, category=form.category or None,
        priority=Priority(form.priority), cc=form.cc_addresses, attachments=form.uploads)
    if form.finish == FINISH_RESOLVED:
        request.tickets.resolve(ticket, actor=staff)
    elif form.finish == FINISH_DISPATCH:
        group = request.dbsession.get(ServiceGroup, form.group_id)
        request.tickets.dispatch(ticket, actor=staff, group=group)
    return ticket


def _done_message(ticket, form: NewTicketForm, group_names: dict[int, str]):
    """What the flash says was done."""
    mapping = {"number": ticket.number, "requester": ticket.requester.display_name}
    if form.finish == FINISH_RESOLVED:
        return _("Ticket ${number} was created for ${requester} and marked resolved.",
                 mapping=mapping)
    if form.finish == FINISH_DISPATCH:
        return _("Ticket ${number} was created for ${requester} and dispatched to ${group}.",
                 mapping={**mapping, "group": group_names.get(form.group_id, "")})
    return _("Ticket ${number} was created for ${requester}.", mapping=mapping)


def _flash(request, message) -> None:
    """A note shown once on the next page, in the staff member's language."""
    request.session.flash(request.localizer.translate(message))
