"""A forgotten password: ask for a link by e-mail, then choose a new password."""
from pyramid.view import view_config

from ..i18n import _
from .forms import EmailForm, NewPassword
from .links import LinkError
from .pages import NOTICE_TEMPLATE, link_problem, notice, over_limit, render, signed_in

FORGOT_TEMPLATE = "pyramid_helpdesk:templates/auth/forgot.pt"
RESET_TEMPLATE = "pyramid_helpdesk:templates/auth/reset.pt"


@view_config(route_name="auth.forgot", request_method="GET", renderer=FORGOT_TEMPLATE,
             permission="public")
def forgot_form(request):
    """Ask for the address of the account."""
    return {"form": EmailForm()}


@view_config(route_name="auth.forgot", request_method="POST", renderer=FORGOT_TEMPLATE,
             permission="public")
def forgot(request):
    """Mail a reset link if the address has an account; the page is the same either way."""
    form = EmailForm.from_post(request.POST)
    if form.errors:
        request.response.status = 400
        return {"form": form}
    refusal = request.rate_limits.hit("reset", form.email, request.remote_addr)
    if refusal is not None:
        form.errors["form"] = over_limit(request, refusal)
        return {"form": form}
    request.accounts.request_reset(form.email)
    return render(request, NOTICE_TEMPLATE, notice(
        _("Check your mailbox"),
        _("If ${email} has an account here, we have sent a link to it. Open it to choose "
          "a new password.", mapping={"email": form.email}),
        _("Accounts of the institute directory keep the password the institute gave them: "
          "change it there.")))


def _target(request):
    """The account the link's token names, or the page saying why it does not work."""
    try:
        return request.accounts.reset_target(request.matchdict["token"]), None
    except LinkError as error:
        return None, render(request, NOTICE_TEMPLATE, link_problem(
            request, error, (request.route_path("auth.forgot"), _("Ask for a new link"))))


def _reset_page(request, person, form) -> dict:
    return {"email": person.email, "form": form,
            "min_length": request.helpdesk_settings.password_min_length}


@view_config(route_name="auth.reset", request_method="GET", renderer=RESET_TEMPLATE,
             permission="public")
def reset_form(request):
    """Ask for the new password, twice."""
    person, problem = _target(request)
    if problem is not None:
        return problem
    return _reset_page(request, person, NewPassword())


@view_config(route_name="auth.reset", request_method="POST", renderer=RESET_TEMPLATE,
             permission="public")
def reset(request):
    """Set the new password and log in; the link is then used up."""
    person, problem = _target(request)
    if problem is not None:
        return problem
    form = NewPassword()
    form.check(request.POST, person.email, request.helpdesk_settings.password_min_length)
    if form.errors:
        request.response.status = 400
        return _reset_page(request, person, form)
    request.accounts.reset_password(person, form.password)
    return signed_in(request, person, request.route_path("home"))
