"""Registering an account and confirming its address through the mailed link."""
from pyramid.view import view_config

from ..i18n import _
from .accounts import WrongPassword
from .forms import ClaimForm, NewPassword, RegistrationForm
from .links import LinkError
from .pages import NOTICE_TEMPLATE, link_problem, notice, over_limit, render, signed_in

REGISTER_TEMPLATE = "pyramid_helpdesk:templates/auth/register.pt"
CONFIRM_TEMPLATE = "pyramid_helpdesk:templates/auth/confirm.pt"


def _notice(request, values):
    return render(request, NOTICE_TEMPLATE, values)


def _closed(request):
    """Registration is turned off (``helpdesk.registration = false``)."""
    request.response.status = 404
    return _notice(request, notice(
        _("Registration is closed"),
        _("This helpdesk does not take new accounts. Log in with your institute account, "
          "or write to the helpdesk by e-mail."),
        links=[(request.route_path("auth.login"), _("Log in"))]))


def _register_page(request, form) -> dict:
    return {"form": form, "min_length": request.helpdesk_settings.password_min_length}


@view_config(route_name="auth.register", request_method="GET", renderer=REGISTER_TEMPLATE,
             permission="public")
def register_form(request):
    """An empty registration form, in the page's language."""
    if not request.helpdesk_settings.registration:
        return _closed(request)
    return _register_page(request, RegistrationForm.blank(request.locale_name))


@view_config(route_name="auth.register", request_method="POST", renderer=REGISTER_TEMPLATE,
             permission="public")
def register(request):
    """Register, then say to look in the mailbox: the same page whether or not the
    address already had an account (only the mail differs)."""
    if not request.helpdesk_settings.registration:
        return _closed(request)
    form = RegistrationForm.from_post(request.POST, request.helpdesk_settings)
    if form.errors:
        request.response.status = 400
        return _register_page(request, form)
    refusal = request.rate_limits.hit("register", form.email, request.remote_addr)
    if refusal is not None:
        form.errors["form"] = over_limit(request, refusal)
        return _register_page(request, form)
    request.accounts.register(form.email, form.name, form.password, form.locale)
    return _notice(request, notice(
        _("Check your mailbox"),
        _("We have sent a message to ${email}. Open the link in it to finish your "
          "registration.", mapping={"email": form.email}),
        _("No message after a few minutes? Look in your spam folder, or register again.")))


def _confirmation(request):
    """The confirmation the link's token names, or the page saying why it does not work."""
    try:
        return request.accounts.confirmation(request.matchdict["token"]), None
    except LinkError as error:
        return None, _notice(request, link_problem(
            request, error, (request.route_path("auth.register"), _("Register again"))))


def _confirm_page(request, confirmation, form) -> dict:
    return {"claim": confirmation.is_claim, "email": confirmation.person.email, "form": form,
            "min_length": request.helpdesk_settings.password_min_length}


@view_config(route_name="auth.confirm", request_method="GET", renderer=CONFIRM_TEMPLATE,
             permission="public")
def confirm_form(request):
    """Ask for the password chosen at registration (or, to claim an address that has
    none yet, for a name and a new password)."""
    confirmation, problem = _confirmation(request)
    if problem is not None:
        return problem
    form = ClaimForm(name=confirmation.name or confirmation.person.name)
    return _confirm_page(request, confirmation, form)


@view_config(route_name="auth.confirm", request_method="POST", renderer=CONFIRM_TEMPLATE,
             permission="public")
def confirm(request):
    """Confirm the address and log in. A wrong password counts as a failed login."""
    confirmation, problem = _confirmation(request)
    if problem is not None:
        return problem
    person = confirmation.person
    if confirmation.is_claim:
        form = ClaimForm.from_post(request.POST, person.email,
                                   request.helpdesk_settings.password_min_length)
        if not form.errors:
            request.accounts.claim(confirmation, form.name, form.password)
            return signed_in(request, person, request.route_path("home"))
        request.response.status = 400
        return _confirm_page(request, confirmation, form)
    form = NewPassword()
    refusal = request.rate_limits.check("login", person.email, request.remote_addr)
    if refusal is not None:
        form.errors["password"] = over_limit(request, refusal)
        return _confirm_page(request, confirmation, form)
    try:
        request.accounts.confirm(confirmation, request.POST.get("password", ""))
    except WrongPassword:
        request.rate_limits.hit("login", person.email, request.remote_addr)
        request.response.status = 400
        form.errors["password"] = _("This is not the password you chose when you registered.")
        return _confirm_page(request, confirmation, form)
    return signed_in(request, person, request.route_path("home"))
