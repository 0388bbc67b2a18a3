"""service-level targets on tickets (due times, pauses, warnings, breaches, business
durations) and the requesters' ratings

Columns are added with plain ALTER TABLE (never a batch copy of ``tickets``: on
SQLite a copy would drop the full-text triggers of 0009).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 12:50:00
"""
from alembic import op
import sqlalchemy as sa
import pyramid_helpdesk.db.types


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

MOMENTS = ('due_at', 'first_response_due_at', 'sla_paused_since', 'sla_warned_at',
           'sla_breached_at', 'first_response_breached_at')
DURATIONS = ('first_response_business_seconds', 'resolution_business_seconds')
INDEXES = {
    'ix_tickets_status_due_at': ['status', 'due_at'],
    'ix_tickets_status_first_response_due_at': ['status', 'first_response_due_at'],
    'ix_tickets_created_at': ['created_at'],
    'ix_tickets_resolved_at': ['resolved_at'],
}


def upgrade():
    op.add_column('tickets', sa.Column('sla_policy', sa.String(length=64), nullable=True))
    for name in MOMENTS:
        op.add_column('tickets', sa.Column(
            name, pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True))
    for name in DURATIONS:
        op.add_column('tickets', sa.Column(name, sa.Integer(), nullable=True))
    for name, columns in INDEXES.items():
        op.create_index(name, 'tickets', columns, unique=False)
    op.create_table(
        'ratings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('created_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True),
                  nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                                name=op.f('fk_ratings_ticket_id_tickets'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
        sa.UniqueConstraint('ticket_id', name=op.f('uq_ratings_ticket_id')),
    )
    op.create_index('ix_ratings_created_at', 'ratings', ['created_at'], unique=False)


def downgrade():
    op.drop_index('ix_ratings_created_at', table_name='ratings')
    op.drop_table('ratings')
    for name in INDEXES:
        op.drop_index(name, table_name='tickets')
    # DROP COLUMN without a table copy (SQLite 3.35+), keeping the full-text triggers.
    for name in ('sla_policy', *MOMENTS, *DURATIONS):
        op.drop_column('tickets', name)
