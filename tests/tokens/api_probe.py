"""A test-only plugin: ``/api/probe`` answers who is asking (GET and POST, any
signed-in person), and ``/probe`` the same outside the API."""
from pyramid.view import view_config


@view_config(route_name="probe.api", renderer="json", permission="portal")
@view_config(route_name="probe.page", renderer="json", permission="portal")
def whoami(request):
    """The identity's address and the token's prefix (``None`` without a token)."""
    token = request.api_token
    return {"email": request.identity.email, "method": request.method,
            "token": token.prefix if token is not None else None}


def includeme(config):
    config.add_route("probe.api", "/api/probe")
    config.add_route("probe.page", "/probe")
    config.scan(__name__)
