"""The merge page: a staff member folds a duplicate into the ticket they keep."""
import re

import pytest

from pyramid_helpdesk.tickets.models import TicketStatus


@pytest.fixture
def pair(helpdesk, staff):
    """The same problem reported twice: by the user, then by a colleague of theirs."""
    kept = helpdesk.ticket(staff.user, "Projector in room 2 broken", description="No image")
    duplicate = helpdesk.ticket(staff.other_user, "Room 2 projector",
                                description="It shows nothing")
    helpdesk.tickets.reply(duplicate, body="Since this morning", author=staff.other_user)
    helpdesk.dbsession.flush()
    return duplicate, kept


def merge_path(ticket) -> str:
    return f"/staff/tickets/{ticket.number}/merge"


def hidden(page, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page.text).group(1)


def preview(helpdesk, duplicate, target_number: str, status=200):
    """Type ``target_number`` on the merge page and ask to see both tickets."""
    page = helpdesk.app.get(merge_path(duplicate))
    return helpdesk.app.post(merge_path(duplicate), {
        "csrf_token": hidden(page, "csrf_token"), "step": "preview",
        "version": hidden(page, "version"), "target": target_number}, status=status)


def confirm(helpdesk, duplicate, shown, status=303):
    """Press the confirm button of a preview page."""
    return helpdesk.app.post(merge_path(duplicate), {
        name: hidden(shown, name)
        for name in ("csrf_token", "step", "target", "version", "into_version")
    }, status=status)


def test_first_line_previews_and_merges_a_duplicate(helpdesk, staff, pair):
    duplicate, kept = pair
    helpdesk.login("firstline@example.org")
    form = helpdesk.app.get(merge_path(duplicate))
    assert 'name="target"' in form.text and "Room 2 projector" in form.text
    shown = preview(helpdesk, duplicate, kept.number)
    for text in ("Room 2 projector", "Other-User", "Projector in room 2 broken", "User"):
        assert text in shown.text
    assert re.findall(r'class="message-count">(\d+)<', shown.text) == ["2", "1"]
    helpdesk.refresh(duplicate)
    assert duplicate.status is TicketStatus.new  # not merged yet

    answer = confirm(helpdesk, duplicate, shown)
    assert answer.location.endswith(f"/staff/tickets/{kept.number}")
    helpdesk.refresh(duplicate, kept)
    assert duplicate.status is TicketStatus.closed
    assert duplicate.merged_into_id == kept.id
    assert len(helpdesk.tickets.messages(kept, include_internal=True)) == 3
    assert [cc.email for cc in kept.cc] == ["other-user@example.org"]
    home = helpdesk.app.get("/")
    assert f"{duplicate.number} was merged into {kept.number}." in home.text


@pytest.mark.parametrize("typed, message", [
    ("", "Enter the number of the ticket to keep."),
    ("HD-999999", "There is no ticket HD-999999."),
    ("itself", "A ticket cannot be merged into itself."),
    ("closed", "is closed: choose a ticket that is not closed."),
])
def test_a_wrong_target_is_refused_with_the_typed_number_kept(
        helpdesk, staff, pair, typed, message):
    duplicate, kept = pair
    if typed == "itself":
        typed = duplicate.number
    elif typed == "closed":
        helpdesk.tickets.resolve(kept, actor=staff.firstline)
        helpdesk.tickets.close(kept, actor=staff.firstline)
        helpdesk.dbsession.flush()
        typed = kept.number
    helpdesk.login("firstline@example.org")
    page = preview(helpdesk, duplicate, typed, status=400)
    assert message in page.text.replace("&#39;", "'")
    assert f'name="target" value="{typed}"' in page.text
    assert 'aria-invalid="true"' in page.text
    helpdesk.refresh(duplicate)
    assert duplicate.status is TicketStatus.new


def test_a_target_the_agent_may_not_manage_looks_like_no_ticket(helpdesk, staff, pair):
    duplicate, kept = pair
    helpdesk.tickets.dispatch(duplicate, actor=staff.firstline, group=staff.network)
    helpdesk.tickets.dispatch(kept, actor=staff.firstline, group=staff.computing)
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    page = preview(helpdesk, duplicate, kept.number, status=400)
    assert f"There is no ticket {kept.number}." in page.text
    assert "Projector in room 2 broken" not in page.text  # nothing of it is shown
    # The confirm step checks it again.
    token = hidden(page, "csrf_token")
    helpdesk.app.post(merge_path(duplicate), {
        "csrf_token": token, "step": "confirm", "target": kept.number}, status=400)
    helpdesk.refresh(duplicate)
    assert duplicate.status is TicketStatus.open


def test_an_agent_may_not_open_the_merge_page_of_someone_elses_ticket(helpdesk, staff, pair):
    duplicate, kept = pair
    helpdesk.tickets.dispatch(duplicate, actor=staff.firstline, group=staff.computing)
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    helpdesk.app.get(merge_path(duplicate), status=404)


def test_a_ticket_changed_after_the_preview_is_shown_again_not_merged(helpdesk, staff, pair):
    duplicate, kept = pair
    helpdesk.login("firstline@example.org")
    shown = preview(helpdesk, duplicate, kept.number)
    helpdesk.tickets.reply(kept, body="It works again?", author=staff.user)
    helpdesk.dbsession.flush()
    again = confirm(helpdesk, duplicate, shown, status=409)
    assert "One of the tickets changed since you opened this page" in again.text
    assert hidden(again, "into_version") == str(kept.version)  # confirm again, knowingly
    helpdesk.refresh(duplicate)
    assert duplicate.status is TicketStatus.new and duplicate.merged_into_id is None
    confirm(helpdesk, duplicate, again)
    helpdesk.refresh(duplicate)
    assert duplicate.merged_into_id == kept.id


def test_merging_needs_the_csrf_token(helpdesk, staff, pair):
    duplicate, kept = pair
    helpdesk.login("firstline@example.org")
    helpdesk.app.post(merge_path(duplicate), {"step": "confirm", "target": kept.number},
                      status=400)
    helpdesk.refresh(duplicate)
    assert duplicate.merged_into_id is None


def test_the_flow_page_links_to_the_merge_page(helpdesk, staff, pair):
    duplicate, _kept = pair
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get(f"/staff/tickets/{duplicate.number}/flow")
    assert f'href="{merge_path(duplicate)}"' in page.text
