"""intake journal

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 07:32:42.145860
"""
from alembic import op
import sqlalchemy as sa
import pyramid_helpdesk.db.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('intake_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('dedupe_key', sa.String(length=1000), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.Enum('received', 'processed', 'duplicate', 'quarantined', 'discarded', name='intakestatus', native_enum=False, length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('received_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('processed_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_intake_items_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_items'))
    )
    with op.batch_alter_table('intake_items', schema=None) as batch_op:
        batch_op.create_index('ix_intake_items_status_id', ['status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_items_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index('uq_intake_items_channel_key', ['channel', 'dedupe_key'], unique=True)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_recipient_kind_created', ['recipient', 'kind', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_recipient_kind_created')

    with op.batch_alter_table('intake_items', schema=None) as batch_op:
        batch_op.drop_index('uq_intake_items_channel_key')
        batch_op.drop_index(batch_op.f('ix_intake_items_ticket_id'))
        batch_op.drop_index('ix_intake_items_status_id')

    op.drop_table('intake_items')
