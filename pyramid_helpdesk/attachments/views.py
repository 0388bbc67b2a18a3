"""Downloading an attachment: to whoever may see its ticket, always as a download."""
from __future__ import annotations

import logging
import os
from urllib.parse import quote

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import FileResponse
from pyramid.view import view_config

from ..tickets.models import Message, MessageKind
from .store import AttachmentStore

log = logging.getLogger(__name__)

#: Types served as they were declared; anything else is ``application/octet-stream``.
#: None of them runs script in a browser (no HTML, SVG, XML or JavaScript).
SAFE_TYPES = frozenset({
    "text/plain", "text/csv", "application/pdf", "application/zip", "image/png",
    "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/tiff",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "message/rfc822",
})


def safe_content_type(declared: str) -> str:
    """The declared type when it is harmless, else ``application/octet-stream``."""
    base = declared.split(";", 1)[0].strip().lower()
    return base if base in SAFE_TYPES else "application/octet-stream"


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the real one (RFC 6266)."""
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_"
                       for ch in filename) or "attachment"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def stored_file_response(request, context, content_type: str | None = None) -> FileResponse:
    """The file of ``context.attachment`` as a download, for whoever may view its ticket;
    files of internal notes only to staff who note on it (404 for others, as for a file
    that is missing from the store). ``content_type`` overrides the safe stored type."""
    attachment = context.attachment
    if attachment.message_id is not None and not request.has_permission("ticket.note", context):
        message = request.dbsession.get(Message, attachment.message_id)
        if message is not None and message.kind is MessageKind.internal:
            raise HTTPNotFound()
    settings = request.helpdesk_settings
    path = AttachmentStore(settings.attachments_dir, settings.attachments_max_size).path(
        attachment.sha256)
    if not os.path.isfile(path):
        log.error("attachment %s of ticket %s: its file %s is missing",
                  attachment.id, context.ticket.number, path)
        raise HTTPNotFound()
    response = FileResponse(path, request=request, content_type=content_type
                            or safe_content_type(attachment.content_type))
    response.headers["Content-Disposition"] = content_disposition(attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.cache_control = "private, no-cache"
    return response


@view_config(route_name="attachments.download", request_method="GET", permission="ticket.view")
def download(context, request):
    """The stored file, as a download with a safe type."""
    return stored_file_response(request, context)
