"""pyramid_helpdesk: a plugin-extensible helpdesk framework on Pyramid.

``main`` is the PasteDeploy application factory; ``hookimpl`` marks the
functions of a plugin that implement hooks of :mod:`pyramid_helpdesk.plugin.hookspecs`.

``hookimpl`` is made on first use (PEP 562): importing this package imports no
pluggy, so a quick command of the ``helpdesk`` launcher (``helpdesk mailgate``, run
once per message) does not pay for it.
"""


def __getattr__(name: str):
    """``hookimpl``, the pluggy marker of the ``helpdesk`` project, made on first use."""
    if name != "hookimpl":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import pluggy

    marker = globals()["hookimpl"] = pluggy.HookimplMarker("helpdesk")
    return marker


def main(global_config, **settings):
    """Build the WSGI application; a configuration error stops start-up in one line."""
    from .config import configure
    from .errors import ConfigurationError

    try:
        return configure(settings, here=global_config.get("here")).make_wsgi_app()
    except ConfigurationError as exc:
        raise SystemExit(f"helpdesk: {exc}") from None
