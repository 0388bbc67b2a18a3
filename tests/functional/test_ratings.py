"""Satisfaction ratings: on resolution the requester is mailed a signed link; the link
shows a confirmation form (opening it records nothing, so mail scanners cannot vote),
the form records one rating per ticket, which staff then read on the ticket."""
from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from pyramid_helpdesk.errors import ConfigurationError
from pyramid_helpdesk.notifications.models import Notification
from pyramid_helpdesk.ratings.links import SALT, make_token, ticket_for_token
from pyramid_helpdesk.ratings.services import AlreadyRated, rate
from pyramid_helpdesk.testing import build_app, make_test_settings
from pyramid_helpdesk.tickets.delegation import SALT as DELEGATION_SALT
from pyramid_helpdesk.tickets.models import EventKind, Rating, TicketEvent

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def resolved(helpdesk, staff):
    """The user's ticket, handled by the network group and resolved by its agent."""
    ticket = helpdesk.ticket(staff.user, subject="Wi-Fi drops in room 12")
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.tickets.resolve(ticket, actor=staff.agent)
    helpdesk.dbsession.flush()
    return ticket


def invitations(helpdesk, ticket) -> list[Notification]:
    return list(helpdesk.dbsession.scalars(select(Notification).where(
        Notification.ticket_id == ticket.id, Notification.kind == "rating_invitation")))


def link_path(helpdesk, ticket) -> str:
    """The path of the rating link in the invitation mail."""
    (mail, *_more) = invitations(helpdesk, ticket)
    url = re.search(r"http://helpdesk\.example\.org/rate/\S+", mail.body)
    assert url, mail.body
    return urlsplit(url.group(0)).path


def ratings_of(helpdesk, ticket) -> list[Rating]:
    helpdesk.dbsession.expire_all()
    return list(helpdesk.dbsession.scalars(select(Rating).where(Rating.ticket_id == ticket.id)))


def rated_events(helpdesk, ticket) -> list[TicketEvent]:
    return list(helpdesk.dbsession.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.rated)))


def send(helpdesk, path, score="4", comment="", status=303, **extra):
    """Open the link's page, then send its form."""
    form = helpdesk.app.get(path).forms["rating-form"]
    if score is not None:
        form["score"] = score
    form["comment"] = comment
    return form.submit(status=status, **extra)


# -- the invitation ---------------------------------------------------------------------


def test_resolution_mails_the_requester_a_link_after_the_resolution_notice(
        helpdesk, staff, resolved):
    (mail,) = invitations(helpdesk, resolved)
    assert mail.recipient == "user@example.org"
    assert mail.subject == f"How did we do? [{resolved.number}] Wi-Fi drops in room 12"
    assert "from 1 (poor) to 5 (excellent)" in mail.body
    # The link names this ticket (its signature holds the second it was made: compare
    # what it names, not the text, which a new second would change).
    token = link_path(helpdesk, resolved).removeprefix("/rate/")
    assert ticket_for_token(helpdesk.dbsession, helpdesk.settings, token) == resolved
    kinds = list(helpdesk.dbsession.scalars(select(Notification.kind).where(
        Notification.ticket_id == resolved.id, Notification.recipient == "user@example.org")
        .order_by(Notification.id)))
    assert kinds[-2:] == ["ticket_resolved", "rating_invitation"]


def test_no_invitation_when_the_requester_resolves_or_it_was_rated(helpdesk, staff, resolved):
    rate(helpdesk.tickets, resolved, score=5)
    helpdesk.tickets.reopen(resolved, actor=staff.user)
    helpdesk.tickets.resolve(resolved, actor=staff.agent)
    assert len(invitations(helpdesk, resolved)) == 1, "rated already: not invited again"

    own = helpdesk.ticket(staff.user, subject="Solved it myself")
    helpdesk.tickets.resolve(own, actor=staff.user)
    assert invitations(helpdesk, own) == []


def test_the_invitation_is_in_the_requesters_language(helpdesk, staff):
    staff.user.locale = "zh_CN"
    ticket = helpdesk.ticket(staff.user)
    helpdesk.tickets.resolve(ticket, actor=staff.firstline)
    (mail,) = invitations(helpdesk, ticket)
    assert "满意" in mail.body and "/rate/" in mail.body


# -- the link ---------------------------------------------------------------------------


def test_opening_the_link_records_nothing_and_may_preselect_a_score(helpdesk, resolved):
    page = helpdesk.app.get(link_path(helpdesk, resolved) + "?score=4")
    assert resolved.number in page.text and "Wi-Fi drops in room 12" in page.text
    form = page.forms["rating-form"]
    assert form["score"].value == "4"
    assert [label.get_text(" ", strip=True) for label in page.html.select("#rating-form label")
            ][:5] == ["1 poor", "2 fair", "3 good", "4 very good", "5 excellent"]
    assert form.fields["csrf_token"][0].value
    assert "Send rating" in page.text
    assert ratings_of(helpdesk, resolved) == [] and rated_events(helpdesk, resolved) == []


