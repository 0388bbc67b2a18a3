"""``helpdesk reports``: an operator checks the reports' summary, and counts it again."""
from sqlalchemy import delete, func, insert, select

from pyramid_helpdesk.people.models import Person
from pyramid_helpdesk.reports.models import ReportChange, ReportDay
from pyramid_helpdesk.tickets.models import Ticket

from .conftest import at, hours


def _load(session, count: int, first: int = 0) -> None:
    """``count`` tickets written in bulk (Core, as an import would), two days apart."""
    person = session.scalar(select(Person.id).where(Person.email == "bulk@example.org"))
    if person is None:
        person = session.execute(insert(Person).values(
            email="bulk@example.org", name="Bulk Loader", created_at=at("2026-11-01 08:00")
        ).returning(Person.id)).scalar_one()
    session.execute(insert(Ticket), [
        dict(number=f"B{n}", subject="Bulk", channel="web", requester_id=person,
             created_at=at("2026-10-01 09:00") + hours(48 * n), updated_at=at("2026-11-01 08:00"),
             held_since=at("2026-11-01 08:00"), version=1, status="open",
             first_response_business_seconds=100 * n)
        for n in range(first, first + count)])
    session.commit()


def test_the_worker_adds_up_what_the_triggers_wrote_and_check_agrees(migrated, db):
    _load(db(), 12)
    # Each counts towards its channel, category, group and first response.
    assert db().scalar(select(func.count()).select_from(ReportChange)) == 12 * 4

    assert migrated.ok("reports", "check") == "the summary agrees with the tickets\n"
    assert migrated.ok("reports", "compact") == "added up 48 change(s)\n"
    _load(db(), 5, first=12)
    migrated.ok("worker", "--once")

    session = db()
    assert session.scalar(select(func.count()).select_from(ReportChange)) == 0
    assert session.scalar(select(func.sum(ReportDay.total)).where(
        ReportDay.figure == "channel")) == 17
    assert migrated.ok("reports", "check") == "the summary agrees with the tickets\n"


def test_check_names_the_differences_and_rebuild_mends_them(migrated, db):
    _load(db(), 6)
    migrated.ok("reports", "compact")
    session = db()
    session.execute(delete(ReportDay).where(ReportDay.figure == "first_response"))
    session.commit()

    done = migrated.run("reports", "check")

    assert done.returncode == 1
    assert done.stderr == ("Error: the summary differs from the tickets in 6 place(s): "
                           "run helpdesk reports rebuild\n")
    assert "first_response day 2026-10-01 0: tickets 1, summary 0\n" in done.stdout
    assert migrated.ok("reports", "rebuild").startswith("counted into ")
    assert migrated.ok("reports", "check") == "the summary agrees with the tickets\n"
