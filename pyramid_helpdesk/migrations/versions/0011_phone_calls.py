"""phone calls: the phone-log channel's calls and the telephone system's announcements

The table belongs to the ``helpdesk_phone`` plugin (``helpdesk_phone.models``);
it is written out here in full, so the migration does not import the plugin and
runs whether the plugin is installed or not. The autogenerate comparison skips
``phone_*`` names (``env.py``); ``tests/phone`` compares them with the plugin's model.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import pyramid_helpdesk.db.types


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('phone_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('caller_number', sa.String(length=50), nullable=False),
    sa.Column('called_number', sa.String(length=50), nullable=False),
    sa.Column('caller_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('started_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('after_hours', sa.Boolean(), nullable=False),
    sa.Column('received_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('taken_by_id', sa.Integer(), nullable=True),
    sa.Column('taken_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['caller_id'], ['people.id'], name=op.f('fk_phone_calls_caller_id_people')),
    sa.ForeignKeyConstraint(['staff_id'], ['people.id'], name=op.f('fk_phone_calls_staff_id_people')),
    sa.ForeignKeyConstraint(['taken_by_id'], ['people.id'], name=op.f('fk_phone_calls_taken_by_id_people')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_phone_calls_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_calls'))
    )
    with op.batch_alter_table('phone_calls', schema=None) as batch_op:
        batch_op.create_index('ix_phone_calls_pending', ['ticket_id', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_phone_calls_caller_id'), ['caller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_phone_calls_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_phone_calls_taken_by_id'), ['taken_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('phone_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_calls_taken_by_id'))
        batch_op.drop_index(batch_op.f('ix_phone_calls_staff_id'))
        batch_op.drop_index(batch_op.f('ix_phone_calls_caller_id'))
        batch_op.drop_index('ix_phone_calls_pending')

    op.drop_table('phone_calls')
