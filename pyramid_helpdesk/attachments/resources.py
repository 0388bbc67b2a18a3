"""An attachment as a Pyramid context: it is seen by whoever may see its ticket."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound

from ..tickets.models import Ticket
from ..tickets.resources import TicketResource
from .models import Attachment


class AttachmentResource(TicketResource):
    """The attachment named by the route's ``attachment_id`` and ``filename``, with
    its ticket's ACL. A missing or removed attachment is 404 (anonymous visitors
    are sent to log in first, as for a ticket)."""

    def __init__(self, request):
        self.request = request
        attachment = self._find(request)
        if attachment is None:
            raise HTTPNotFound() if request.identity is not None else HTTPForbidden()
        self.attachment = attachment
        self.ticket = request.dbsession.get(Ticket, attachment.ticket_id)

    @staticmethod
    def _find(request) -> Attachment | None:
        attachment_id = request.matchdict["attachment_id"]
        attachment = request.dbsession.get(Attachment, int(attachment_id))
        if (attachment is None or attachment.removed_at is not None
                or attachment.filename != request.matchdict["filename"]):
            return None
        return attachment
