"""search: two-character terms on PostgreSQL, by an index of character pairs

``pg_trgm`` extracts no trigram from a term of two characters (网络, 打印, IP), so
the trigram indexes of migration 0009 cannot find one, and such a term searched
only the newest tickets. ``search_pairs(text)`` lists the pairs of adjacent
characters of a text, lower-cased as ``ILIKE`` compares them (the pairs that
start at odd positions, then those at even ones; repeats included, GIN keeps
each key once), and a GIN index of it on ``tickets.subject`` and on
``messages.body`` finds the texts that contain a given pair:
``search_pairs(body) @> ARRAY[lower(term)]``, each then checked with ``LIKE``
or ``ILIKE`` (``pyramid_helpdesk/staff/search.py``).

SQLite needs nothing: its FTS5 table finds a two-character term through its
vocabulary (migration 0009).

The function and the indexes are not ORM models (their names start with
``search_`` and ``ix_search_``, which autogenerate leaves out).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 18:00:00
"""
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

PAIRS = r"""
CREATE OR REPLACE FUNCTION search_pairs(body text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ARRAY(SELECT pair[1] FROM regexp_matches(lower(body), '..', 'g') AS pair
                 UNION ALL
                 SELECT pair[1] FROM regexp_matches(substr(lower(body), 2), '..', 'g') AS pair)
$$"""

INDEXES = {
    "ix_search_tickets_subject_pairs": "tickets USING gin (search_pairs(subject))",
    "ix_search_messages_body_pairs": "messages USING gin (search_pairs(body))",
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PAIRS)
    # A GIN index is built much faster with room to sort its keys in memory.
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for name, definition in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {definition}")
    # The statistics of an expression index's values (how often each pair occurs)
    # are gathered by ANALYZE, which nothing else would run until the rows change.
    op.execute("ANALYZE tickets")
    op.execute("ANALYZE messages")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in reversed(INDEXES):
        op.execute(f"DROP INDEX {name}")
    op.execute("DROP FUNCTION search_pairs(text)")
