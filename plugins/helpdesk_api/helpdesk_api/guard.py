"""Refuse, as ``400``, API requests whose text no part of the helpdesk can hold.

pyramid_openapi3 decodes the query string and the JSON body itself, in the view and
again in its response tween; a query string or a body that is not UTF-8, or JSON nested
too deeply for Python's parser, made both fail outside the problem views (a bare
``500``). Text holding a NUL character or an unpaired surrogate (``\\u0000``,
``\\ud800``, valid JSON escapes) passed the document and failed in the database
(PostgreSQL text cannot hold a NUL; no UTF-8 encodes a lone surrogate). This tween,
above pyramid_openapi3's, answers all of them with a problem naming what is wrong.
"""
from __future__ import annotations

import json
import re

from .problems import API_PATHS, problem

_API = re.compile(API_PATHS)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable_field(value) -> str | None:
    """The path (``cc/0``) of the first string in ``value`` that holds a NUL or a
    lone surrogate, ``""`` for ``value`` itself, else ``None``."""
    stack = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return path
        elif isinstance(item, dict):
            for key, member in item.items():
                stack.append((f"{path}/{key}" if path else str(key), member))
                if _UNSTORABLE.search(key):
                    return path
        elif isinstance(item, list):
            stack.extend((f"{path}/{index}" if path else str(index), member)
                         for index, member in enumerate(item))
    return None


def _refusal(request):
    """The problem that refuses ``request``, or ``None`` when its text is acceptable."""
    try:
        _ = request.path_info  # decoded here, else by the router, outside the problem views
    except UnicodeDecodeError:
        return problem(400, "Bad Request", "The path is not UTF-8.")
    try:
        query = request.GET
    except UnicodeDecodeError:
        return problem(400, "Bad Request", "The query string is not UTF-8.")
    for name, value in query.items():
        if "\x00" in name or "\x00" in value:
            return problem(400, "Bad Request", "The query string holds a NUL character.",
                           errors=[{"message": "NUL characters are not allowed",
                                    "field": name.replace("\x00", "")}])
    if request.content_type == "application/json" and request.body:
        try:
            document = json.loads(request.body.decode("utf-8"))
        except UnicodeDecodeError:
            return problem(400, "Bad Request", "The body is not UTF-8.")
        except RecursionError:
            return problem(400, "Bad Request", "The body is nested too deeply.")
        except ValueError:
            return None  # not JSON: the document's validation says so, with the reason
        field = _unstorable_field(document)
        if field is not None:
            entry = {"message": "text may not hold NUL characters (\\u0000) or unpaired "
                                "surrogates (\\ud800-\\udfff)"}
            if field:
                entry["field"] = field
            return problem(400, "Bad Request",
                           "The request does not match the API description.", errors=[entry])
    elif request.content_type == "multipart/form-data":
        fields = request.POST
        for name, value in fields.items():
            if isinstance(value, str) and "\x00" in value:
                for item in fields.values():  # the uploads' temporary files
                    if hasattr(item, "file"):
                        item.file.close()
                return problem(400, "Bad Request",
                               "The request does not match the API description.",
                               errors=[{"message": "NUL characters are not allowed",
                                        "field": name}])
    return None


def api_request_guard_tween_factory(handler, registry):
    """Answer unreadable API requests with 400 before anything decodes them."""

    def api_request_guard_tween(request):
        if _API.match(request.environ.get("PATH_INFO", "")):
            refusal = _refusal(request)
            if refusal is not None:
                return refusal
        return handler(request)

    return api_request_guard_tween


def includeme(config):
    """The tween, above pyramid_openapi3's response tween (which decodes the request)."""
    config.add_tween(f"{__name__}.api_request_guard_tween_factory",
                     over="pyramid_openapi3.tween.response_tween_factory")
