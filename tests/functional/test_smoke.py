def test_a_requester_submits_a_ticket_on_the_web_and_sees_its_page(helpdesk, staff):
    token = helpdesk.login("user@example.org")
    response = helpdesk.app.post("/tickets/new", {
        "subject": "VPN drops every hour", "description": "Since Monday.",
        "csrf_token": token,
    })
    page = response.follow()
    assert "VPN drops every hour" in page.text
    assert "First line" in page.text
