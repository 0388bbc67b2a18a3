"""Pages in the visitor's language: profile, then the switcher, then the browser."""
from pyramid_helpdesk.i18n import LOCALE_COOKIE


def test_a_browser_asking_for_chinese_gets_chinese_pages(helpdesk):
    page = helpdesk.app.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert page.html.find("h1").text == "登录"
    assert page.html.find("html")["lang"] == "zh-CN"
    english = helpdesk.app.get("/login", headers={"Accept-Language": "en-GB"})
    assert english.html.find("h1").text == "Log in"


def test_the_switcher_remembers_the_choice_and_returns_to_the_page(helpdesk):
    token = helpdesk.csrf_token("/login")
    response = helpdesk.app.post("/language", {"locale": "zh_CN", "came_from": "/login",
                                               "csrf_token": token}, status=303)
    assert response.headers["Location"].endswith("/login")
    assert helpdesk.app.cookies[LOCALE_COOKIE] == "zh_CN"
    assert response.follow().html.find("h1").text == "登录"


def test_the_switcher_needs_a_csrf_token_and_a_known_language(helpdesk):
    helpdesk.app.post("/language", {"locale": "zh_CN"}, status=400)
    token = helpdesk.csrf_token("/login")
    helpdesk.app.post("/language", {"locale": "fr", "csrf_token": token}, status=303)
    assert LOCALE_COOKIE not in helpdesk.app.cookies


def test_a_person_s_profile_language_wins_and_the_switcher_saves_it(helpdesk, staff):
    staff.user.locale = "zh_CN"
    helpdesk.dbsession.flush()
    helpdesk.login("user@example.org")
    page = helpdesk.app.get("/", headers={"Accept-Language": "en"})
    assert "您还没有工单。" in page.text
    assert page.html.find("button", attrs={"name": "locale"})["value"] == "en"
    token = helpdesk.csrf_token("/")
    helpdesk.app.post("/language", {"locale": "en", "csrf_token": token}, status=303)
    helpdesk.refresh(staff.user)
    assert staff.user.locale == "en"
    assert "You have no tickets yet." in helpdesk.app.get("/").text


def test_ticket_statuses_and_labels_are_translated_on_the_ticket_page(helpdesk, staff):
    staff.user.locale = "zh_CN"
    ticket = helpdesk.ticket(staff.user)
    helpdesk.login("user@example.org")
    page = helpdesk.app.get(f"/tickets/{ticket.number}")
    assert page.html.select_one("span.status").text == "新建"
    assert "提交人" in page.text and "优先级" in page.text


def test_with_secure_sessions_the_language_cookie_is_secure_too(
        helpdesk_database_url, helpdesk_engine, tmp_path):
    from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back

    settings = make_test_settings(helpdesk_database_url, str(tmp_path),
                                  **{"helpdesk.session.secure": "true"})
    with rolled_back(build_app(settings, helpdesk_engine), helpdesk_engine) as desk:
        https = {"wsgi.url_scheme": "https", "HTTP_HOST": "helpdesk.example.org",
                 "HTTP_REFERER": "https://helpdesk.example.org/login"}
        login = desk.app.get("/login", extra_environ=https)
        token = login.html.find("input", attrs={"name": "csrf_token"})["value"]
        response = desk.app.post("/language", {"locale": "zh_CN", "csrf_token": token},
                                 extra_environ=https, status=303)
        cookies = response.headers.getall("Set-Cookie")
        (language,) = [c for c in cookies if c.startswith(LOCALE_COOKIE)]
        assert "secure" in language.lower() and "httponly" in language.lower()
        assert all("secure" in c.lower() for c in login.headers.getall("Set-Cookie"))
