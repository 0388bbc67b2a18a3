"""helpdesk_api: the JSON API at ``/api/v1``, described and validated by ``openapi.yaml``.

Activate it with ``api`` in ``helpdesk.plugins``. Requests and responses are
validated against the OpenAPI document by pyramid_openapi3; errors are
``application/problem+json`` (:mod:`.problems`). The views call the same
lifecycle service with the same permissions as the web UI; authentication is a
personal API token (``Authorization: Bearer``) or the browser's session
(``pyramid_helpdesk.tokens`` and ``pyramid_helpdesk.security``).
"""
from __future__ import annotations

import json
import os

from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.plugin.registry import Channel

SPEC = os.path.join(os.path.dirname(__file__), "openapi.yaml")
PREFIX = "/api/v1"


@hookimpl
def helpdesk_register_channels():
    """Register the ``api`` channel: tickets created through the API."""
    return [Channel("api", "API")]


def includeme(config):
    """The OpenAPI document, its routes (named in the document), the views."""
    settings = config.registry.settings
    # Responses are checked against the document too, unless the ini says otherwise
    # (the check costs a little time per response; the tests always run it).
    settings.setdefault("pyramid_openapi3.enable_response_validation", "true")
    config.include("pyramid_openapi3")
    # Error bodies (RFC 9457) are JSON under their own media type.
    config.pyramid_openapi3_add_deserializer("application/problem+json", json.loads)
    config.pyramid_openapi3_spec(SPEC, route=f"{PREFIX}/openapi.yaml",
                                 route_name="api.openapi_yaml")
    config.pyramid_openapi3_register_routes(route_prefix=PREFIX)
    config.add_route("api.openapi_json", f"{PREFIX}/openapi.json")
    config.include(".problems")
    config.scan(".views")
