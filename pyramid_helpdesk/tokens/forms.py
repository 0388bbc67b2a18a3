"""The "new token" form: a name, a scope and an expiry, as typed and as checked."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from ..i18n import _
from .models import TokenScope
from .services import MAX_NAME, clean_name

#: The expiries offered, in days ("never": no expiry), and the one chosen by default.
EXPIRY_CHOICES = ("30", "90", "365", "never")
DEFAULT_EXPIRY = "90"


@dataclass
class TokenForm:
    """The form's fields and a message per wrong field."""

    name: str = ""
    scope: str = TokenScope.read.value
    expires: str = DEFAULT_EXPIRY
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_post(cls, post) -> "TokenForm":
        """Read and check the posted form; the service checks the rest."""
        form = cls(name=clean_name(post.get("name", "")), scope=post.get("scope", "").strip(),
                   expires=post.get("expires", "").strip())
        if not form.name:
            form.errors["name"] = _("Please give the token a name.")
        elif len(form.name) > MAX_NAME:
            form.errors["name"] = _("At most ${limit} characters.", mapping={"limit": MAX_NAME})
        if form.scope not in {scope.value for scope in TokenScope}:
            form.errors["scope"] = _("Choose read or write.")
        if form.expires not in EXPIRY_CHOICES:
            form.errors["expires"] = _("Choose when the token expires.")
        return form

    @property
    def expires_in(self) -> timedelta | None:
        """The chosen lifetime; ``None`` for a token that never expires."""
        return None if self.expires == "never" else timedelta(days=int(self.expires))
