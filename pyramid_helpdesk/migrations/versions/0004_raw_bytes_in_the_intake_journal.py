"""raw bytes in the intake journal

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 08:13:06.715342
"""
from alembic import op
import sqlalchemy as sa
import pyramid_helpdesk.db.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('intake_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raw', sa.LargeBinary(), nullable=True))



def downgrade():
    with op.batch_alter_table('intake_items', schema=None) as batch_op:
        batch_op.drop_column('raw')

