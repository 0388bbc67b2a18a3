"""Reading and checking the ticket form: a new ticket, a draft, or an edit."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Collection

from pyramid_helpdesk.attachments.policy import AttachmentPolicy, uploads_from_post
from pyramid_helpdesk.attachments.store import Upload
from pyramid_helpdesk.people.services import first_invalid_address
from pyramid_helpdesk.tickets.models import Ticket

from .i18n import _

MAX_SUBJECT = 255
MAX_DESCRIPTION = 50_000


def _text(post, name: str) -> str:
    """A posted text field, trimmed, without NUL characters (no database stores them)."""
    return post.get(name, "").replace("\x00", "").strip()


@dataclass
class TicketForm:
    """The form's values, and an error message per field that is wrong.

    ``remove`` holds the ids of the ticket's attachments the requester ticked
    for removal; ``version`` is the ticket version the form was opened on.
    """

    subject: str = ""
    description: str = ""
    category: str = ""
    cc: str = ""
    uploads: list[Upload] = field(default_factory=list)
    remove: set[int] = field(default_factory=set)
    version: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_ticket(cls, ticket: Ticket) -> "TicketForm":
        """The form filled with a saved ticket's values."""
        return cls(subject=ticket.subject, description=ticket.description,
                   category=ticket.category or "", cc=", ".join(c.email for c in ticket.cc),
                   version=ticket.version)

    @classmethod
    def from_post(cls, post, categories: Collection[str], policy: AttachmentPolicy, *,
                  draft: bool = False, current: Collection[int] = ()) -> "TicketForm":
        """Parse and check ``request.POST``.

        ``draft``: the description may still be empty. ``current``: the ids of
        the ticket's attachments, which the form may remove and which count
        towards the attachment limit.
        """
        form = cls(
            subject=_text(post, "subject"),
            description=_text(post, "description"),
            category=_text(post, "category"),
            cc=_text(post, "cc"),
            remove={int(v) for v in post.getall("remove_attachment")
                    if v.isdecimal()} & set(current),
            version=int(post["version"]) if post.get("version", "").isdecimal() else None,
        )
        form._check_text(draft)
        if form.category and form.category not in categories:
            form.errors["category"] = _("Please choose a category from the list.")
        form._check_cc()
        form.uploads = uploads_from_post(post)
        refusal = policy.refusal(form.uploads, kept=len(current) - len(form.remove))
        if refusal:
            form.errors["attachment"] = refusal
        return form

    def _check_text(self, draft: bool) -> None:
        if not self.subject:
            self.errors["subject"] = _("Please give the ticket a subject.")
        elif len(self.subject) > MAX_SUBJECT:
            self.errors["subject"] = _("At most ${count} characters.",
                                       mapping={"count": MAX_SUBJECT})
        if not self.description and not draft:
            self.errors["description"] = _("Please describe the problem or request.")
        elif len(self.description) > MAX_DESCRIPTION:
            self.errors["description"] = _("At most ${count} characters.",
                                           mapping={"count": MAX_DESCRIPTION})

    def _check_cc(self) -> None:
        invalid = first_invalid_address(self.cc_addresses)
        if invalid is not None:
            self.errors["cc"] = _("“${address}” is not an e-mail address.",
                                  mapping={"address": invalid})

    def close_uploads(self) -> None:
        """Release the uploaded files' temporary storage."""
        for upload in self.uploads:
            upload.stream.close()

    @property
    def cc_addresses(self) -> list[str]:
        """The CC field split on commas, semicolons and white space."""
        return [a for a in self.cc.replace(";", ",").replace(" ", ",").split(",") if a]
