"""``/profile/tokens``: a person creates a token and sees its secret once, lists and
revokes their own tokens, and nobody else's; admins see everyone's on ``/staff/tokens``."""
from __future__ import annotations

from datetime import timedelta

from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.tokens.models import ApiToken, TokenScope

from .conftest import bearer, new_token, shown_secret


def create(helpdesk, csrf, status=200, **fields):
    """Post the "new token" form (a write token for 90 days unless told otherwise)."""
    values = {"csrf_token": csrf, "name": "report script", "scope": "write", "expires": "90"}
    values.update(fields)
    return helpdesk.app.post("/profile/tokens", values, status=status)


def rows(helpdesk, person):
    return helpdesk.dbsession.query(ApiToken).filter_by(person_id=person.id).all()


def test_a_requester_creates_a_token_and_sees_its_secret_only_once(helpdesk):
    user = helpdesk.person("user@example.org")
    csrf = helpdesk.login("user@example.org")

    page = create(helpdesk, csrf, name="report script", scope="read", expires="30")

    secret = shown_secret(page)
    assert secret and secret.startswith("hd_")
    assert "shown only this once" in page.text
    assert "no-store" in page.headers["Cache-Control"]
    [token] = rows(helpdesk, user)
    assert (token.name, token.scope) == ("report script", TokenScope.read)
    assert token.expires_at - token.created_at == timedelta(days=30)
    assert helpdesk.app.get("/api/probe", headers=bearer(secret)).json["email"] == \
        "user@example.org"

    listed = helpdesk.app.get("/profile/tokens")
    assert secret not in listed.text
    assert shown_secret(listed) is None
    row = listed.html.select_one(f"#token-{token.id}").get_text(" ", strip=True)
    assert "report script" in row and token.prefix in row and "read only" in row
    assert "active" in row
    assert "Last used" in listed.text


def test_a_token_that_never_expires(helpdesk):
    user = helpdesk.person("user@example.org")
    csrf = helpdesk.login("user@example.org")
    create(helpdesk, csrf, expires="never")
    [token] = rows(helpdesk, user)
    assert token.expires_at is None
    row = helpdesk.app.get("/profile/tokens").html.select_one(f"#token-{token.id}")
    assert "never" in row.get_text(" ", strip=True)


def test_a_wrong_form_comes_back_with_what_was_typed_and_the_fields_marked(helpdesk):
    user = helpdesk.person("user@example.org")
    csrf = helpdesk.login("user@example.org")

    page = create(helpdesk, csrf, status=400, name="  ", scope="write", expires="7")

    assert page.html.select_one("#token-name")["aria-invalid"] == "true"
    assert page.html.select_one("#token-expires")["aria-invalid"] == "true"
    assert "Please give the token a name." in page.text
    assert page.html.select_one('input[name="scope"][value="write"]').has_attr("checked")
    assert shown_secret(page) is None
    assert rows(helpdesk, user) == []

    page = create(helpdesk, csrf, status=400, name="kept name", scope="admin", expires="365")
    assert page.html.select_one("#token-name")["value"] == "kept name"
    assert page.html.select_one("fieldset.choices")["aria-invalid"] == "true"
    assert page.html.select_one('option[value="365"]').has_attr("selected")
    assert rows(helpdesk, user) == []


def test_a_person_at_the_limit_is_told_to_revoke_a_token_first(helpdesk):
    user = helpdesk.person("user@example.org")
    for number in range(helpdesk.settings.tokens_max_active):
        new_token(helpdesk, user, name=f"token {number}")
    csrf = helpdesk.login("user@example.org")

    page = create(helpdesk, csrf, status=400, name="one more")

    assert "the most allowed: revoke one first" in page.text
    assert page.html.select_one("#token-name")["value"] == "one more"
    assert len(rows(helpdesk, user)) == helpdesk.settings.tokens_max_active


def test_revoking_a_token_stops_it_at_once(helpdesk):
    user = helpdesk.person("user@example.org")
    token, secret = new_token(helpdesk, user)
    csrf = helpdesk.login("user@example.org")

    response = helpdesk.app.post(f"/profile/tokens/{token.id}/revoke", {"csrf_token": csrf})

    assert response.status_int == 303
    page = response.follow()
    assert "revoked: it no longer works" in page.text
    row = page.html.select_one(f"#token-{token.id}")
    assert "revoked" in row.get_text(" ", strip=True)
    assert row.select_one("form") is None  # no second "Revoke" button
    helpdesk.refresh(token)
    assert token.revoked_at is not None
    helpdesk.app.get("/api/probe", headers=bearer(secret), status=401)


def test_nobody_sees_or_revokes_another_persons_token(helpdesk):
    owner = helpdesk.person("user@example.org")
    helpdesk.person("other-user@example.org")
    token, secret = new_token(helpdesk, owner, name="owner's script")
    csrf = helpdesk.login("other-user@example.org")

    assert "owner&#39;s script" not in helpdesk.app.get("/profile/tokens").text
    assert "owner's script" not in helpdesk.app.get("/profile/tokens").text
    helpdesk.app.post(f"/profile/tokens/{token.id}/revoke", {"csrf_token": csrf}, status=404)
    helpdesk.app.post("/profile/tokens/999999/revoke", {"csrf_token": csrf}, status=404)

    helpdesk.refresh(token)
    assert token.revoked_at is None
    assert helpdesk.app.get("/api/probe", headers=bearer(secret)).json["email"] == \
        "user@example.org"


