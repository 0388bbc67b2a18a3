"""API tokens, per-person notification preferences, and the log of delivery attempts

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 14:40:00
"""
from alembic import op
import sqlalchemy as sa
import pyramid_helpdesk.db.types


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.Enum('read', 'write', name='tokenscope', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_api_tokens_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_api_tokens_secret_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_api_tokens_person_id_created_at', ['person_id', 'created_at'], unique=False)

    op.create_table('notification_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('attempted_at', pyramid_helpdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=500), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_notification_attempts_notification_id_notifications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_attempts'))
    )
    with op.batch_alter_table('notification_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_notification_attempts_notification_id_id', ['notification_id', 'id'], unique=False)

    op.create_index('ix_notifications_notifier_id', 'notifications', ['notifier', 'id'], unique=False)
    # Plain ALTER TABLE: a batch copy of ``people`` is not needed to add a nullable column.
    op.add_column('people', sa.Column('notification_preferences', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('notification_preferences')
    op.drop_index('ix_notifications_notifier_id', table_name='notifications')
    with op.batch_alter_table('notification_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_attempts_notification_id_id')
    op.drop_table('notification_attempts')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_api_tokens_person_id_created_at')
    op.drop_table('api_tokens')
