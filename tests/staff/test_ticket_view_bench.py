"""The staff ticket view row of the benchmark reads full pages and counts their
statements (no timing)."""
from bench import pagebench, ticket_view


def test_the_ticket_view_row_reads_every_message_and_counts_the_statements(tmp_path):
    rows, databases = pagebench.measure(ticket_view.BENCH, [None], tmp_path, (20,),
                                        requests=4, warmup=1)
    [row] = rows
    assert (row.figures.ok, row.figures.errors) == (4, 0), row.notes
    assert databases["ticket_view (sqlite)"].startswith("temporary files (SQLite")
    # The person, their groups, the ticket with its CCs, its outside authorisations,
    # the events, the conversation, the requester's other tickets.
    assert ticket_view.STATEMENTS["sqlite"] == 7
    assert "7 SELECT statements per page" in ticket_view.verdicts(rows)[0]
