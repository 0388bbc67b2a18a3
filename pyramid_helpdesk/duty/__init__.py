"""The first-line duty roster: who answers the phone this week (and today)."""


def includeme(config):
    """Add the roster's routes (``/staff/duty``) and ``/duty/now``; scan its views."""
    from ..staff.resources import StaffRoot

    config.add_route("duty.now", "/duty/now")
    config.add_route("duty.roster", "/staff/duty", factory=StaffRoot)
    config.scan()
