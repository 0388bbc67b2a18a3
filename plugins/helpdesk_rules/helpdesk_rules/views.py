"""The coordinators' pages: the rules in order with a dry run, and the file's editor."""
from __future__ import annotations

from dataclasses import dataclass

from pyramid.httpexceptions import HTTPBadRequest, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from pyramid_helpdesk.groups.models import ServiceGroup
from pyramid_helpdesk.tickets.models import Priority

from .book import Loaded, RuleBook
from .i18n import _
from .rules import Check, Rule, RulesError, TicketFacts
from .targets import unknown_targets

TEMPLATES = "helpdesk_rules:templates/"
MAX_TEXT = 256 * 1024  # characters: far more than a few hundred rules need
MAX_GROUPS_SHOWN = 200


@dataclass(frozen=True)
class Trial:
    """A rule tried on a ticket in the dry run: its conditions and whether it matched."""

    rule: Rule
    checks: list[Check]
    matched: bool


def _book(request) -> RuleBook:
    return request.registry.helpdesk_rules


def _current(book: RuleBook) -> tuple[Loaded | None, str | None]:
    """The rules in force and the error of the file as it is now, if it has one."""
    try:
        loaded = book.current()
    except OSError as exc:
        return None, f"cannot read {book.path}: {exc.strerror}"
    except RulesError as exc:
        return None, str(exc)
    return loaded, str(loaded.error) if loaded.error else None


def dry_run(loaded: Loaded, ticket) -> list[Trial]:
    """Each rule tried on ``ticket`` in order, up to and including the one that matches."""
    facts = TicketFacts.of(ticket)
    trials = []
    for rule in loaded.rules.rules:
        matched = rule.matches(facts)
        trials.append(Trial(rule, rule.explain(facts), matched))
        if matched:
            break
    return trials


@view_config(route_name="routing_rules.list", renderer=TEMPLATES + "list.pt",
             permission="coordinate", request_method="GET")
def rules_page(request):
    """The rules in order, what they name that does not exist, and a dry run on a ticket."""
    loaded, error = _current(_book(request))
    number = request.GET.get("ticket", "").strip()[:32]
    values = {"loaded": loaded, "error": error, "number": number, "ticket": None,
              "trials": None, "ticket_error": None,
              "unknown": unknown_targets(request.dbsession, loaded.rules) if loaded else []}
    if number and loaded is not None:
        ticket = request.tickets.get(number)
        if ticket is None:
            request.response.status = 400
            values["ticket_error"] = _("No ticket has the number ${number}.",
                                       mapping={"number": number})
        else:
            values["ticket"], values["trials"] = ticket, dry_run(loaded, ticket)
    return values


def _edit_page(request, text: str, version: str, **messages) -> dict:
    """The editor with ``text``, the names rules may use, and a message if any."""
    settings = request.registry.helpdesk_settings
    groups = request.dbsession.scalars(
        select(ServiceGroup.name).order_by(ServiceGroup.name).limit(MAX_GROUPS_SHOWN)).all()
    return {"text": text, "version": version, "groups": groups,
            "categories": settings.categories,
            "channels": sorted(request.registry.helpdesk_plugins.channels),
            "priorities": [priority.value for priority in Priority],
            "error": None, "error_line": None, "checked": None, "stale": False, **messages}


@view_config(route_name="routing_rules.edit", renderer=TEMPLATES + "edit.pt",
             permission="coordinate", request_method="GET")
def edit_form(request):
    """The rules file's text in a form."""
    book = _book(request)
    return _edit_page(request, book.read_text(), book.version())


@view_config(route_name="routing_rules.edit", renderer=TEMPLATES + "edit.pt",
             permission="coordinate", request_method="POST")
def check_or_save(request):
    """Check the posted text, and with ``action=save`` write it: refused text comes back
    kept, with the line and the reason (400), or the news that the file changed (409)."""
    action = request.POST.get("action")
    if action not in ("check", "save"):
        raise HTTPBadRequest()
    book = _book(request)
    text = request.POST.get("text", "").replace("\r\n", "\n")
    version = request.POST.get("version", "")
    if len(text) > MAX_TEXT:
        request.response.status = 400
        return _edit_page(request, text, version, error=_(
            "The rules are too long (at most ${count} characters).", mapping={"count": MAX_TEXT}))
    try:
        rules = book.parse(text, channels=request.registry.helpdesk_plugins.channels)
        unknown = unknown_targets(request.dbsession, rules)
        if unknown:
            raise RulesError(unknown[0].rule.line, unknown[0].reason())
    except RulesError as refused:
        request.response.status = 400
        return _edit_page(request, text, version, error=refused.reason,
                          error_line=refused.line)
    if action == "check":
        return _edit_page(request, text, version, checked=len(rules.rules))
    if version != book.version():
        request.response.status = 409
        return _edit_page(request, text, version, stale=True)
    book.save(text)
    request.session.flash(request.localizer.translate(
        _("Rules saved: ${count} rules, in force now.", mapping={"count": len(rules.rules)})))
    return HTTPSeeOther(request.route_path("routing_rules.list"))
