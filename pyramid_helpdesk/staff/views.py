"""The staff console's lists: home, inbox, undispatched queue, unprocessed tickets."""
from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import select

from ..db.types import utcnow
from ..duty.services import on_duty
from ..groups.models import ServiceGroup
from ..i18n import _
from ..tickets.models import Priority
from . import queries
from .durations import duration
from .filters import AGES, DUE, HELD, INBOX, UNDISPATCHED, UNPROCESSED, ListFilters, ListSpec
from .labels import category_label, channel_label
from .presenters import RowPresenter
from .resources import Scope
from .targets import NEAR

TEMPLATES = "pyramid_helpdesk:templates/staff/"


@view_config(route_name="staff.home", renderer=TEMPLATES + "home.pt", permission="staff",
             request_method="GET")
def staff_home(request):
    """Counts of the tickets that need someone, each a link to its list; who is on duty."""
    scope = Scope.of(request)
    now, settings = utcnow(), request.helpdesk_settings
    return {"counts": queries.home_counts(request.dbsession, scope, now),
            "scope": scope, "near": duration(NEAR),
            "target": duration(settings.sla_targets.choose("normal", None, None).resolution),
            "duty": on_duty(request.dbsession, now, settings.timezone)}


def _groups(request, scope: Scope) -> list[tuple[int, str]]:
    """The groups a list may be narrowed to: all for supervisors, else one's own."""
    query = select(ServiceGroup.id, ServiceGroup.name).order_by(ServiceGroup.name)
    if not scope.sees_everything:
        query = query.where(ServiceGroup.id.in_(scope.group_ids))
    return [tuple(row) for row in request.dbsession.execute(query)]


def _list_page(request, spec: ListSpec, build_slice, groups=()) -> dict:
    """Read the filters, fetch the page, and give the template what it needs."""
    settings = request.helpdesk_settings
    channels = request.registry.helpdesk_plugins.channels
    filters = ListFilters.from_params(spec, request.GET, categories=settings.categories,
                                      channels=channels, group_ids={g for g, _ in groups})
    now = utcnow()
    page = queries.ticket_page(request.dbsession, settings, build_slice(filters, now), filters)
    present = RowPresenter(request, now, NEAR, lambda name: channel_label(name, channels))
    return {
        "filters": filters,
        "page": page,
        "rows": [present(row) for row in page.rows],
        "groups": groups,
        "priorities": [p.value for p in Priority],
        "categories": [(name, category_label(name)) for name in settings.categories],
        "channels": [(name, channel_label(name, channels)) for name in channels],
        "ages": AGES,
        "due_choices": DUE,
        "held_choices": HELD,
    }


@view_config(route_name="staff.inbox", renderer=TEMPLATES + "inbox.pt", permission="staff",
             request_method="GET")
def inbox(request):
    """Tickets held by the staff member and by their groups."""
    scope = Scope.of(request)
    return _list_page(request, INBOX, lambda f, now: queries.inbox_slice(scope, f, now))


@view_config(route_name="staff.undispatched", renderer=TEMPLATES + "undispatched.pt",
             permission="staff.supervise", request_method="GET")
def undispatched(request):
    """New tickets waiting for first line, oldest first."""
    return _list_page(request, UNDISPATCHED, queries.undispatched_slice)


@view_config(route_name="staff.unprocessed", renderer=TEMPLATES + "unprocessed.pt",
             permission="staff", request_method="GET")
def unprocessed(request):
    """Every unresolved ticket the staff member may see, with its holder and its times."""
    scope = Scope.of(request)
    values = _list_page(request, UNPROCESSED,
                        lambda f, now: queries.unprocessed_slice(scope, f, now),
                        groups=_groups(request, scope))
    values["can_nudge"] = bool(request.has_permission("staff.supervise"))
    # Shown on every row: translated once.
    values["texts"] = {"flow": request.localizer.translate(_("Flow")),
                       "nudge": request.localizer.translate(_("Nudge"))}
    return values
