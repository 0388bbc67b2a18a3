"""Every error under ``/api/`` as ``application/problem+json`` (RFC 9457).

The core's error views answer HTML pages; these views take precedence for API
paths (a ``path_info`` predicate) and keep the status the core would give:
401 without credentials, 404 for a ticket the caller may not see, 409 for a
stale version or a refused transition, 400 for a request the OpenAPI document
does not allow, 429 over the rate limit, 500 (logged) for anything unexpected.
"""
from __future__ import annotations

import logging

from pyramid.authorization import ACLHelper
from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken, PredicateMismatch
from pyramid.httpexceptions import HTTPException, HTTPForbidden
from pyramid.response import Response
from pyramid_openapi3.exceptions import RequestValidationError, ResponseValidationError

from pyramid_helpdesk.errors import (
    AttachmentTooLarge,
    DomainError,
    StaleTicket,
    TransitionNotAllowed,
)
from pyramid_helpdesk.tickets.resources import TicketResource

log = logging.getLogger(__name__)

API_PATHS = r"^/api/"
PROBLEM_TYPE = "about:blank"


def problem(status: int, title: str, detail: str = "", *, errors=None,
            headers=None, **members) -> Response:
    """A ``application/problem+json`` response; ``members`` are extension members."""
    body = {"type": PROBLEM_TYPE, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(members)
    response = Response(status=status, json_body=body, content_type="application/problem+json",
                        charset="utf-8")
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


#: What an HTTP error says when whoever raised it gave no detail.
DEFAULT_DETAILS = {
    401: "The API token is not valid: unknown, expired or revoked.",
    429: "Too many requests: retry after the number of seconds in Retry-After.",
}


def http_error(exc: HTTPException, request) -> Response:
    """An HTTP exception raised on purpose (401, 405, 413, 429...), its headers kept."""
    kept = {name: value for name, value in exc.headers.items()
            if name in ("WWW-Authenticate", "Retry-After", "Allow")}
    return problem(exc.code, exc.title, exc.detail or DEFAULT_DETAILS.get(exc.code, ""),
                   headers=kept)


def not_found(exc, request) -> Response:
    """Nothing at this address, or nothing the caller may see; an address that exists
    but not for this method is 405 with the methods it has."""
    route = getattr(request, "matched_route", None)
    if isinstance(exc, PredicateMismatch) and route is not None:
        allowed = _methods_of(request, route.name)
        if allowed and request.method not in allowed:
            return problem(405, "Method Not Allowed",
                           f"{request.method} is not allowed here; use {', '.join(allowed)}.",
                           headers={"Allow": ", ".join(allowed)})
    return problem(404, "Not Found", "There is nothing at this address.")


def _methods_of(request, route_name: str) -> list[str]:
    """The methods the OpenAPI document gives the path of ``route_name``."""
    spec = request.registry.settings["pyramid_openapi3"]["spec"].read_value()
    for path_item in spec["paths"].values():
        if path_item.get("x-pyramid-route-name") == route_name:
            return sorted(m.upper() for m in path_item.keys()
                          if m in ("get", "post", "put", "patch", "delete"))
    return []


def forbidden(exc: HTTPForbidden, request) -> Response:
    """No credentials: 401. A ticket the caller may not see: 404. Otherwise 403."""
    if request.identity is None:
        return problem(401, "Unauthorized", "Send an API token (Authorization: Bearer) or "
                       "sign in.", headers={"WWW-Authenticate": "Bearer"})
    context = getattr(request, "context", None)
    # The ticket's ACL itself: the policy denies a read token everything on a POST,
    # which must be its 403 below, not a hidden ticket.
    if isinstance(context, TicketResource) and not ACLHelper().permits(
            context, request.principals, "ticket.view"):
        return not_found(exc, request)
    token = getattr(request, "api_token", None)
    if token is not None and token.scope.value == "read" and request.method not in (
            "GET", "HEAD", "OPTIONS"):
        return problem(403, "Forbidden", "This token may only read (scope: read).")
    if getattr(exc, "result", None) is None and exc.detail:  # raised by a view, with reason
        return problem(403, "Forbidden", str(exc.detail))
    return problem(403, "Forbidden", "You may not do this.")


def bad_csrf(exc, request) -> Response:
    """A session-authenticated change without ``X-CSRF-Token``."""
    return problem(403, "Forbidden", "A call authenticated by the session needs the "
                   "X-CSRF-Token header (or use an API token).")


def domain_error(exc: DomainError, request) -> Response:
    """A refusal of the lifecycle service: 409 for the ticket's state, 413 for a file
    over the limit, else 422."""
    if isinstance(exc, StaleTicket):  # the version to send again, after a fresh read
        return problem(409, "Conflict", str(exc), version=exc.current)
    if isinstance(exc, TransitionNotAllowed):
        return problem(409, "Conflict", str(exc))
    if isinstance(exc, AttachmentTooLarge):
        return problem(413, "Content Too Large", str(exc))
    return problem(422, "Unprocessable Content", str(exc))


def request_invalid(exc: RequestValidationError, request) -> Response:
    """The request does not match the OpenAPI document: each wrong field named."""
    extract = request.registry.settings["pyramid_openapi3_extract_errors"]
    errors = []
    for error in extract(request, exc.errors):
        entry = {"message": str(error.get("message", ""))[:500]}
        if error.get("field"):
            entry["field"] = str(error["field"])
        errors.append(entry)
    if any(type(e).__name__ == "SecurityValidationError" for e in exc.errors):
        return problem(401, "Unauthorized", "Send an API token (Authorization: Bearer) or "
                       "sign in.", headers={"WWW-Authenticate": "Bearer"})
    return problem(400, "Bad Request", "The request does not match the API description.",
                   errors=errors)


def response_invalid(exc: ResponseValidationError, request) -> Response:
    """Our answer broke the document: a bug, logged."""
    log.error("API response does not match the OpenAPI document: %s", exc.errors)
    return problem(500, "Internal Server Error", "The helpdesk answered wrongly; "
                   "the error was logged.")


def unexpected(exc: Exception, request) -> Response:
    """Anything else: logged with its traceback, answered without details."""
    log.exception("API request %s %s failed", request.method, request.path, exc_info=exc)
    return problem(500, "Internal Server Error", "The error was logged.")


def includeme(config):
    """Register the problem views for API paths (they win over the HTML error views)."""
    add = config.add_exception_view
    config.add_notfound_view(not_found, path_info=API_PATHS)
    config.add_forbidden_view(forbidden, path_info=API_PATHS)
    add(http_error, context=HTTPException, path_info=API_PATHS)
    add(bad_csrf, context=BadCSRFToken, path_info=API_PATHS)
    add(bad_csrf, context=BadCSRFOrigin, path_info=API_PATHS)
    add(domain_error, context=DomainError, path_info=API_PATHS)
    add(request_invalid, context=RequestValidationError, path_info=API_PATHS)
    add(response_invalid, context=ResponseValidationError, path_info=API_PATHS)
    add(unexpected, context=Exception, path_info=API_PATHS)
