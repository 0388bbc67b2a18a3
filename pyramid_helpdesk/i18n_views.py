"""The language switcher: remembers the choice in a cookie, and in the profile."""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from .auth.views import safe_next
from .i18n import LOCALE_COOKIE, LOCALES

ONE_YEAR = 365 * 24 * 3600


@view_config(route_name="i18n.switch", request_method="POST", permission="public")
def switch_language(request):
    """Switch to the posted ``locale`` and go back to the page the switcher was on."""
    locale = request.POST.get("locale", "")
    response = HTTPSeeOther(safe_next(request, request.POST.get("came_from")))
    if locale in LOCALES:
        response.set_cookie(LOCALE_COOKIE, locale, max_age=ONE_YEAR, httponly=True,
                            samesite="Lax", secure=request.helpdesk_settings.session_secure)
        if request.identity is not None:
            request.identity.locale = locale
    return response
