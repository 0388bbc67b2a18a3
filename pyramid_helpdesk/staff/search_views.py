"""The staff search page: ``/staff/search?q=...`` with the list filters."""
from __future__ import annotations

from pyramid.traversal import quote_path_segment
from pyramid.view import view_config
from sqlalchemy import select

from ..groups.models import ServiceGroup
from ..tickets.models import Priority
from .labels import category_label, channel_label
from .resources import Scope
from .search import MAX_QUERY, STATUSES, SearchForm, search

PLACEHOLDER = "__number__"


def _groups(request, scope: Scope) -> list[tuple[int, str]]:
    """The holding groups a search may be narrowed to: all for supervisors, else one's own."""
    query = select(ServiceGroup.id, ServiceGroup.name).order_by(ServiceGroup.name)
    if not scope.sees_everything:
        query = query.where(ServiceGroup.id.in_(scope.group_ids))
    return [tuple(row) for row in request.dbsession.execute(query)]


@view_config(route_name="staff.search", renderer="pyramid_helpdesk:templates/staff/search.pt",
             permission="staff", request_method="GET")
def search_page(request):
    """The search form and, for a term, one page of the tickets that contain it."""
    scope = Scope.of(request)
    settings = request.helpdesk_settings
    channels = request.registry.helpdesk_plugins.channels
    groups = _groups(request, scope)
    form = SearchForm.from_params(request.GET, categories=settings.categories,
                                  channels=channels, group_ids={g for g, _ in groups})
    results = None
    if form.error is not None:
        request.response.status_int = 400
    elif form.q:
        results = search(request.dbsession, scope, form)
    ticket_path = request.route_path("staff.ticket", number=PLACEHOLDER)
    return {
        "form": form,
        "results": results,
        "max_query": MAX_QUERY,
        "statuses": [(key, label) for key, (_, label) in STATUSES.items()],
        "priorities": [p.value for p in Priority],
        "categories": [(name, category_label(name)) for name in settings.categories],
        "channels": [(name, channel_label(name, channels)) for name in channels],
        "groups": groups,
        "ticket_url": lambda number: ticket_path.replace(PLACEHOLDER,
                                                         quote_path_segment(number)),
    }
