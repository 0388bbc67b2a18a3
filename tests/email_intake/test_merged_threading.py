"""Mail answering a merged duplicate joins the ticket it was merged into."""
from pyramid_helpdesk.tickets.models import Ticket

from .conftest import message


def test_replies_to_a_merged_ticket_thread_to_its_target(helpdesk, staff, intake):
    intake(message(subject="Printer jams", message_id="first"))
    intake(message(subject="Printer still jams", message_id="second"))
    target, duplicate = helpdesk.dbsession.query(Ticket).order_by(Ticket.id).all()
    helpdesk.tickets.merge(duplicate, into=target, actor=staff.firstline)

    by_tag = intake(message(subject=f"Re: [{duplicate.number}] Printer still jams"))
    by_header = intake(message(subject="Re: jams", In_Reply_To="<second@mail.example.net>"))

    assert by_tag.action == by_header.action == "follow-up"
    assert by_tag.ticket_number == by_header.ticket_number == target.number
    assert helpdesk.dbsession.query(Ticket).count() == 2
