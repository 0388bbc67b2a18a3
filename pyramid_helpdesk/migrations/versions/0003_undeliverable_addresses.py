"""undeliverable addresses

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 07:54:55.583772
"""
from alembic import op
import sqlalchemy as sa
import pyramid_helpdesk.db.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('undeliverable_since', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('undeliverable_since')

