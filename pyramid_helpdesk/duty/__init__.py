"""The first-line duty roster: who answers the phone this week (and today)."""


def includeme(config):
    """Add the roster's routes (``/staff/duty`` and its forms) and ``/duty/now``;
    scan its views."""
    from .resources import DutyNowResource, DutyRoot

    config.add_route("duty.now", "/duty/now", factory=DutyNowResource)
    config.add_route("duty.roster", "/staff/duty", factory=DutyRoot)
    config.add_route("duty.generate", "/staff/duty/generate", factory=DutyRoot)
    config.add_route("duty.swap", "/staff/duty/swap", factory=DutyRoot)
    config.add_route("duty.override", "/staff/duty/override", factory=DutyRoot)
    config.add_route("duty.override_delete", "/staff/duty/override/delete", factory=DutyRoot)
    config.scan()
