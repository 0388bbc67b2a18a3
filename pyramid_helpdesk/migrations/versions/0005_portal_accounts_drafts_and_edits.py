"""portal: account sources and verification, drafts, removable attachments, list indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 09:00:35.774373
"""
from alembic import op
import sqlalchemy as sa
import pyramid_helpdesk.db.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auth_source', sa.String(length=32), nullable=False,
                                      server_default='local'))
        batch_op.add_column(sa.Column('email_verified_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True))

    # Accounts that exist already were created by staff or the command line: verified.
    op.execute("UPDATE people SET email_verified_at = created_at")

    with op.batch_alter_table('ticket_cc', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_cc_email'))
        batch_op.create_index('ix_ticket_cc_email_ticket_id', ['email', 'ticket_id'], unique=False)

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_requester_status_id', ['requester_id', 'status', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_requester_status_id')

    with op.batch_alter_table('ticket_cc', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_cc_email_ticket_id')
        batch_op.create_index(batch_op.f('ix_ticket_cc_email'), ['email'], unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
        batch_op.drop_column('auth_source')

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_column('removed_at')

