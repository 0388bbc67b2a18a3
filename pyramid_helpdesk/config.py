"""Assembly: ``configure(settings)`` builds the Configurator, in a fixed order."""
from __future__ import annotations

import os

from pyramid.config import Configurator

from .settings import parse_settings

# Defaults for Pyramid's own settings; the ini file may override them.
PYRAMID_DEFAULTS = {
    "pyramid.reload_templates": "false",
    "pyramid.default_locale_name": "en",
    "tm.manager_hook": "pyramid_tm.explicit_manager",
    "retry.attempts": "3",
}


def configure(settings: dict, here: str | None = None, engine=None) -> Configurator:
    """Return the Configurator of a helpdesk app; read top to bottom, it is the app.

    ``here`` is the ini file's directory (relative paths start there);
    ``engine`` an existing SQLAlchemy engine to use instead of ``sqlalchemy.url``.
    """
    settings = {**PYRAMID_DEFAULTS, **settings}
    settings.setdefault("here", here or os.getcwd())
    config = Configurator(settings=settings)
    if engine is not None:
        config.registry["dbengine"] = engine

    # 1. Settings: every helpdesk.* key parsed and validated once.
    config.registry.helpdesk_settings = parse_settings(settings)
    config.add_request_method(lambda r: r.registry.helpdesk_settings,
                              "helpdesk_settings", reify=True)

    # 2. Plumbing: database session per request, templates, sessions and security.
    config.include(".db")
    config.include(".templating")
    config.include(".security")
    config.include(".i18n")
    config.include(".localtime")

    config.include(".staff.navigation")  # config.add_console_link, for core and plugins
    config.include(".sla")  # the business calendar (request.calendar) and its admin page

    # 3. Plugins: the core defaults, then helpdesk.plugins (their includeme runs here).
    config.include(".plugin.manager")

    # 4. Features: each adds its routes, views and request methods.
    config.include(".tickets")
    config.include(".auth")
    config.include(".people.profile")  # the profile page, and the first-login gate
    config.include(".tokens")  # personal API tokens (/profile/tokens), the API's rate limit
    config.include(".staff")  # the staff console: lists, ticket view, actions, search
    config.include(".groups")  # coordinators manage groups and members
    config.include(".duty")  # the first-line duty roster
    config.include(".people.absences")  # staff marked away (routing skips them)
    config.include(".reports")  # reports over a date range, the quality page
    config.include(".ratings")  # requesters rate resolved tickets (signed mailed links)
    config.include(".health")
    config.include(".home")
    config.include(".errorviews")

    # 5. Static files.
    config.add_static_view("static", "pyramid_helpdesk:static", cache_max_age=3600)
    config.commit()
    return config
