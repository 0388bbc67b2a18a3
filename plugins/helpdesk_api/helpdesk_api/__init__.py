"""helpdesk_api: the JSON API at ``/api/v1``, described and validated by ``openapi.yaml``.

Activate it with ``api`` in ``helpdesk.plugins``. Requests and responses are
validated against the OpenAPI document by pyramid_openapi3 (responses too, unless
``helpdesk.api.validate_responses = false``); errors are
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
from pyramid_helpdesk.settings import parse_bool, read_setting

SPEC = os.path.join(os.path.dirname(__file__), "openapi.yaml")
PREFIX = "/api/v1"


@hookimpl
def helpdesk_register_channels():
    """Register the ``api`` channel: tickets created through the API."""
    return [Channel("api", "API")]


def includeme(config):
    """The OpenAPI document, its routes (named in the document), the views."""
    settings = config.registry.settings
    # Requests are always checked against the document; responses too unless
    # ``helpdesk.api.validate_responses = false`` (about 1-2 ms of CPU per answer).
    check = read_setting(settings, "helpdesk.api.validate_responses", "true", parse_bool,
                         "true or false")
    settings["pyramid_openapi3.enable_request_validation"] = "true"
    settings["pyramid_openapi3.enable_response_validation"] = "true" if check else "false"
    config.include("pyramid_openapi3")
    # Error bodies (RFC 9457) are JSON under their own media type.
    config.pyramid_openapi3_add_deserializer("application/problem+json", json.loads)
    config.pyramid_openapi3_spec(SPEC, route=f"{PREFIX}/openapi.yaml",
                                 route_name="api.openapi_yaml")
    config.pyramid_openapi3_register_routes(route_prefix=PREFIX)
    config.add_route("api.openapi_json", f"{PREFIX}/openapi.json")
    config.include(".problems")
    # Unreadable text (not UTF-8, NUL, lone surrogates, nesting) is 400, not 500.
    config.include(".guard")
    config.scan(".views")
