"""absences of staff members, and the round-robin turn of each group

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import pyramid_helpdesk.db.types


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('absences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('first_day <= last_day', name=op.f('ck_absences_days_in_order')),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_absences_created_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_absences_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_absences'))
    )
    with op.batch_alter_table('absences', schema=None) as batch_op:
        batch_op.create_index('ix_absences_last_day', ['last_day'], unique=False)
        batch_op.create_index('ix_absences_person_id_last_day', ['person_id', 'last_day'], unique=False)

    op.create_table('routing_turns',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('last_person_id', sa.Integer(), nullable=True),
    sa.Column('turns', sa.Integer(), nullable=False),
    sa.Column('updated_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['service_groups.id'], name=op.f('fk_routing_turns_group_id_service_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['last_person_id'], ['people.id'], name=op.f('fk_routing_turns_last_person_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('group_id', name=op.f('pk_routing_turns'))
    )
    with op.batch_alter_table('routing_turns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routing_turns_last_person_id'), ['last_person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('routing_turns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_routing_turns_last_person_id'))

    op.drop_table('routing_turns')
    with op.batch_alter_table('absences', schema=None) as batch_op:
        batch_op.drop_index('ix_absences_person_id_last_day')
        batch_op.drop_index('ix_absences_last_day')

    op.drop_table('absences')
