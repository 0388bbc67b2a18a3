"""staff lists: queue indexes per holder, status and priority

Each staff list page reads one index range per (holder, status, priority) in the
order of a time column (pyramid_helpdesk/staff/keyset.py). The new holder
indexes start with the columns of the two they replace, so counts by holder and
status still use them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 09:16:27.199571
"""
from alembic import op
import sqlalchemy as sa
import pyramid_helpdesk.db.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_holder_group_status'))
        batch_op.drop_index(batch_op.f('ix_tickets_holder_person_status'))
        batch_op.create_index('ix_tickets_group_queue_created', ['holder_group_id', 'status', 'priority', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_tickets_group_queue_held', ['holder_group_id', 'status', 'priority', 'held_since', 'id'], unique=False)
        batch_op.create_index('ix_tickets_group_queue_updated', ['holder_group_id', 'status', 'priority', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_tickets_person_queue_created', ['holder_person_id', 'status', 'priority', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_tickets_person_queue_held', ['holder_person_id', 'status', 'priority', 'held_since', 'id'], unique=False)
        batch_op.create_index('ix_tickets_person_queue_updated', ['holder_person_id', 'status', 'priority', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_tickets_queue_created', ['status', 'priority', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_tickets_queue_held', ['status', 'priority', 'held_since', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_queue_held')
        batch_op.drop_index('ix_tickets_queue_created')
        batch_op.drop_index('ix_tickets_person_queue_updated')
        batch_op.drop_index('ix_tickets_person_queue_held')
        batch_op.drop_index('ix_tickets_person_queue_created')
        batch_op.drop_index('ix_tickets_group_queue_updated')
        batch_op.drop_index('ix_tickets_group_queue_held')
        batch_op.drop_index('ix_tickets_group_queue_created')
        batch_op.create_index(batch_op.f('ix_tickets_holder_person_status'), ['holder_person_id', 'status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_holder_group_status'), ['holder_group_id', 'status', 'id'], unique=False)
