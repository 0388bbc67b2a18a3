"""The staff-list rows of the benchmark load a desk and read full pages (no timing)."""
from datetime import datetime, timezone

from bench.staff import PAGES, measure
from bench.staffdata import Desk, ticket_rows

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
DESK = Desk(group_ids=[1, 2, 3], members={1: [10], 2: [11, 12], 3: [13]}, requester_ids=[20, 21])


def test_the_generated_tickets_are_the_same_in_every_run():
    first = list(ticket_rows(500, DESK, NOW, "HD-{id:06d}"))
    assert first == list(ticket_rows(500, DESK, NOW, "HD-{id:06d}"))
    assert [row[0] for row in first] == list(range(1, 501))
    assert all(row[13] <= row[14] <= NOW for row in first)  # created <= updated <= now
    assert {row[4] for row in first} == {"new", "open", "pending", "resolved", "closed"}
    assert all(row[9] == 1 and row[10] is None for row in first if row[4] == "new")


def test_each_page_is_measured_on_each_loaded_database_in_turn(tmp_path):
    rows, databases = measure([None], tmp_path, (1200, 1500), requests=7, warmup=1)
    assert [(row.key, row.size) for row in rows] == [
        (key, size) for key, _, _ in PAGES for size in (1200, 1500)]
    assert all((row.figures.ok, row.figures.errors) == (7, 0) for row in rows), \
        [row.notes for row in rows]
    assert databases["staff (sqlite)"].startswith("temporary files (SQLite")
