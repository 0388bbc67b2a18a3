"""Personal API tokens: created and revoked by their owner, stored hashed, scoped.

A person creates tokens on ``/profile/tokens`` (or an operator with ``helpdesk token
create``) and presents one to the JSON API as ``Authorization: Bearer hd_...``;
:mod:`pyramid_helpdesk.security` turns it into the request's identity. Admins see
and revoke everyone's on ``/staff/tokens``. API requests are rate-limited per
caller (:mod:`.ratelimit`).
"""


from ..i18n import _


def includeme(config):
    """Add the token pages (``tokens.*``), their static files, and the API's rate limit."""
    config.add_route("tokens.list", "/profile/tokens")
    config.add_route("tokens.revoke", r"/profile/tokens/{id:\d+}/revoke")
    config.add_route("tokens.all", "/staff/tokens")
    config.add_route("tokens.admin_revoke", r"/staff/tokens/{id:\d+}/revoke")
    config.add_static_view("tokens-static", "pyramid_helpdesk.tokens:static", cache_max_age=3600)
    config.add_console_link("tokens.all", _("API tokens"), "admin", section="tokens")
    config.include(".ratelimit")
    config.scan(".views")
