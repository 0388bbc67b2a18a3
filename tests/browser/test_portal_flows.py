"""What a requester does in a real browser, in English and in Chinese.

Each test runs once with an English browser and once with a Chinese one
(``browser_locale``); form controls are found by name, so the same steps
work in both languages, and the assertions check the language shown.
"""
import re

from playwright.sync_api import expect

from .conftest import SCREENSHOTS

DEMO_USER, DEMO_PASSWORD = "user@example.org", "demo"
NEW_PASSWORD = "a long passphrase 42"
TICKET_NUMBER = re.compile(r"/tickets/(HD-\d{6})$")


def submit(page, value=None):
    """Click the main form's submit button (the one with ``value`` if given)."""
    selector = f"main button[value={value}]" if value else "main form button[type=submit]"
    page.locator(selector).first.click()


def log_in(page, site, email=DEMO_USER, password=DEMO_PASSWORD):
    page.goto(site.url + "/login")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    submit(page)


def chinese(browser_locale) -> bool:
    return browser_locale.startswith("zh")


def test_a_newcomer_registers_confirms_completes_the_profile_and_submits_a_ticket(
        page, site, screenshot, browser_locale, tmp_path):
    address = f"newcomer-{browser_locale.lower()}@example.org"
    page.goto(site.url + "/register")
    screenshot("register")
    page.locator("[name=email]").fill(address)
    page.locator("[name=name]").fill("Nova Newcomer")
    page.locator("[name=password]").fill(NEW_PASSWORD)
    page.locator("[name=password_confirm]").fill(NEW_PASSWORD)
    submit(page)
    expect(page.locator("main")).to_contain_text(address)

    page.goto(site.link_in_last_mail_to(address))
    page.locator("[name=password]").fill(NEW_PASSWORD)
    submit(page)

    expect(page).to_have_url(re.compile(r"/profile"))
    expect(page.locator("h1")).to_have_text(re.compile("资料" if chinese(browser_locale)
                                                      else "profile", re.I))
    page.locator("[name=department]").fill("Optics Lab")
    page.locator("[name=phone]").fill("+86 10 5555 0100")
    screenshot("profile")
    submit(page)

    expect(page).to_have_url(re.compile(r"/tickets/new"))
    page.locator("[name=subject]").fill("Projector in room 101 shows no image")
    page.locator("[name=description]").fill("The projector turns on but stays blue.")
    notes = tmp_path / "projector.txt"
    notes.write_text("model: demo projector\n")
    page.locator("input[type=file]").first.set_input_files(str(notes))
    screenshot("new-ticket")
    submit(page, "submit")

    expect(page).to_have_url(TICKET_NUMBER)
    number = TICKET_NUMBER.search(page.url).group(1)
    expect(page.locator("h1")).to_contain_text(number)
    expect(page.locator("main")).to_contain_text("projector.txt")
    expect(page.locator("main")).to_contain_text("新建" if chinese(browser_locale) else "new")

    page.locator("[name=body]").fill("It also makes a clicking noise.")
    page.locator("form:has([name=body]) button[type=submit]").click()
    expect(page.locator(".conversation")).to_contain_text("It also makes a clicking noise.")
    screenshot("ticket-page")


def test_a_requester_saves_a_draft_edits_it_later_and_submits_it(
        page, site, screenshot, browser_locale):
    log_in(page, site)
    page.goto(site.url + "/tickets/new")
    subject = f"Draft about the shared drive ({browser_locale})"
    page.locator("[name=subject]").fill(subject)
    page.locator("[name=description]").fill("To be completed.")
    submit(page, "draft")

    page.goto(site.url + "/drafts")
    screenshot("drafts")
    page.get_by_role("link", name=subject).click()
    page.locator("[name=description]").fill("The shared drive asks for a password every hour.")
    submit(page, "save")
    expect(page.locator("[name=description]")).to_have_value(
        "The shared drive asks for a password every hour.")
    submit(page, "submit")

    expect(page).to_have_url(TICKET_NUMBER)
    expect(page.locator(".conversation")).to_contain_text("asks for a password every hour")
    page.goto(site.url + "/my-tickets")
    expect(page.locator("main")).to_contain_text(subject)
    screenshot("my-tickets")


def test_the_main_pages_fit_a_phone_screen_without_sideways_scrolling(
        chromium, site, browser_locale):
    context = chromium.new_context(locale=browser_locale, viewport={"width": 390, "height": 844},
                                   is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        log_in(phone, site)
        for path in ("/", "/tickets/new", "/my-tickets", "/drafts", "/profile"):
            phone.goto(site.url + path)
            overflow = phone.evaluate(
                "document.scrollingElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
            name = path.strip("/").replace("/", "-") or "home"
            phone.screenshot(path=str(SCREENSHOTS / f"phone-{name}-{browser_locale}.png"),
                             full_page=True)
    finally:
        context.close()
