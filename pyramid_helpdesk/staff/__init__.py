"""The staff console: the lists, ticket view and actions first and second line work from.

Pages (all under ``/staff``): the home page's counts, the inbox, the undispatched
queue, the unprocessed tickets, search, creating a ticket on someone's behalf,
bulk actions on the lists, and each ticket's view with its actions, flow, nudge
button and merge page. They read through :mod:`.queries` (and the modules of
each page) and change tickets only through ``request.tickets`` (the lifecycle
service).
"""


def includeme(config):
    """Add the ``staff.*`` routes and scan the console's views."""
    from .resources import StaffRoot, StaffTicketResource

    for name, pattern in [
        ("staff.home", "/staff"),
        ("staff.inbox", "/staff/inbox"),
        ("staff.undispatched", "/staff/undispatched"),
        ("staff.unprocessed", "/staff/unprocessed"),
        ("staff.search", "/staff/search"),
        ("staff.new_ticket", "/staff/new"),
        ("staff.people", "/staff/people"),
        ("staff.bulk", "/staff/bulk"),
    ]:
        config.add_route(name, pattern, factory=StaffRoot)
    ticket = "/staff/tickets/{number}"
    for name, pattern in [
        ("staff.ticket", ticket),
        ("staff.ticket.reply", ticket + "/reply"),
        ("staff.ticket.note", ticket + "/note"),
        ("staff.ticket.status", ticket + "/status"),
        ("staff.ticket.take", ticket + "/take"),
        ("staff.ticket.change", ticket + "/change"),
        ("staff.ticket.dispatch", ticket + "/dispatch"),
        ("staff.ticket.revoke", ticket + "/access/{authorization_id}/revoke"),
        ("staff.ticket.merge", ticket + "/merge"),
        ("staff.flow", ticket + "/flow"),
        ("staff.nudge", ticket + "/nudge"),
    ]:
        config.add_route(name, pattern, factory=StaffTicketResource)
    config.add_static_view("staff-static", "pyramid_helpdesk.staff:static", cache_max_age=3600)
    config.scan()
