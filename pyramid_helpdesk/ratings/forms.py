"""The rating form (the link's page and the ticket page share it)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..i18n import _
from .services import MAX_COMMENT, SCORES

#: How each score is named next to its radio button.
SCORE_LABELS = {1: _("poor"), 2: _("fair"), 3: _("good"), 4: _("very good"),
                5: _("excellent")}


def _score(raw: str | None) -> int | None:
    """A score from a form or a query string, or ``None``."""
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and int(raw) in SCORES else None


@dataclass
class RatingForm:
    """The chosen score, the comment, and what is wrong with them."""

    score: int | None = None
    comment: str = ""
    errors: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def preselected(cls, params) -> "RatingForm":
        """An empty form, with the score of the link's ``?score=N`` chosen if valid."""
        return cls(score=_score(params.get("score")))

    @classmethod
    def from_post(cls, post) -> "RatingForm":
        """Read and check the posted form."""
        form = cls(score=_score(post.get("score")), comment=post.get("comment", "").strip())
        if form.score is None:
            form.errors["score"] = _("Please choose a score from 1 to 5.")
        if len(form.comment) > MAX_COMMENT:
            form.errors["comment"] = _("At most ${limit} characters.",
                                       mapping={"limit": MAX_COMMENT})
        return form
