"""Service groups and their members: the model, the services, and the coordinators' pages."""


def includeme(config):
    """Add the group management routes (``/staff/groups``) and scan their views."""
    from .resources import GroupsRoot

    config.add_route("groups.list", "/staff/groups", factory=GroupsRoot)
    config.add_route("groups.new", "/staff/groups/new", factory=GroupsRoot)
    config.add_route("groups.edit", "/staff/groups/{group_id:\\d+}", factory=GroupsRoot)
    config.add_route("groups.members", "/staff/groups/{group_id:\\d+}/members",
                     factory=GroupsRoot)
    config.scan()