def test_sending_the_form_records_the_rating_once_and_fires_the_hook(helpdesk, resolved):
    path = link_path(helpdesk, resolved)
    with helpdesk.recording_hooks() as calls:
        thanks = send(helpdesk, path, score="4", comment="Quick and friendly.").follow()
    assert "Thank you for your rating." in thanks.text
    assert "4 of 5" in thanks.text and "Quick and friendly." in thanks.text
    assert "rating-form" not in thanks.forms
    (rating,) = ratings_of(helpdesk, resolved)
    assert (rating.score, rating.comment) == (4, "Quick and friendly.")
    (event,) = rated_events(helpdesk, resolved)
    assert event.detail == {"score": 4} and event.actor_id == resolved.requester_id
    (kwargs,) = [k for name, k in calls if name == "helpdesk_ticket_rated"]
    assert set(kwargs) == {"ticket", "rating", "event", "helpdesk"}
    assert kwargs["ticket"].id == resolved.id and kwargs["rating"].score == 4
    assert kwargs["event"].kind is EventKind.rated


def test_a_second_rating_is_refused_and_shows_the_first(helpdesk, resolved):
    path = link_path(helpdesk, resolved)
    first = helpdesk.app.get(path).forms["rating-form"]
    second = helpdesk.app.get(path).forms["rating-form"]  # a second tab, opened before
    first["score"] = "2"
    first.submit(status=303)
    second["score"] = "5"
    refused = second.submit(status=409)
    assert "rated already" in refused.text and "2 of 5" in refused.text
    assert [r.score for r in ratings_of(helpdesk, resolved)] == [2]
    assert len(rated_events(helpdesk, resolved)) == 1
    again = helpdesk.app.get(path)
    assert "2 of 5" in again.text and "rating-form" not in again.forms


def test_the_service_answers_already_rated_with_the_recorded_rating(helpdesk, resolved):
    rate(helpdesk.tickets, resolved, score=3, comment="ok")
    with pytest.raises(AlreadyRated) as refused:
        rate(helpdesk.tickets, resolved, score=5)
    assert refused.value.rating.score == 3
    assert len(ratings_of(helpdesk, resolved)) == 1


