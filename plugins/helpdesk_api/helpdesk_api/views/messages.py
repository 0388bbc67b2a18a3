"""``/tickets/{number}/messages`` and ``/attachments``: the conversation and its files."""
from __future__ import annotations

from collections import defaultdict

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from pyramid.view import view_config

from pyramid_helpdesk.attachments.models import Attachment
from pyramid_helpdesk.attachments.policy import AttachmentPolicy
from pyramid_helpdesk.attachments.store import Upload
from pyramid_helpdesk.attachments.views import safe_content_type, stored_file_response
from pyramid_helpdesk.errors import InvalidOperation
from pyramid_helpdesk.tickets.models import Ticket
from pyramid_helpdesk.tickets.resources import TicketResource

from ..serialize import attachment_json, message_json

MAX_FILES = 10
#: The largest id an integer column holds (PostgreSQL refuses to compare with more).
MAX_ID = 2**31 - 1


def _sees_notes(request, context) -> bool:
    return bool(request.has_permission("ticket.note", context))


def _files_by_message(request, context) -> dict[int | None, list[Attachment]]:
    """The ticket's files by message id (serialised only with a message the caller reads)."""
    files = defaultdict(list)
    for attachment in request.tickets.attachments(context.ticket):
        files[attachment.message_id].append(attachment)
    return files


@view_config(route_name="api.ticket.messages", request_method="GET", openapi=True,
             renderer="json", permission="ticket.view")
def list_messages(context, request):
    """The conversation, oldest first; internal notes for staff who work on the ticket."""
    internal = _sees_notes(request, context)
    files = _files_by_message(request, context)
    messages = request.tickets.messages(context.ticket, include_internal=internal)
    return {"items": [message_json(request, m, files.get(m.id, ())) for m in messages]}


def _add(request, context, body: str, internal: bool, version, uploads=()):
    """A public reply or an internal note through the lifecycle service."""
    if internal:
        if not _sees_notes(request, context):
            raise HTTPForbidden("Only staff who work on the ticket add internal notes.")
        return request.tickets.note(context.ticket, author=request.identity, body=body,
                                    attachments=uploads, expected_version=version)
    return request.tickets.reply(context.ticket, body=body, author=request.identity,
                                 attachments=uploads, expected_version=version)


@view_config(route_name="api.ticket.messages", request_method="POST", openapi=True,
             renderer="json", permission="ticket.reply")
def add_message(context, request):
    """Reply (mailed like a reply on the web) or, for staff, an internal note."""
    body = request.openapi_validated.body
    message = _add(request, context, body["body"], body.get("internal", False),
                   body.get("version"))
    request.response.status = 201
    return message_json(request, message)


@view_config(route_name="api.ticket.attachments", request_method="GET", openapi=True,
             renderer="json", permission="ticket.view")
def list_attachments(context, request):
    """The files of every message the caller may read."""
    internal = _sees_notes(request, context)
    readable = {m.id for m in request.tickets.messages(context.ticket, include_internal=internal)}
    return {"items": [attachment_json(request, a)
                      for a in request.tickets.attachments(context.ticket)
                      if a.message_id is None or a.message_id in readable]}


@view_config(route_name="api.ticket.attachments", request_method="POST", openapi=True,
             renderer="json", permission="ticket.reply")
def add_attachments(context, request):
    """Files with a message: a public reply, or an internal note for staff."""
    uploads = [Upload(item.filename.replace("\\", "/").rsplit("/", 1)[-1] or "file",
                      item.type or "application/octet-stream", item.file)
               for item in request.POST.getall("file") if getattr(item, "filename", None)]
    if not uploads:
        raise InvalidOperation("file: send at least one file (multipart/form-data)")
    if len(uploads) > MAX_FILES:
        raise InvalidOperation(f"file: at most {MAX_FILES} files at once")
    policy = AttachmentPolicy.from_settings(request.helpdesk_settings)  # as on the web forms
    for upload in uploads:
        if not policy.allows(upload.filename, upload.content_type):
            raise InvalidOperation(f"file: {upload.filename!r} is of a type the helpdesk does "
                                   "not accept (helpdesk.attachments.allowed_types)")
    text = request.POST.get("body", "").strip() or ", ".join(u.filename for u in uploads)
    internal = request.POST.get("internal", "false").lower() == "true"
    version = request.POST.get("version")
    message = _add(request, context, text, internal, int(version) if version else None,
                   uploads)
    files = request.dbsession.query(Attachment).filter_by(message_id=message.id).all()
    request.response.status = 201
    return message_json(request, message, files)


class AttachmentContext(TicketResource):
    """The file named by ``attachment_id`` with its ticket's ACL (404 when removed)."""

    def __init__(self, request):
        self.request = request
        raw = request.matchdict["attachment_id"]  # not yet checked against the document
        attachment = request.dbsession.get(Attachment, int(raw)) \
            if raw.isascii() and raw.isdigit() and int(raw) <= MAX_ID else None
        if attachment is None or attachment.removed_at is not None:
            raise HTTPNotFound() if request.identity is not None else HTTPForbidden()
        self.attachment = attachment
        self.ticket = request.dbsession.get(Ticket, attachment.ticket_id)


@view_config(route_name="api.attachment", request_method="GET", openapi=True,
             permission="ticket.view")
def download(context, request):
    """The bytes as ``application/octet-stream``, the stored type in a header; files of
    internal notes only to staff (as on the web)."""
    response = stored_file_response(request, context, "application/octet-stream")
    response.headers["X-Helpdesk-Content-Type"] = safe_content_type(
        context.attachment.content_type)
    return response
