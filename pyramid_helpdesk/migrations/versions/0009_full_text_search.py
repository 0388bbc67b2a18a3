"""full-text search over ticket subjects and messages, Chinese and English

SQLite: ``search_text``, a contentless FTS5 table with the trigram tokenizer,
one row per ticket subject and per message body, kept in step by triggers (so
Core bulk inserts and ``UPDATE messages SET ticket_id`` of a merge are indexed
too). Its rowid is ``ticket_id << 32 | message_id`` (0 for the subject): the
index is in ticket order, and a moved message is re-keyed to its new ticket.
Each text ends with U+001F so that every occurrence of a two-character term
starts a trigram (``search_text_vocab`` lists the trigrams, see
``pyramid_helpdesk/staff/search.py``).

PostgreSQL: ``pg_trgm`` GIN indexes on ``tickets.subject`` and
``messages.body``, queried with ILIKE.

These objects are not ORM models: ``migrations/env.py`` leaves every name
starting with ``search_`` or ``ix_search_`` out of autogenerate. A later SQLite
migration that rebuilds ``tickets`` or ``messages`` (``batch_alter_table``
with a table copy) drops their triggers and must create them again
(``create_sqlite_triggers`` below).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 10:00:00
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

#: The end mark of each indexed text (never part of a query).
END = "char(31)"

TRIGGERS = {
    "search_ticket_insert": f"""
        AFTER INSERT ON tickets BEGIN
            INSERT INTO search_text(rowid, text) VALUES (new.id << 32, new.subject || {END});
        END""",
    "search_ticket_subject": f"""
        AFTER UPDATE OF subject ON tickets BEGIN
            INSERT INTO search_text(search_text, rowid, text)
                VALUES ('delete', old.id << 32, old.subject || {END});
            INSERT INTO search_text(rowid, text) VALUES (new.id << 32, new.subject || {END});
        END""",
    "search_ticket_delete": f"""
        AFTER DELETE ON tickets BEGIN
            INSERT INTO search_text(search_text, rowid, text)
                VALUES ('delete', old.id << 32, old.subject || {END});
        END""",
    "search_message_insert": f"""
        AFTER INSERT ON messages BEGIN
            INSERT INTO search_text(rowid, text)
                VALUES (new.ticket_id << 32 | new.id, new.body || {END});
        END""",
    "search_message_update": f"""
        AFTER UPDATE OF body, ticket_id ON messages BEGIN
            INSERT INTO search_text(search_text, rowid, text)
                VALUES ('delete', old.ticket_id << 32 | old.id, old.body || {END});
            INSERT INTO search_text(rowid, text)
                VALUES (new.ticket_id << 32 | new.id, new.body || {END});
        END""",
    "search_message_delete": f"""
        AFTER DELETE ON messages BEGIN
            INSERT INTO search_text(search_text, rowid, text)
                VALUES ('delete', old.ticket_id << 32 | old.id, old.body || {END});
        END""",
}


def create_sqlite_triggers():
    """The triggers that keep ``search_text`` in step with tickets and messages."""
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_search_tickets_subject ON tickets "
                   "USING gin (subject gin_trgm_ops)")
        op.execute("CREATE INDEX ix_search_messages_body ON messages "
                   "USING gin (body gin_trgm_ops)")
        return
    # A database emptied by dropping the models' tables keeps these: start afresh.
    op.execute("DROP TABLE IF EXISTS search_text_vocab")
    op.execute("DROP TABLE IF EXISTS search_text")
    op.execute("CREATE VIRTUAL TABLE search_text USING fts5("
               "text, content='', tokenize='trigram')")
    op.execute("CREATE VIRTUAL TABLE search_text_vocab USING fts5vocab(search_text, row)")
    op.execute(f"INSERT INTO search_text(rowid, text) "
               f"SELECT id << 32, subject || {END} FROM tickets")
    op.execute(f"INSERT INTO search_text(rowid, text) "
               f"SELECT ticket_id << 32 | id, body || {END} FROM messages")
    create_sqlite_triggers()


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm stays: an extension belongs to the database, others may use it.
        op.execute("DROP INDEX ix_search_messages_body")
        op.execute("DROP INDEX ix_search_tickets_subject")
        return
    for name in reversed(TRIGGERS):
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE search_text_vocab")
    op.execute("DROP TABLE search_text")
