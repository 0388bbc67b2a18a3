"""What the sign-in pages have in common: logging a person in, refusing an attempt
over a rate limit, and explaining a link that does not work."""
from __future__ import annotations

import math

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.security import remember

from ..i18n import _
from .accounts import AlreadyConfirmed
from .links import LinkExpired, LinkInvalid
from .ratelimits import Refusal

NOTICE_TEMPLATE = "pyramid_helpdesk:templates/auth/notice.pt"


def render(request, template: str, values: dict):
    """``template`` rendered into ``request.response`` (keeping the status and headers
    set on it), for a view whose page is not its usual one."""
    return render_to_response(template, values, request=request, response=request.response)


def signed_in(request, person, target: str) -> HTTPSeeOther:
    """Log ``person`` in with a new session and go to ``target``."""
    request.session.invalidate()
    headers = remember(request, person.id)
    request.session.new_csrf_token()
    return HTTPSeeOther(target, headers=headers)


def over_limit(request, refusal: Refusal):
    """Answer 429 with ``Retry-After``; the message to show on the form."""
    request.response.status = 429
    request.response.headers["Retry-After"] = str(refusal.retry_after)
    if refusal.retry_after < 120:
        return _("Too many attempts. Please try again in ${seconds} seconds.",
                 mapping={"seconds": refusal.retry_after})
    return _("Too many attempts. Please try again in ${minutes} minutes.",
             mapping={"minutes": math.ceil(refusal.retry_after / 60)})


def notice(title, *paragraphs, links=()) -> dict:
    """The values of the notice page: a title, paragraphs, links as (href, label)."""
    return {"title": title, "paragraphs": paragraphs, "links": links}


def link_problem(request, error, new_link) -> dict:
    """Why a mailed link does not work, and where to get a new one: ``new_link`` is
    (href, label)."""
    if isinstance(error, AlreadyConfirmed):
        return notice(_("Address confirmed already"),
                      _("Your e-mail address is confirmed; you can log in."),
                      links=[(request.route_path("auth.login"), _("Log in"))])
    if isinstance(error, LinkInvalid):
        request.response.status = 400
        return notice(_("This link does not work"),
                      _("The link is damaged or incomplete. Copy the whole link from the "
                        "mail, or ask for a new one."), links=[new_link])
    request.response.status = 410
    if isinstance(error, LinkExpired):
        return notice(_("This link has expired"),
                      _("Links in our mails work for a limited time. Please ask for a new "
                        "one."), links=[new_link])
    return notice(_("This link has been used"),
                  _("A link works only once, and no longer after the password has changed. "
                    "Ask for a new one if you still need it."), links=[new_link])
