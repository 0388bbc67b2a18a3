"""What the ticket form's pages share: reading the form, calling the service, rendering."""
from __future__ import annotations

from typing import Any, Callable, Collection, TypeVar

from pyramid_helpdesk.attachments.policy import AttachmentPolicy
from pyramid_helpdesk.errors import DomainError, StaleTicket

from ..forms import TicketForm
from ..i18n import _, category_label

T = TypeVar("T")

#: What :func:`attempt` returns when the service refused the operation.
REFUSED: Any = object()


def read_form(request, *, draft: bool = False, current: Collection[int] = ()) -> TicketForm:
    """The posted form, checked; its uploads are released when the request ends."""
    settings = request.helpdesk_settings
    form = TicketForm.from_post(request.POST, settings.categories,
                                AttachmentPolicy.from_settings(settings),
                                draft=draft, current=current)
    request.add_finished_callback(lambda _request: form.close_uploads())
    return form


def attempt(request, form: TicketForm, operation: Callable[[], T],
            current_version: int | None = None) -> T:
    """Run a lifecycle operation and return its result; on refusal undo its writes,
    say why on the form and return :data:`REFUSED`.

    A ticket changed meanwhile is reported on the form, whose version moves to
    ``current_version`` so that saving again applies the requester's text.
    """
    try:
        return operation()
    except StaleTicket:
        request.tm.doom()
        request.response.status = 409
        form.version = current_version
        form.errors["form"] = _("This ticket changed since you opened it. Your text is kept "
                                "below: check the ticket, then save again to apply it.")
    except DomainError as exc:
        request.tm.doom()  # the service may have written part of the change
        request.response.status = 400
        form.errors["form"] = _("The helpdesk could not save this: ${reason}",
                                mapping={"reason": str(exc)})
    return REFUSED


def form_page(request, form: TicketForm, **extra: Any) -> dict[str, Any]:
    """The values every ticket-form template needs (a form with errors answers 400)."""
    if form.errors and request.response.status_int == 200:
        request.response.status = 400
    settings = request.helpdesk_settings
    return {
        "form": form,
        "categories": [(name, category_label(name)) for name in settings.categories],
        "policy": AttachmentPolicy.from_settings(settings),
        "attachments": [],
        **extra,
    }


def flash(request, message) -> None:
    """A note shown once on the next page, in the visitor's language."""
    request.session.flash(request.localizer.translate(message))