def test_creating_and_revoking_need_the_csrf_token(helpdesk):
    user = helpdesk.person("user@example.org")
    token, _ = new_token(helpdesk, user)
    helpdesk.login("user@example.org")

    page = create(helpdesk, "forged", status=400, name="forged")
    assert "Form expired" in page.text
    helpdesk.app.post("/profile/tokens", {"name": "no token", "scope": "read",
                                          "expires": "30"}, status=400)
    helpdesk.app.post(f"/profile/tokens/{token.id}/revoke", {}, status=400)

    assert [t.name for t in rows(helpdesk, user)] == ["script"]
    helpdesk.refresh(token)
    assert token.revoked_at is None


def test_anonymous_visitors_are_sent_to_log_in(helpdesk):
    response = helpdesk.app.get("/profile/tokens", status=303)
    assert "/login" in response.headers["Location"]
    helpdesk.app.post("/profile/tokens", {"name": "x", "scope": "read", "expires": "30",
                                          "csrf_token": helpdesk.csrf_token()}, status=403)


def test_the_profile_page_links_to_the_tokens(helpdesk):
    helpdesk.person("user@example.org")
    helpdesk.login("user@example.org")
    profile = helpdesk.app.get("/profile")
    assert profile.click(href="/profile/tokens").request.path == "/profile/tokens"


def test_an_admin_sees_and_revokes_everyones_tokens(helpdesk):
    user = helpdesk.person("user@example.org")
    other = helpdesk.person("other-user@example.org")
    helpdesk.person("admin@example.org", "admin")
    mine, secret = new_token(helpdesk, user, name="user's script")
    theirs, _ = new_token(helpdesk, other, name="other's script")
    csrf = helpdesk.login("admin@example.org")

    assert helpdesk.app.get("/profile/tokens").click(href="/staff/tokens")
    page = helpdesk.app.get("/staff/tokens")
    assert page.html.select_one(f"#token-{mine.id}") is not None
    assert page.html.select_one(f"#token-{theirs.id}") is not None
    assert secret not in page.text
    one = helpdesk.app.get("/staff/tokens", {"person": "user@example.org"})
    assert one.html.select_one(f"#token-{theirs.id}") is None
    assert "user@example.org" in one.html.select_one(f"#token-{mine.id}").get_text()

    response = helpdesk.app.post(f"/staff/tokens/{mine.id}/revoke",
                                 {"csrf_token": csrf, "person": "user@example.org"})
    assert response.status_int == 303
    assert response.headers["Location"].endswith("/staff/tokens?person=user%40example.org")
    helpdesk.refresh(mine, theirs)
    assert mine.revoked_at is not None and theirs.revoked_at is None
    helpdesk.app.get("/api/probe", headers=bearer(secret), status=401)


def test_only_admins_open_everyones_tokens(helpdesk):
    user = helpdesk.person("user@example.org")
    token, _ = new_token(helpdesk, user)
    helpdesk.person("coordinator@example.org", "coordinator")
    csrf = helpdesk.login("coordinator@example.org")

    helpdesk.app.get("/staff/tokens", status=403)
    helpdesk.app.post(f"/staff/tokens/{token.id}/revoke", {"csrf_token": csrf}, status=403)
    assert "/staff/tokens" not in helpdesk.app.get("/profile/tokens").text
    helpdesk.refresh(token)
    assert token.revoked_at is None


def test_expired_and_revoked_tokens_are_listed_as_such(helpdesk, tokens):
    user = helpdesk.person("user@example.org")
    expired, _ = tokens.create(user, "old", "read", timedelta(days=1),
                               now=utcnow() - timedelta(days=2))
    revoked, _ = new_token(helpdesk, user, name="gone")
    tokens.revoke(revoked, by=user)
    helpdesk.dbsession.flush()
    helpdesk.login("user@example.org")

    page = helpdesk.app.get("/profile/tokens")
    assert "expired" in page.html.select_one(f"#token-{expired.id}").get_text(" ", strip=True)
    assert "revoked" in page.html.select_one(f"#token-{revoked.id}").get_text(" ", strip=True)


def test_in_chinese_a_token_has_a_name_not_a_persons_name(helpdesk):
    # Found by hand: the label and the column said 姓名 (a person's name).
    helpdesk.person("user@example.org")
    helpdesk.login("user@example.org")
    page = helpdesk.app.get("/profile/tokens", headers={"Accept-Language": "zh-CN"})
    assert page.html.select_one("label[for=token-name]").get_text(strip=True) == "令牌名称"
    assert "令牌名称" in page.html.select_one("thead").get_text()
    assert "姓名" not in page.text


def test_everyones_tokens_fit_a_desktop_page(helpdesk):
    # Found by hand at 1280 px: the status column and Revoke were cut off at the right.
    helpdesk.person("admin@example.org", "admin")
    helpdesk.login("admin@example.org")
    page = helpdesk.app.get("/staff/tokens")
    assert page.html.select_one("table.api-tokens")
    sheet = page.html.select_one("link[href*='helpdesk.css']")["href"]
    css = helpdesk.app.get(sheet).text
    assert "table.api-tokens td:nth-last-child(2) { white-space:normal; }" in css
    assert "table.api-tokens td:first-child { white-space:normal; overflow-wrap:anywhere;" in css
