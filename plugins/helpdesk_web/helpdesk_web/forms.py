"""Reading and checking the new-ticket form."""
from __future__ import annotations

from dataclasses import dataclass, field

from pyramid_helpdesk.attachments.store import Upload
from pyramid_helpdesk.errors import InvalidOperation
from pyramid_helpdesk.people.services import normalize_email

MAX_SUBJECT = 255
MAX_DESCRIPTION = 50_000


@dataclass
class TicketForm:
    """The submitted values, and an error message per field that is wrong."""

    subject: str = ""
    description: str = ""
    category: str = ""
    cc: str = ""
    uploads: list[Upload] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_post(cls, post, categories) -> "TicketForm":
        """Parse and validate ``request.POST``."""
        form = cls(
            subject=post.get("subject", "").strip(),
            description=post.get("description", "").strip(),
            category=post.get("category", "").strip(),
            cc=post.get("cc", "").strip(),
        )
        if not form.subject:
            form.errors["subject"] = "Please give the ticket a subject."
        elif len(form.subject) > MAX_SUBJECT:
            form.errors["subject"] = f"At most {MAX_SUBJECT} characters."
        if not form.description:
            form.errors["description"] = "Please describe the problem or request."
        elif len(form.description) > MAX_DESCRIPTION:
            form.errors["description"] = f"At most {MAX_DESCRIPTION} characters."
        if form.category and form.category not in categories:
            form.errors["category"] = "Please choose a category from the list."
        for address in form.cc_addresses:
            try:
                normalize_email(address)
            except InvalidOperation:
                form.errors["cc"] = f"{address!r} is not an e-mail address."
                break
        for item in post.getall("attachment"):
            if getattr(item, "filename", None):
                form.uploads.append(Upload(item.filename, item.type or "", item.file))
        return form

    def close_uploads(self) -> None:
        """Release the uploaded files' temporary storage."""
        for upload in self.uploads:
            upload.stream.close()

    @property
    def cc_addresses(self) -> list[str]:
        """The CC field split on commas, semicolons and white space."""
        return [a for a in self.cc.replace(";", ",").replace(" ", ",").split(",") if a]
