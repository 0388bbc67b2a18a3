"""My tickets: the visitor's tickets and those they are CC'd on."""
from pyramid.view import view_config

from ..listing import PAGE_SIZE, ROLES, STATUS_FILTERS, Filters, my_tickets


@view_config(route_name="tickets.mine", request_method="GET", permission="portal",
             renderer="helpdesk_web:templates/my_tickets.pt")
def my_tickets_page(request):
    """One page of the list, with its filters."""
    filters = Filters.from_params(request.GET)
    return {
        "filters": filters,
        "page": my_tickets(request.dbsession, request.identity, filters, PAGE_SIZE),
        "statuses": tuple(STATUS_FILTERS),
        "roles": ROLES,
    }
