"""The first-login gate: complete your profile before anything else.

It is a view deriver rather than a tween or a ``NewRequest`` subscriber because the
decision depends on which page is asked for. A deriver sees every view as it is
configured, the core's and every plugin's alike, and knows its route name then:
the few pages that must stay open (the profile itself, logging out, the language
switch, health checks, static files, and the JSON API's routes named ``api.*``,
whose clients cannot fill in a form) are left unwrapped, with no path matching at
request time. It runs after the view's permission check, so anonymous visitors
still go to the login page, and a person who may not see a ticket still gets 404.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther

#: Routes a person with an incomplete profile may still use.
OPEN_ROUTES = frozenset({"people.profile", "auth.logout", "i18n.switch",
                         "health.live", "health.ready"})


def is_gated(info) -> bool:
    """Whether the view described by ``info`` waits for a complete profile."""
    route = info.options.get("route_name")
    if info.exception_only or route is None:
        return False  # error pages, and views reached only through exceptions
    if route.startswith(("__", "api.")):  # "__static/": files; JSON API calls (no form)
        return False
    return route not in OPEN_ROUTES


def profile_gate(view, info):
    """Send a signed-in person whose profile is incomplete to ``/profile``, with
    ``next`` set to the page they asked for (for a GET)."""
    if not is_gated(info):
        return view

    def gated_view(context, request):
        person = request.identity
        if person is None or person.profile_completed:
            return view(context, request)
        query = {"next": request.path_qs} if request.method == "GET" else {}
        return HTTPSeeOther(request.route_path("people.profile", _query=query))

    return gated_view

