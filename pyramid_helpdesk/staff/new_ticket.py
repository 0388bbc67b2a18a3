"""The form staff fill while on the phone: a ticket on someone's behalf (``staff.new_ticket``).

:class:`NewTicketForm` reads and checks the posted fields; :class:`FormTokens`
keeps the one-time tokens that stop a double submission from making two tickets.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Collection, Mapping

from ..attachments.policy import AttachmentPolicy, uploads_from_post
from ..attachments.store import Upload
from ..errors import InvalidOperation
from ..i18n import _
from ..people.profile import MAX_DEPARTMENT, MAX_NAME, MAX_PHONE, MIN_PHONE_DIGITS, PHONE
from ..people.services import first_invalid_address, normalize_email
from ..tickets.models import Priority

MAX_SUBJECT = 255
MAX_DESCRIPTION = 50_000

#: How the call ended: nothing more, solved on the phone, or handed to a group.
FINISH_NONE, FINISH_RESOLVED, FINISH_DISPATCH = "", "resolved", "dispatch"


def _text(post, name: str) -> str:
    """A posted field, trimmed, without NUL characters (no database stores them)."""
    return post.get(name, "").replace("\x00", "").strip()


@dataclass
class NewTicketForm:
    """The values typed, and one message per wrong field.

    ``email`` names the requester; ``name``, ``phone`` and ``department``
    describe a requester the helpdesk does not know yet (ignored otherwise).
    """

    email: str = ""
    name: str = ""
    phone: str = ""
    department: str = ""
    subject: str = ""
    description: str = ""
    category: str = ""
    priority: str = Priority.normal.value
    channel: str = "staff"
    cc: str = ""
    finish: str = FINISH_NONE
    group: str = ""
    token: str = ""
    uploads: list[Upload] = field(default_factory=list)
    errors: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_post(cls, post, *, categories: Collection[str], channels: Collection[str],
                  group_ids: Collection[int], may_dispatch: bool,
                  policy: AttachmentPolicy) -> "NewTicketForm":
        """Read and check ``request.POST`` (the requester's existence is checked later)."""
        form = cls(**{name: _text(post, name) for name in (
            "email", "phone", "subject", "description", "category", "priority", "channel",
            "cc", "finish", "group", "token")})
        form.name = " ".join(post.get("name", "").split())
        form.department = " ".join(post.get("department", "").split())
        form.uploads = uploads_from_post(post)
        form._check_email()
        form._check_text()
        form._check_choices(categories, channels)
        form._check_cc()
        form._check_finish(group_ids, may_dispatch)
        refusal = policy.refusal(form.uploads)
        if refusal:
            form.errors["attachment"] = refusal
        return form

    def check_new_requester(self) -> None:
        """The fields a requester the helpdesk does not know yet needs."""
        if not self.name:
            self.errors["name"] = _("This address is new: please give the person's name.")
        elif len(self.name) > MAX_NAME:
            self.errors["name"] = _("At most ${limit} characters.", mapping={"limit": MAX_NAME})
        if len(self.department) > MAX_DEPARTMENT:
            self.errors["department"] = _("At most ${limit} characters.",
                                          mapping={"limit": MAX_DEPARTMENT})
        digits = sum(ch.isdigit() for ch in self.phone)
        if len(self.phone) > MAX_PHONE:
            self.errors["phone"] = _("At most ${limit} characters.", mapping={"limit": MAX_PHONE})
        elif self.phone and (not PHONE.match(self.phone) or digits < MIN_PHONE_DIGITS):
            self.errors["phone"] = _("Please write the number with digits, e.g. +86 10 1234 5678.")

    @property
    def cc_addresses(self) -> list[str]:
        """The CC field split on commas, semicolons and white space."""
        return [a for a in self.cc.replace(";", ",").replace(" ", ",").split(",") if a]

    def close_uploads(self) -> None:
        """Release the uploaded files' temporary storage."""
        for upload in self.uploads:
            upload.stream.close()

    def _check_email(self) -> None:
        if not self.email:
            self.errors["email"] = _("Please give the requester's e-mail address.")
            return
        try:
            self.email = normalize_email(self.email)
        except InvalidOperation:
            self.errors["email"] = _("“${address}” is not an e-mail address.",
                                     mapping={"address": self.email})

    def _check_text(self) -> None:
        if not self.subject:
            self.errors["subject"] = _("Please give the ticket a subject.")
        elif len(self.subject) > MAX_SUBJECT:
            self.errors["subject"] = _("At most ${limit} characters.",
                                       mapping={"limit": MAX_SUBJECT})
        if len(self.description) > MAX_DESCRIPTION:
            self.errors["description"] = _("At most ${limit} characters.",
                                           mapping={"limit": MAX_DESCRIPTION})

    def _check_choices(self, categories: Collection[str], channels: Collection[str]) -> None:
        if self.category and self.category not in categories:
            self.errors["category"] = _("Please choose a category from the list.")
        if self.priority not in {p.value for p in Priority}:
            self.errors["priority"] = _("Please choose a priority from the list.")
        if self.channel not in channels:
            self.errors["channel"] = _("Please choose a channel from the list.")

    def _check_cc(self) -> None:
        invalid = first_invalid_address(self.cc_addresses)
        if invalid is not None:
            self.errors["cc"] = _("“${address}” is not an e-mail address.",
                                  mapping={"address": invalid})

    def _check_finish(self, group_ids: Collection[int], may_dispatch: bool) -> None:
        if self.finish not in (FINISH_NONE, FINISH_RESOLVED, FINISH_DISPATCH):
            self.errors["finish"] = _("Please choose one of the listed ways to finish.")
        elif self.finish == FINISH_DISPATCH and not may_dispatch:
            self.errors["finish"] = _("Only first line and coordinators dispatch tickets.")
        elif self.finish == FINISH_DISPATCH and not (
                self.group.isdecimal() and int(self.group) in group_ids):
            self.errors["group"] = _("Please choose the group to dispatch the ticket to.")

    @property
    def group_id(self) -> int | None:
        """The chosen group's id, when dispatching."""
        return int(self.group) if self.finish == FINISH_DISPATCH and self.group else None


class FormTokens:
    """One-time tokens of the new-ticket form, kept in the session.

    Each form shown carries a fresh token; creating the ticket spends it and
    remembers the ticket's number, so the same form posted again (a double
    click, a reload) leads to that ticket instead of making another. The
    newest :data:`KEEP` tokens are kept (the session is a signed cookie).
    """

    KEY = "staff.new_ticket.tokens"
    KEEP = 10

    def __init__(self, session):
        self.session = session

    @property
    def _tokens(self) -> Mapping[str, str]:
        return self.session.get(self.KEY) or {}

    def issue(self) -> str:
        """A new, unspent token."""
        token = secrets.token_urlsafe(16)
        self._store({**self._tokens, token: ""})
        return token

    def is_open(self, token: str) -> bool:
        """Issued here and not spent yet."""
        return self._tokens.get(token) == ""

    def spent_on(self, token: str) -> str | None:
        """The number of the ticket this token created, if it did."""
        return self._tokens.get(token) or None

    def spend(self, token: str, number: str) -> None:
        """Remember that ``token`` created ticket ``number``."""
        tokens = {name: value for name, value in self._tokens.items() if name != token}
        self._store({**tokens, token: number})

    def _store(self, tokens: Mapping[str, str]) -> None:
        # A new dict, so that the session notices the change; the newest last.
        self.session[self.KEY] = dict(list(tokens.items())[-self.KEEP:])
