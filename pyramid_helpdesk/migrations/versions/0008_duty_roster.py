"""duty roster: the first-line person of each week, and per-day overrides

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 14:00:00
"""
from alembic import op
import sqlalchemy as sa
import pyramid_helpdesk.db.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('duty_weeks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('created_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_duty_weeks_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_weeks')),
    sa.UniqueConstraint('week_start', name=op.f('uq_duty_weeks_week_start'))
    )
    with op.batch_alter_table('duty_weeks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_weeks_person_id'), ['person_id'], unique=False)

    op.create_table('duty_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_duty_overrides_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_overrides')),
    sa.UniqueConstraint('day', name=op.f('uq_duty_overrides_day'))
    )
    with op.batch_alter_table('duty_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_overrides_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('duty_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_overrides_person_id'))

    op.drop_table('duty_overrides')
    with op.batch_alter_table('duty_weeks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_weeks_person_id'))

    op.drop_table('duty_weeks')
