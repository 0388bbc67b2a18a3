"""What a requester does in a real browser, in English and in Chinese."""
import re

from playwright.sync_api import expect

DEMO_USER, DEMO_PASSWORD = "user@example.org", "demo"


def log_in(page, site, email=DEMO_USER, password=DEMO_PASSWORD):
    page.goto(site.url + "/login")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form.login button[type=submit], main form button[type=submit]").first.click()


def test_a_requester_submits_a_ticket_with_an_attachment_and_sees_its_number(
        page, site, screenshot, tmp_path):
    log_in(page, site)
    page.goto(site.url + "/tickets/new")
    screenshot("new-ticket")
    page.locator("[name=subject]").fill("Projector in room 101 shows no image")
    page.locator("[name=description]").fill("The projector turns on but stays blue.")
    photo = tmp_path / "projector.txt"
    photo.write_text("model: demo projector\n")
    page.locator("input[type=file]").first.set_input_files(str(photo))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/tickets/HD-\d{6}$"))
    number = page.url.rsplit("/", 1)[1]
    expect(page.locator("h1")).to_contain_text(number)
    expect(page.locator("main")).to_contain_text("projector.txt")
    screenshot("ticket-page")
