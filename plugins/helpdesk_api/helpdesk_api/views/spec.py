"""The OpenAPI document as JSON at ``/api/v1/openapi.json`` (YAML beside it)."""
from __future__ import annotations

from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config


@view_config(route_name="api.openapi_json", request_method="GET", renderer="json",
             permission=NO_PERMISSION_REQUIRED)
def openapi_json(request):
    """The document that describes and validates every call (public: it holds no data)."""
    request.response.cache_control = "public, max-age=300"
    return request.registry.settings["pyramid_openapi3"]["spec"].read_value()
