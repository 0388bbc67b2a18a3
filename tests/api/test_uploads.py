"""Files sent to ``POST /tickets/{number}/attachments`` that cannot be attached are
refused as problems (never a server error) and save nothing, by the rules of the web
forms (``helpdesk.attachments.allowed_types``)."""
from __future__ import annotations

import pytest

from pyramid_helpdesk.attachments.models import Attachment
from pyramid_helpdesk.tickets.models import Message
from pyramid_helpdesk.tokens.services import TokenService


@pytest.fixture
def upload(helpdesk, staff):
    """Post files to a ticket of ``user@`` with the requester's write token."""
    ticket = helpdesk.ticket(staff.user, subject="Scanner error")
    _token, secret = TokenService(helpdesk.dbsession, 20).create(staff.user, "script", "write")
    helpdesk.dbsession.flush()

    def post(fields: dict, files=()):
        return helpdesk.app.post(f"/api/v1/tickets/{ticket.number}/attachments", fields,
                                 headers={"Authorization": f"Bearer {secret}"},
                                 upload_files=list(files), content_type="multipart/form-data",
                                 expect_errors=True)

    post.ticket = ticket
    return post


def _saved(helpdesk, ticket) -> tuple[int, int]:
    session = helpdesk.dbsession
    return (session.query(Message).filter_by(ticket_id=ticket.id).count(),
            session.query(Attachment).filter_by(ticket_id=ticket.id).count())


@pytest.mark.parametrize("fields, files, detail", [
    ({"file": "not a file"}, [], "at least one file"),
    ({}, [("file", f"page-{n}.txt", b"text") for n in range(11)], "at most 10 files"),
    ({}, [("file", "setup.exe", b"MZ\x90\x00")], "'setup.exe' is of a type"),
    ({}, [("file", "notes.txt", b"ok"), ("file", "page.html", b"<script>")], "'page.html'"),
], ids=["a field that is no file", "eleven files", "an executable", "a page among text"])
def test_files_that_cannot_be_attached_are_422_and_save_nothing(helpdesk, upload, fields,
                                                                files, detail):
    before = _saved(helpdesk, upload.ticket)
    answer = upload(fields, files)
    assert answer.status_int == 422, answer.text[:300]
    assert answer.content_type == "application/problem+json"
    assert detail in answer.json["detail"]
    assert _saved(helpdesk, upload.ticket) == before


def test_allowed_files_are_attached(helpdesk, upload):
    answer = upload({"body": "Scan and log"}, [("file", "scan.pdf", b"%PDF-1.7"),
                                              ("file", "scanner.log", b"E42")])
    assert answer.status_int == 201, answer.text[:300]
    assert [f["filename"] for f in answer.json["attachments"]] == ["scan.pdf", "scanner.log"]
