"""Signing in and out with the configured authentication backends."""


def includeme(config):
    """Add the ``auth.*`` routes."""
    config.add_route("auth.login", "/login")
    config.add_route("auth.logout", "/logout")
    config.scan(".views")
