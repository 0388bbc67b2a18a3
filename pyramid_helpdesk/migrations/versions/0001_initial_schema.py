"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 06:53:34.531145
"""
from alembic import op
import sqlalchemy as sa
import pyramid_helpdesk.db.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('requester', 'agent', 'coordinator', 'admin', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('locale', sa.String(length=16), nullable=True),
    sa.Column('department', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('profile_completed', sa.Boolean(), nullable=False),
    sa.Column('created_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('email', name=op.f('uq_people_email'))
    )
    op.create_table('service_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('is_first_line', sa.Boolean(), nullable=True),
    sa.Column('created_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_groups')),
    sa.UniqueConstraint('is_first_line', name=op.f('uq_service_groups_is_first_line')),
    sa.UniqueConstraint('name', name=op.f('uq_service_groups_name'))
    )
    op.create_table('group_memberships',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('created_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['service_groups.id'], name=op.f('fk_group_memberships_group_id_service_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_group_memberships_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'person_id', name=op.f('pk_group_memberships'))
    )
    with op.batch_alter_table('group_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_memberships_person_id'), ['person_id'], unique=False)

    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=True),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('new', 'open', 'pending', 'resolved', 'closed', name='ticketstatus', native_enum=False, length=20), nullable=False),
    sa.Column('priority', sa.Enum('low', 'normal', 'high', 'urgent', name='priority', native_enum=False, length=20), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('holder_group_id', sa.Integer(), nullable=True),
    sa.Column('holder_person_id', sa.Integer(), nullable=True),
    sa.Column('held_since', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('nudge_count', sa.Integer(), nullable=False),
    sa.Column('created_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['holder_group_id'], ['service_groups.id'], name=op.f('fk_tickets_holder_group_id_service_groups')),
    sa.ForeignKeyConstraint(['holder_person_id'], ['people.id'], name=op.f('fk_tickets_holder_person_id_people')),
    sa.ForeignKeyConstraint(['requester_id'], ['people.id'], name=op.f('fk_tickets_requester_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('number', name=op.f('uq_tickets_number'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_holder_group_status', ['holder_group_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_tickets_holder_person_status', ['holder_person_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_tickets_requester_id_id', ['requester_id', 'id'], unique=False)
        batch_op.create_index('ix_tickets_status_id', ['status', 'id'], unique=False)

    op.create_table('external_authorizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['granted_by_id'], ['people.id'], name=op.f('fk_external_authorizations_granted_by_id_people')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_external_authorizations_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_authorizations'))
    )
    with op.batch_alter_table('external_authorizations', schema=None) as batch_op:
        batch_op.create_index('ix_external_authorizations_ticket_email', ['ticket_id', 'email'], unique=False)

    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('public', 'internal', 'system', name='messagekind', native_enum=False, length=20), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_address', sa.String(length=254), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('email_message_id', sa.String(length=998), nullable=True),
    sa.Column('created_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_messages_author_id_people')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_messages_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sa.UniqueConstraint('email_message_id', name=op.f('uq_messages_email_message_id'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_ticket_id_id', ['ticket_id', 'id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notifier', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='deliverystatus', native_enum=False, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_notifications_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_due', ['status', 'next_attempt_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_cc',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_ticket_cc_person_id_people')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_cc_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'email', name=op.f('pk_ticket_cc'))
    )
    with op.batch_alter_table('ticket_cc', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_cc_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_cc_person_id'), ['person_id'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=127), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_attachments_message_id_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_attachments_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_sha256'), ['sha256'], unique=False)
        batch_op.create_index('ix_attachments_ticket_id_id', ['ticket_id', 'id'], unique=False)

    op.create_table('ticket_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('created', 'dispatched', 'taken', 'forwarded', 'replied', 'noted', 'pending', 'resolved', 'closed', 'reopened', 'nudged', name='eventkind', native_enum=False, length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('from_status', sa.Enum('new', 'open', 'pending', 'resolved', 'closed', name='ticketstatus', native_enum=False, length=20), nullable=True),
    sa.Column('to_status', sa.Enum('new', 'open', 'pending', 'resolved', 'closed', name='ticketstatus', native_enum=False, length=20), nullable=True),
    sa.Column('from_group_id', sa.Integer(), nullable=True),
    sa.Column('to_group_id', sa.Integer(), nullable=True),
    sa.Column('from_person_id', sa.Integer(), nullable=True),
    sa.Column('to_person_id', sa.Integer(), nullable=True),
    sa.Column('to_address', sa.String(length=254), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_ticket_events_actor_id_people')),
    sa.ForeignKeyConstraint(['from_group_id'], ['service_groups.id'], name=op.f('fk_ticket_events_from_group_id_service_groups')),
    sa.ForeignKeyConstraint(['from_person_id'], ['people.id'], name=op.f('fk_ticket_events_from_person_id_people')),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_ticket_events_message_id_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_events_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_group_id'], ['service_groups.id'], name=op.f('fk_ticket_events_to_group_id_service_groups')),
    sa.ForeignKeyConstraint(['to_person_id'], ['people.id'], name=op.f('fk_ticket_events_to_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_events'))
    )
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_events_kind_created_at', ['kind', 'created_at'], unique=False)
        batch_op.create_index('ix_ticket_events_ticket_id_id', ['ticket_id', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_events_ticket_id_id')
        batch_op.drop_index('ix_ticket_events_kind_created_at')

    op.drop_table('ticket_events')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index('ix_attachments_ticket_id_id')
        batch_op.drop_index(batch_op.f('ix_attachments_sha256'))
        batch_op.drop_index(batch_op.f('ix_attachments_message_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('ticket_cc', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_cc_person_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_cc_email'))

    op.drop_table('ticket_cc')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_ticket_id'))
        batch_op.drop_index('ix_notifications_due')

    op.drop_table('notifications')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_ticket_id_id')

    op.drop_table('messages')
    with op.batch_alter_table('external_authorizations', schema=None) as batch_op:
        batch_op.drop_index('ix_external_authorizations_ticket_email')

    op.drop_table('external_authorizations')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_status_id')
        batch_op.drop_index('ix_tickets_requester_id_id')
        batch_op.drop_index('ix_tickets_holder_person_status')
        batch_op.drop_index('ix_tickets_holder_group_status')

    op.drop_table('tickets')
    with op.batch_alter_table('group_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_memberships_person_id'))

    op.drop_table('group_memberships')
    op.drop_table('service_groups')
    op.drop_table('people')
