"""The core's own intake channel: tickets staff create on a requester's behalf."""
from .. import hookimpl
from ..plugin.registry import Channel


@hookimpl
def helpdesk_register_channels():
    """Register ``staff``: logged by a staff member for someone else."""
    return [Channel("staff", "Created by staff")]
