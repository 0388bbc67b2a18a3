"""Signing in and out with the configured authentication backends; self-registration,
address verification and password reset for local accounts; their rate limits."""


def _account_service(request):
    from ..notifications.services import Outbox
    from .accounts import AccountService

    settings = request.helpdesk_settings
    return AccountService(
        request.dbsession, settings,
        Outbox(request.dbsession, request.registry.helpdesk_plugins.notifiers),
        request.registry.helpdesk_signed_links,
        lambda route, token: request.route_url(route, token=token, _app_url=settings.base_url),
    )


def includeme(config):
    """Add the ``auth.*`` routes, ``request.accounts`` and ``request.rate_limits``."""
    from .links import SignedLinks
    from .ratelimits import RateLimits

    settings = config.registry.helpdesk_settings
    config.registry.helpdesk_signed_links = SignedLinks(settings.session_secret)
    config.registry.helpdesk_rate_limits = RateLimits.from_settings(settings)
    config.add_request_method(lambda r: r.registry.helpdesk_rate_limits, "rate_limits",
                              reify=True)
    config.add_request_method(_account_service, "accounts", reify=True)
    config.add_route("auth.login", "/login")
    config.add_route("auth.logout", "/logout")
    config.add_route("auth.register", "/register")
    config.add_route("auth.resend", "/register/resend")
    config.add_route("auth.confirm", "/register/confirm/{token}")
    config.add_route("auth.forgot", "/password/forgot")
    config.add_route("auth.reset", "/password/reset/{token}")
    config.scan(".views")
    config.scan(".registration_views")
    config.scan(".password_views")
