"""The staff console: the lists first and second line work from.

Pages (all under ``/staff``): the home page's counts, the inbox, the undispatched
queue, the unprocessed tickets, and each ticket's flow with its nudge button.
They read through :mod:`.queries` and change tickets only through
``request.tickets`` (the lifecycle service).
"""


def includeme(config):
    """Add the ``staff.*`` routes and views."""
    from .resources import StaffRoot, StaffTicketResource

    config.add_route("staff.home", "/staff", factory=StaffRoot)
    config.add_route("staff.inbox", "/staff/inbox", factory=StaffRoot)
    config.add_route("staff.undispatched", "/staff/undispatched", factory=StaffRoot)
    config.add_route("staff.unprocessed", "/staff/unprocessed", factory=StaffRoot)
    config.add_route("staff.flow", "/staff/tickets/{number}/flow", factory=StaffTicketResource)
    config.add_route("staff.nudge", "/staff/tickets/{number}/nudge",
                     factory=StaffTicketResource)
    config.add_static_view("staff-static", "pyramid_helpdesk.staff:static", cache_max_age=3600)
    config.scan(".views")
    config.scan(".flow_views")
