"""Staff find the person on the phone by e-mail, name or phone (``/staff/people``)."""
import pytest

from pyramid_helpdesk.staff.people_lookup import MAX_RESULTS, find_people

JSON = {"Accept": "application/json"}


@pytest.fixture
def callers(helpdesk, staff):
    """Three requesters with full profiles, one deactivated."""
    return {
        "ada": helpdesk.person("ada.lindqvist@example.org", name="Ada Lindqvist",
                               phone="+86 10 5550 0101", department="Physics"),
        "bo": helpdesk.person("bo.marsh@example.net", name="Bo Marsh",
                              phone="(010) 5550-0202", department="Chemistry"),
        "gone": helpdesk.person("ada.gone@example.org", name="Ada Gone", is_active=False),
    }


def emails(response) -> list[str]:
    return [person["email"] for person in response.json]


def test_first_line_finds_a_caller_by_part_of_the_name_in_any_case(helpdesk, staff, callers):
    helpdesk.login("firstline@example.org")
    response = helpdesk.app.get("/staff/people", {"q": "LINDQ"}, headers=JSON)
    assert response.content_type == "application/json"
    assert response.json == [{"id": callers["ada"].id, "name": "Ada Lindqvist",
                              "email": "ada.lindqvist@example.org",
                              "phone": "+86 10 5550 0101", "department": "Physics"}]


def test_a_caller_is_found_by_the_start_of_the_address_not_its_middle(helpdesk, staff, callers):
    helpdesk.login("agent@example.org")
    assert emails(helpdesk.app.get("/staff/people?format=json&q=Bo.Ma")) == ["bo.marsh@example.net"]
    assert emails(helpdesk.app.get("/staff/people?format=json&q=marsh@")) == []


def test_a_caller_is_found_by_part_of_the_phone_number(helpdesk, staff, callers):
    helpdesk.login("agent@example.org")
    assert emails(helpdesk.app.get("/staff/people?format=json&q=5550-02")) \
        == ["bo.marsh@example.net"]


def test_addresses_come_before_names_and_deactivated_people_never_come(helpdesk, staff,
                                                                       callers):
    helpdesk.person("ada@example.org", name="Zed Ada")
    helpdesk.person("aaron@example.org", name="Aaron Adams")
    helpdesk.login("firstline@example.org")
    found = emails(helpdesk.app.get("/staff/people?format=json&q=ada"))
    assert found == ["ada.lindqvist@example.org", "ada@example.org", "aaron@example.org"]
    found = emails(helpdesk.app.get("/staff/people?format=json&q=ada@example.org"))
    assert found == ["ada@example.org"]


def test_like_wildcards_typed_by_staff_are_plain_characters(helpdesk, staff, callers):
    helpdesk.login("firstline@example.org")
    assert emails(helpdesk.app.get("/staff/people?format=json&q=%25%25")) == []
    assert emails(helpdesk.app.get("/staff/people?format=json&q=a_a")) == []


def test_at_most_ten_people_come_back(helpdesk, staff):
    for n in range(MAX_RESULTS + 3):
        helpdesk.person(f"caller{n:02}@example.org", name=f"Caller {n:02}")
    assert len(find_people(helpdesk.dbsession, "caller")) == MAX_RESULTS
    helpdesk.login("firstline@example.org")
    assert len(helpdesk.app.get("/staff/people?format=json&q=caller").json) == MAX_RESULTS


def test_one_character_finds_nobody(helpdesk, staff, callers):
    helpdesk.login("firstline@example.org")
    assert helpdesk.app.get("/staff/people?format=json&q=a").json == []
    page = helpdesk.app.get("/staff/people?q=a")
    assert "Type at least 2 characters." in page.text


def test_without_json_the_page_lists_matches_with_a_link_to_the_form(helpdesk, staff, callers):
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get("/staff/people", {"q": "marsh"},
                            headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.content_type == "text/html"
    assert "<td>Bo Marsh</td>" in page.text and "<td>Chemistry</td>" in page.text
    assert f'href="/staff/new?requester={callers["bo"].id}"' in page.text
    assert "Ada Lindqvist" not in page.text


def test_names_are_escaped_on_the_page(helpdesk, staff):
    helpdesk.person("odd@example.org", name="<b>Odd</b> Caller")
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get("/staff/people?q=odd")
    assert "&lt;b&gt;Odd&lt;/b&gt; Caller" in page.text and "<b>Odd</b>" not in page.text


def test_a_page_with_no_match_offers_a_ticket_for_a_new_requester(helpdesk, staff):
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get("/staff/people?q=nobody-here")
    assert "Nobody matches." in page.text and 'href="/staff/new"' in page.text


def test_a_requester_gets_no_data(helpdesk, staff, callers):
    helpdesk.login("user@example.org")
    response = helpdesk.app.get("/staff/people?format=json&q=ada", status=403)
    assert "lindqvist" not in response.text.lower()


def test_an_anonymous_visitor_is_sent_to_log_in(helpdesk, staff, callers):
    response = helpdesk.app.get("/staff/people?format=json&q=ada", status=303)
    assert "/login?next=" in response.location
    assert "lindqvist" not in response.text.lower()


def test_in_chinese_the_page_is_translated(helpdesk, staff, callers):
    staff.firstline.locale = "zh_CN"
    helpdesk.dbsession.flush()
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get("/staff/people?q=marsh")
    assert "使用此人" in page.text and "Use this person" not in page.text