def test_an_expired_link_is_gone_and_a_forged_one_not_found(helpdesk, resolved):
    class LongAgo(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - 31 * 86400

    payload = {"ticket": resolved.id, "email": "user@example.org"}
    old = URLSafeTimedSerializer(helpdesk.settings.session_secret, salt=SALT,
                                 signer=LongAgo).dumps(payload)
    expired = helpdesk.app.get(f"/rate/{old}", status=410)
    assert "expired" in expired.text
    helpdesk.app.post(f"/rate/{old}", {"score": "5", "csrf_token": helpdesk.csrf_token()},
                      status=410)
    token = make_token(helpdesk.settings, resolved)
    helpdesk.app.get(f"/rate/{token[:-2]}xx", status=404)
    foreign = URLSafeTimedSerializer(helpdesk.settings.session_secret,
                                     salt=DELEGATION_SALT).dumps(payload)
    helpdesk.app.get(f"/rate/{foreign}", status=404)
    assert ratings_of(helpdesk, resolved) == []


def test_a_token_rates_its_own_ticket_and_only_for_its_requester(helpdesk, staff, resolved):
    other = helpdesk.ticket(staff.other_user, subject="Projector")
    helpdesk.tickets.resolve(other, actor=staff.firstline)
    send(helpdesk, link_path(helpdesk, resolved), score="5")
    assert [r.score for r in ratings_of(helpdesk, resolved)] == [5]
    assert ratings_of(helpdesk, other) == []
    # A correctly signed token naming the other ticket with this requester's address.
    mixed = URLSafeTimedSerializer(helpdesk.settings.session_secret, salt=SALT).dumps(
        {"ticket": other.id, "email": "user@example.org"})
    helpdesk.app.get(f"/rate/{mixed}", status=404)


def test_a_ticket_not_resolved_cannot_be_rated(helpdesk, staff, resolved):
    path = link_path(helpdesk, resolved)
    form = helpdesk.app.get(path).forms["rating-form"]
    helpdesk.tickets.reply(resolved, author=staff.user, body="Still dropping.")  # reopens
    helpdesk.dbsession.flush()
    form["score"] = "1"
    refused = form.submit(status=409)
    assert "not resolved" in refused.text
    page = helpdesk.app.get(path, status=409)
    assert "rating-form" not in page.forms
    assert ratings_of(helpdesk, resolved) == []


def test_a_closed_ticket_can_be_rated(helpdesk, staff, resolved):
    helpdesk.tickets.close(resolved, actor=staff.agent)
    helpdesk.dbsession.flush()
    send(helpdesk, link_path(helpdesk, resolved), score="3")
    assert [r.score for r in ratings_of(helpdesk, resolved)] == [3]


def test_the_form_needs_its_csrf_token(helpdesk, resolved):
    path = link_path(helpdesk, resolved)
    helpdesk.app.get(path)
    helpdesk.app.post(path, {"score": "5"}, status=400)
    helpdesk.app.post(path, {"score": "5", "csrf_token": "forged"}, status=400)
    assert ratings_of(helpdesk, resolved) == []


def test_no_score_or_a_long_comment_shows_the_form_again(helpdesk, resolved):
    path = link_path(helpdesk, resolved)
    refused = send(helpdesk, path, score=None, comment="Fine", status=400)
    assert "Please choose a score from 1 to 5." in refused.text
    too_long = "x" * 2001
    refused = send(helpdesk, path, score="4", comment=too_long, status=400)
    assert "At most 2000 characters." in refused.text
    form = refused.forms["rating-form"]
    assert form["comment"].value == too_long and form["score"].value == "4"
    assert refused.html.find(id="rating-comment")["aria-invalid"] == "true"
    assert ratings_of(helpdesk, resolved) == []
    send(helpdesk, path, score="4", comment="y" * 2000)
    assert len(ratings_of(helpdesk, resolved)[0].comment) == 2000


# -- on the ticket pages ----------------------------------------------------------------


def test_staff_see_the_rating_escaped_and_the_event_in_the_history(helpdesk, staff, resolved):
    send(helpdesk, link_path(helpdesk, resolved), score="2",
         comment="<script>alert('x')</script> too slow")
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get(f"/staff/tickets/{resolved.number}")
    section = page.html.find(id="rating")
    assert "2 of 5" in section.get_text(" ") and "poor" not in section.get_text(" ")
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert" in page.text
    assert "too slow" in section.get_text(" ")
    (entry,) = page.html.select("#history li.event-rated")
    assert "rated" in entry.get_text(" ") and "2/5" in entry.get_text(" ")


def test_staff_view_of_an_unrated_ticket_has_no_rating(helpdesk, staff, resolved):
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get(f"/staff/tickets/{resolved.number}")
    assert page.html.find(id="rating") is None


def test_the_requester_rates_on_their_ticket_page(helpdesk, staff, resolved):
    helpdesk.login("user@example.org")
    page = helpdesk.app.get(f"/tickets/{resolved.number}")
    form = page.forms["rating-form"]
    form["score"] = "5"
    form["comment"] = "Works again."
    shown = form.submit(status=303).follow()
    assert "Thank you for your rating." in shown.text
    assert "5 of 5" in shown.html.find(id="rating").get_text(" ")
    assert "rating-form" not in shown.forms
    assert [r.score for r in ratings_of(helpdesk, resolved)] == [5]
    helpdesk.app.post(f"/tickets/{resolved.number}/rate",
                      {"score": "1", "csrf_token": helpdesk.csrf_token(page.request.path)},
                      status=409)
    assert [r.score for r in ratings_of(helpdesk, resolved)] == [5]


def test_the_ticket_page_form_keeps_the_input_of_a_refusal(helpdesk, staff, resolved):
    helpdesk.login("user@example.org")
    form = helpdesk.app.get(f"/tickets/{resolved.number}").forms["rating-form"]
    form["comment"] = "No score chosen"
    refused = form.submit(status=400)
    assert refused.forms["rating-form"]["comment"].value == "No score chosen"
    assert "Please choose a score from 1 to 5." in refused.text


def test_only_the_requester_of_a_resolved_ticket_gets_the_form(helpdesk, staff, resolved):
    open_ticket = helpdesk.ticket(staff.user, subject="Still open")
    helpdesk.login("user@example.org")
    assert "rating-form" not in helpdesk.app.get(f"/tickets/{open_ticket.number}").forms
    token = helpdesk.csrf_token(f"/tickets/{open_ticket.number}")
    helpdesk.app.post(f"/tickets/{open_ticket.number}/rate", {"score": "5", "csrf_token": token},
                      status=409)
    helpdesk.logout()
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get(f"/tickets/{resolved.number}")
    assert "rating-form" not in page.forms
    helpdesk.app.post(f"/tickets/{resolved.number}/rate",
                      {"score": "5", "csrf_token": helpdesk.csrf_token(page.request.path)},
                      status=403)
    assert ratings_of(helpdesk, resolved) == [] and ratings_of(helpdesk, open_ticket) == []


# -- Chinese, settings --------------------------------------------------------------------


def test_the_rating_page_in_chinese(helpdesk, resolved):
    page = helpdesk.app.get(link_path(helpdesk, resolved), headers=CHINESE)
    assert page.html.find("html")["lang"] == "zh-CN"
    text = page.html.find(id="rating-form").get_text(" ")
    assert "发送评价" in text and "很差" in text and "非常好" in text
    form = page.forms["rating-form"]
    form["score"] = "5"
    thanks = form.submit(headers=CHINESE, status=303).follow(headers=CHINESE)
    assert "感谢您的评价。" in thanks.text


def test_a_wrong_link_validity_stops_start_up(helpdesk_engine, helpdesk_database_url, tmp_path):
    settings = make_test_settings(helpdesk_database_url, str(tmp_path),
                                  **{"helpdesk.ratings.link_days": "0"})
    with pytest.raises(ConfigurationError, match="helpdesk.ratings.link_days"):
        build_app(settings, helpdesk_engine)

