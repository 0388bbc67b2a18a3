"""The home page: a welcome, or the person's own recent tickets."""
from pyramid.interfaces import IRoutesMapper
from pyramid.view import view_config
from sqlalchemy import select, union

from .db.types import utcnow
from .sla.calendar_text import service_notice
from .tickets.models import Ticket, TicketCC, TicketStatus

RECENT = 20


def recent_tickets(request, person):
    """The person's latest tickets, as requester or CC (newest first, bounded).

    Two index range scans of at most ``RECENT`` rows each (requester, CC
    address), merged: an OR across both would read every ticket at scale.
    """
    own = (select(Ticket.id).where(Ticket.requester_id == person.id,
                                   Ticket.status != TicketStatus.draft)  # drafts: own page
           .order_by(Ticket.id.desc()).limit(RECENT).subquery())
    copied = (select(TicketCC.ticket_id.label("id"))
              .join(Ticket, Ticket.id == TicketCC.ticket_id)
              .where(TicketCC.email == person.email.lower(), Ticket.status != TicketStatus.draft)
              .order_by(TicketCC.ticket_id.desc()).limit(RECENT).subquery())
    ids = union(select(own.c.id), select(copied.c.id))
    query = select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id.desc()).limit(RECENT)
    return request.dbsession.scalars(query).all()


@view_config(route_name="home", renderer="pyramid_helpdesk:templates/home.pt",
             permission="public")
def home(request):
    """Welcome anonymous visitors; show a signed-in person their tickets; both see the
    service hours and, when the desk is closed, when it opens."""
    person = request.identity
    return {
        "tickets": recent_tickets(request, person) if person else [],
        "new_ticket_url": route_path_if_any(request, "tickets.new"),
        "my_tickets_url": route_path_if_any(request, "tickets.mine"),
        "drafts_url": route_path_if_any(request, "drafts.list"),
        "service": service_notice(request.calendar, utcnow(), request.localizer.translate),
    }


def route_path_if_any(request, name: str) -> str | None:
    """The path of route ``name`` when a plugin added it, else ``None``."""
    if request.registry.getUtility(IRoutesMapper).get_route(name) is None:
        return None
    return request.route_path(name)


def includeme(config):
    """Add the ``home`` route."""
    config.add_route("home", "/")
    config.add_request_method(route_path_if_any, "route_path_if_any")
    config.scan(__name__)
