"""The profile page: asked for on first login, editable afterwards."""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..auth.views import safe_next
from ..home import route_path_if_any
from ..i18n import LOCALE_NAMES, _, localizer_for
from .profile import ProfileForm, save_profile

TEMPLATE = "pyramid_helpdesk:templates/people/profile.pt"


def _page(request, form: ProfileForm, next_page: str) -> dict:
    return {"form": form, "next": next_page, "locales": LOCALE_NAMES,
            "first_time": not request.identity.profile_completed}


@view_config(route_name="people.profile", request_method="GET", renderer=TEMPLATE,
             permission="portal")
def profile_form(request):
    """The person's profile as stored (empty fields the first time)."""
    form = ProfileForm.from_person(request.identity, request.locale_name)
    return _page(request, form, request.params.get("next", ""))


@view_config(route_name="people.profile", request_method="POST", renderer=TEMPLATE,
             permission="portal")
def save_profile_form(request):
    """Save the profile; a wrong field comes back marked, with everything kept."""
    form = ProfileForm.from_post(request.POST)
    next_page = request.POST.get("next", "")
    if form.errors:
        request.response.status = 400
        return _page(request, form, next_page)
    person = request.identity
    first_time = not person.profile_completed
    save_profile(person, form)
    request.session.flash(localizer_for(form.locale).translate(_("Your profile was saved.")))
    return HTTPSeeOther(_after_saving(request, next_page, first_time))


def _after_saving(request, next_page: str, first_time: bool) -> str:
    """Where the person goes next: the page they were on their way to; after a first
    login with nowhere particular to go, the new-ticket form (when a plugin offers one)."""
    home = request.route_path("home")
    target = safe_next(request, next_page)
    if first_time and target == home:
        return route_path_if_any(request, "tickets.new") or home
    return target
