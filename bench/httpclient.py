"""A small keep-alive HTTP client with a cookie jar, on ``http.client``.

One :class:`HttpClient` is one browser: one connection (reopened when the
server closes it) and the cookies the server set.
"""
from __future__ import annotations

import http.client
import json
import re
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import urlencode

CSRF_FIELD = re.compile(rb'name="csrf_token" value="([^"]+)"')


@dataclass
class Response:
    """What came back for one request."""

    method: str
    path: str
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def describe(self) -> str:
        """One line for an error report."""
        snippet = self.body[:160].decode("utf-8", "replace").replace("\n", " ")
        return f"{self.method} {self.path} -> {self.status} {snippet}"

    def csrf_token(self) -> str:
        """The CSRF token of the first form on the page."""
        match = CSRF_FIELD.search(self.body)
        if match is None:
            raise AssertionError(f"no csrf_token field in {self.method} {self.path}")
        return match.group(1).decode("ascii")


class HttpClient:
    """One keep-alive connection to ``host:port`` and its cookies."""

    def __init__(self, host: str, port: int, timeout: float = 30.0):
        self.host = host
        self.port = port
        self.connection = http.client.HTTPConnection(host, port, timeout=timeout)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict[str, str] | None = None, *,
                json_body: Any = None, headers: dict[str, str] | None = None) -> Response:
        """Send one request (a form when ``fields`` is given, JSON for ``json_body``)
        with the extra ``headers``, and read the whole answer."""
        headers = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        body = None
        if fields is not None:
            body = urlencode(fields).encode("utf-8")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.connection.request(method, path, body=body, headers=headers)
            answer = self.connection.getresponse()
            content = answer.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # the next request reconnects
            raise
        self._remember(answer.headers.get_all("Set-Cookie") or ())
        if answer.will_close:
            self.connection.close()
        return Response(method, path, answer.status, answer.headers, content)

    def _remember(self, set_cookie_headers) -> None:
        for header in set_cookie_headers:
            jar = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def close(self) -> None:
        self.connection.close()
