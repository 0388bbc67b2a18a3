"""pyramid_helpdesk: a plugin-extensible helpdesk framework on Pyramid.

``main`` is the PasteDeploy application factory; ``hookimpl`` marks the
functions of a plugin that implement hooks of :mod:`pyramid_helpdesk.plugin.hookspecs`.
"""
import pluggy

hookimpl = pluggy.HookimplMarker("helpdesk")


def main(global_config, **settings):
    """Build the WSGI application; a configuration error stops start-up in one line."""
    from .config import configure
    from .errors import ConfigurationError

    try:
        return configure(settings, here=global_config.get("here")).make_wsgi_app()
    except ConfigurationError as exc:
        raise SystemExit(f"helpdesk: {exc}") from None
