"""The rating pages: the mailed link's confirmation form, and the form on the
requester's ticket page.

A GET of the link records nothing (mail scanners open links); only the POST of the
form, with its CSRF token, does. A forged or foreign token is 404, an expired one
410; a ticket not resolved is refused (409), and so is a second rating, which shows
the one recorded.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import exception_view_config, view_config

from ..errors import TransitionNotAllowed
from ..i18n import _
from ..tickets.views import DETAIL_TEMPLATE, ticket_page
from .forms import SCORE_LABELS, RatingForm
from .links import RatingLinkExpired, ticket_for_token
from .services import AlreadyRated, is_rateable, rate, rating_of

RATE_TEMPLATE = "pyramid_helpdesk:templates/ratings/rate.pt"
ERROR_TEMPLATE = "pyramid_helpdesk:templates/errors/error.pt"
THANKS = _("Thank you for your rating.")
NOT_RESOLVED = _("This ticket is not resolved (any more), so it cannot be rated now. "
                 "You can rate it once it is resolved.")


def _linked_ticket(request):
    """The ticket of the route's token; 404 for a forged or foreign token (an expired
    one raises :class:`RatingLinkExpired`, which :func:`link_expired` answers)."""
    ticket = ticket_for_token(request.dbsession, request.helpdesk_settings,
                              request.matchdict["token"])
    if ticket is None:
        raise HTTPNotFound()
    return ticket


def _page(request, ticket, form: RatingForm | None = None, status: int = 200,
          problem=None) -> dict:
    request.response.status = status
    return {"ticket": ticket, "form": form or RatingForm(), "labels": SCORE_LABELS,
            "rating": rating_of(request.dbsession, ticket.id), "problem": problem}


@view_config(route_name="ratings.link", request_method="GET", permission="public",
             renderer=RATE_TEMPLATE)
def rating_page(request):
    """The confirmation form of a rating link (``?score=N`` preselects a score); or the
    recorded rating. Records nothing."""
    ticket = _linked_ticket(request)
    if not is_rateable(ticket):
        return _page(request, ticket, status=409, problem=NOT_RESOLVED)
    return _page(request, ticket, RatingForm.preselected(request.GET))


@view_config(route_name="ratings.link", request_method="POST", permission="public",
             renderer=RATE_TEMPLATE)
def send_rating(request):
    """Record the rating the form sends, then show it with thanks (303 to the page)."""
    ticket = _linked_ticket(request)
    form = RatingForm.from_post(request.POST)
    outcome = _record(request, ticket, form)
    if outcome is not None:
        return _page(request, ticket, form, *outcome)
    return HTTPSeeOther(request.route_path("ratings.link", token=request.matchdict["token"]))


@view_config(route_name="ratings.ticket", request_method="POST", permission="ticket.resolve",
             renderer=DETAIL_TEMPLATE)
def rate_on_ticket_page(context, request):
    """The requester rates from their ticket page; refused: the page again with the
    form's input and the reason."""
    form = RatingForm.from_post(request.POST)
    outcome = _record(request, context.ticket, form)
    if outcome is not None:
        status, problem = outcome
        page = ticket_page(request, context, alert=problem)
        page["rating_form"] = form
        request.response.status = status
        return page
    return HTTPSeeOther(request.route_path("tickets.detail", number=context.ticket.number,
                                           _anchor="rating"))


def _record(request, ticket, form: RatingForm):
    """Rate with the form's values; ``None`` when recorded (thanks flashed), else the
    status and the reason (``None`` when the form's own errors say it)."""
    if form.errors:
        return 400, None
    try:
        rate(request.tickets, ticket, score=form.score, comment=form.comment)
    except AlreadyRated:
        request.tm.doom()
        return 409, _("This ticket has been rated already; the rating stays as it was.")
    except TransitionNotAllowed:
        request.tm.doom()
        return 409, NOT_RESOLVED
    request.session.flash(request.localizer.translate(THANKS))
    return None


@exception_view_config(RatingLinkExpired, renderer=ERROR_TEMPLATE)
def link_expired(request):
    """A rating link past its validity: 410, and where to rate instead."""
    request.response.status = 410
    return {"title": _("Link no longer valid"),
            "detail": _("This rating link has expired. You can still rate the ticket "
                        "on its page after logging in.")}
