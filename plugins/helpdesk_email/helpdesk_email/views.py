"""Staff pages for the mail quarantine: see why a message waits, retry, release, discard."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.i18n import TranslationStringFactory
from pyramid.view import view_config

from pyramid_helpdesk.intake.models import IntakeItem, IntakeStatus

from .intake import CHANNEL, MailIntake
from .parsing import MalformedMessage, parse_message

_ = TranslationStringFactory("helpdesk_email")

STATUS_LABELS = {
    "received": _("received"),
    "processed": _("processed"),
    "quarantined": _("quarantined"),
    "discarded": _("discarded"),
}
ACTION_LABELS = {"retry": _("Retry"), "release": _("Release"), "discard": _("Discard")}
OUTCOME_MESSAGES = {
    "created": _("Result: ticket ${number} created."),
    "follow-up": _("Result: added to ticket ${number}."),
    "duplicate": _("Result: already stored (ticket ${number})."),
    "quarantined": _("Result: still in quarantine: ${reason}"),
}

LIST_TEMPLATE = "helpdesk_email:templates/quarantine.pt"
ITEM_TEMPLATE = "helpdesk_email:templates/quarantine_item.pt"


def _intake(request) -> MailIntake:
    return MailIntake(request.tickets, request.registry.helpdesk_email)


def _item(request) -> IntakeItem:
    item = request.dbsession.get(IntakeItem, int(request.matchdict["id"]))
    if item is None or item.channel != CHANNEL:
        raise HTTPNotFound()
    return item


@view_config(route_name="email.quarantine", renderer=LIST_TEMPLATE, permission="staff",
             request_method="GET")
def quarantine_list(request):
    """Quarantined messages, oldest first, one keyset page at a time; how many
    journalled messages still wait for ``helpdesk worker``."""
    after = request.params.get("after")
    items = _intake(request).journal.quarantined(
        after_id=int(after) if after and after.isdigit() else None)
    next_after = items[-1].id if len(items) == 50 else None
    return {"items": items, "next_after": next_after,
            "backlog": _intake(request).journal.backlog()}


@view_config(route_name="email.quarantine.item", renderer=ITEM_TEMPLATE, permission="staff",
             request_method="GET")
def quarantine_item(request):
    """One message: its reason, its decoded headers and text."""
    item = _item(request)
    raw = _intake(request).journal.raw(item)
    try:
        parsed, problem = parse_message(raw), None
    except MalformedMessage as exc:
        parsed, problem = None, str(exc)
    return {"item": item, "parsed": parsed, "problem": problem,
            "actionable": item.status is IntakeStatus.quarantined,
            "status_labels": STATUS_LABELS, "action_labels": ACTION_LABELS}


@view_config(route_name="email.quarantine.action", permission="staff", request_method="POST")
def quarantine_action(request):
    """Retry, release or discard one quarantined message."""
    item = _item(request)
    if item.status is not IntakeStatus.quarantined:
        request.session.flash(request.localizer.translate(
            _("This message is no longer in quarantine.")))
        return HTTPSeeOther(request.route_path("email.quarantine"))
    intake = _intake(request)
    action = request.matchdict["action"]
    if action == "discard":
        intake.discard(item, request.identity.email)
        request.session.flash(request.localizer.translate(_("Message discarded.")))
    else:
        outcome = intake.retry(item) if action == "retry" else intake.release(item)
        message = _(OUTCOME_MESSAGES[outcome.action], mapping={
            "number": outcome.ticket_number or "", "reason": outcome.reason})
        request.session.flash(request.localizer.translate(message))
    return HTTPSeeOther(request.route_path("email.quarantine"))


def includeme(config):
    """The ``email.quarantine*`` routes."""
    config.add_route("email.quarantine", "/staff/mail/quarantine")
    config.add_route("email.quarantine.item", "/staff/mail/quarantine/{id:\\d+}")
    config.add_route("email.quarantine.action",
                     "/staff/mail/quarantine/{id:\\d+}/{action:retry|release|discard}")
    config.scan(__name__)
