"""What the simulated clients do: a requester filing tickets on the web, and the floor's POST."""
from __future__ import annotations

from dataclasses import dataclass

from .httpclient import HttpClient, Response

DESCRIPTION = ("Since this morning the VPN drops every hour and the printer on the "
               "second floor does not answer. Please have a look.")


def subject(index: int, seq: int) -> str:
    """A deterministic subject; warm-up steps have a negative ``seq``."""
    return f"Bench ticket {index}-{seq}"


def _expect(response: Response, status: int) -> Response:
    if response.status != status:
        raise AssertionError(f"expected {status}: {response.describe()}")
    return response


@dataclass
class WebRequester:
    """A requester who logs in once, then files tickets through ``POST /tickets/new``."""

    login: str
    password: str
    name: str = "helpdesk web submission"
    expected_status: int = 303

    def start(self, client: HttpClient, index: int) -> str:
        """Log in through the form; return the session's CSRF token."""
        token = _expect(client.request("GET", "/login"), 200).csrf_token()
        _expect(client.request("POST", "/login", {
            "login": self.login, "password": self.password, "csrf_token": token,
        }), 303)
        # Logging in starts a new session with a new token: read it from the form.
        return _expect(client.request("GET", "/tickets/new"), 200).csrf_token()

    def step(self, client: HttpClient, token: str, index: int, seq: int) -> Response:
        return client.request("POST", "/tickets/new", {
            "subject": subject(index, seq), "description": DESCRIPTION, "csrf_token": token,
        })


@dataclass
class FloorPoster:
    """An anonymous client posting the same form to the floor app (one row per POST)."""

    name: str = "floor"
    expected_status: int = 303
    path: str = "/tickets/new"

    def start(self, client: HttpClient, index: int) -> None:
        _expect(client.request("GET", "/readyz"), 200)

    def step(self, client: HttpClient, state: None, index: int, seq: int) -> Response:
        return client.request("POST", self.path, {
            "subject": subject(index, seq), "description": DESCRIPTION,
        })


@dataclass
class ApiRequester:
    """The same requester filing tickets through ``POST /api/v1/tickets`` with a personal
    API token (no session, no CSRF: the token authenticates each request)."""

    token: str
    name: str = "helpdesk API submission"
    expected_status: int = 201

    def start(self, client: HttpClient, index: int) -> dict[str, str]:
        """Check the token once (``GET /api/v1/me``); return the request headers."""
        headers = {"Authorization": f"Bearer {self.token}"}
        _expect(client.request("GET", "/api/v1/me", headers=headers), 200)
        return headers

    def step(self, client: HttpClient, headers: dict[str, str], index: int,
             seq: int) -> Response:
        return client.request("POST", "/api/v1/tickets", headers=headers, json_body={
            "subject": subject(index, seq), "description": DESCRIPTION})
