"""Reading and checking the group form and the add-member form.

Each form keeps what the coordinator typed and one translated message per wrong field.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InvalidOperation
from ..i18n import _
from ..people.models import Role
from ..people.services import normalize_email
from .models import ServiceGroup

MAX_NAME = 100
MAX_DESCRIPTION = 500

#: Each role as the pages name it.
ROLE_LABELS = {
    Role.requester: _("Requester"),
    Role.agent: _("Agent"),
    Role.coordinator: _("Coordinator"),
    Role.admin: _("Admin"),
}


def _one_line(value: str) -> str:
    """``value`` with its runs of white space made single spaces."""
    return " ".join(value.split())


def _address_problem(address: str):
    """What is wrong with an e-mail address, or ``None``."""
    try:
        normalize_email(address)
    except InvalidOperation:
        return _("This is not an e-mail address.")
    return None


@dataclass
class GroupForm:
    """A group's name, description, e-mail address and first-line flag."""

    name: str = ""
    description: str = ""
    email: str = ""
    first_line: bool = False
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_group(cls, group: ServiceGroup) -> "GroupForm":
        """The group as stored."""
        return cls(name=group.name, description=group.description, email=group.email or "",
                   first_line=group.is_first_line)

    @classmethod
    def from_post(cls, post) -> "GroupForm":
        """Read and check the posted form."""
        form = cls(name=_one_line(post.get("name", "")),
                   description=post.get("description", "").strip(),
                   email=post.get("email", "").strip(),
                   first_line=post.get("first_line") == "1")
        if not form.name:
            form.errors["name"] = _("Please give the group a name.")
        elif len(form.name) > MAX_NAME:
            form.errors["name"] = _("At most ${limit} characters.", mapping={"limit": MAX_NAME})
        if len(form.description) > MAX_DESCRIPTION:
            form.errors["description"] = _("At most ${limit} characters.",
                                           mapping={"limit": MAX_DESCRIPTION})
        if form.email and _address_problem(form.email) is not None:
            form.errors["email"] = _address_problem(form.email)
        return form

    @property
    def normalized_email(self) -> str | None:
        """The checked address lower-cased, or ``None`` when the group has none."""
        return normalize_email(self.email) if self.email else None


@dataclass
class MemberForm:
    """Adding a member by address; an admin may promote a requester to agent."""

    email: str = ""
    promote: bool = False
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_post(cls, post) -> "MemberForm":
        """Read and check the posted address."""
        form = cls(email=post.get("email", "").strip(), promote=post.get("promote") == "1")
        if not form.email:
            form.errors["email"] = _("Please enter the new member's e-mail address.")
        elif _address_problem(form.email) is not None:
            form.errors["email"] = _address_problem(form.email)
        return form


def role_from_post(post) -> Role | None:
    """The role chosen in a member row's role form, or ``None`` if it names none."""
    try:
        return Role(post.get("role", ""))
    except ValueError:
        return None
