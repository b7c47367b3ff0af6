"""baseline: the tables as create_all made them before migrations

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-01 03:40:17.554702
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('contact_sessions',
    sa.Column('conversation', sa.String(length=64), nullable=False),
    sa.Column('contact_id', sa.String(length=32), nullable=False),
    sa.Column('last_turn_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('conversation')
    )
    with op.batch_alter_table('contact_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_sessions_last_turn_at'), ['last_turn_at'], unique=False)

    op.create_table('contacts',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_hash', sa.String(length=64), nullable=False),
    sa.Column('started_hour', sa.DateTime(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('country', sa.String(length=8), nullable=False),
    sa.Column('age_band', sa.String(length=16), nullable=False),
    sa.Column('caller', sa.String(length=16), nullable=False),
    sa.Column('perpetrator', sa.String(length=16), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('time_since_event', sa.String(length=16), nullable=False),
    sa.Column('told_anyone', sa.String(length=16), nullable=False),
    sa.Column('highest_risk', sa.String(length=8), nullable=False),
    sa.Column('human_requested', sa.Boolean(), nullable=False),
    sa.Column('quick_exit', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_started_hour'), ['started_hour'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_user_hash'), ['user_hash'], unique=False)

    op.create_table('telegram_chats',
    sa.Column('conversation', sa.String(length=64), nullable=False),
    sa.Column('chat_id', sa.LargeBinary(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('conversation')
    )
    op.create_table('telegram_leases',
    sa.Column('conversation', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=32), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('conversation')
    )
    op.create_table('telegram_outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('conversation', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('next_attempt_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('telegram_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telegram_outbox_conversation'), ['conversation'], unique=False)

    op.create_table('telegram_sent',
    sa.Column('conversation', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('buttons', sa.String(length=2000), nullable=False),
    sa.Column('sent_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('conversation', 'message_id')
    )
    op.create_table('telegram_updates',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('conversation', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.Float(), nullable=False),
    sa.Column('next_attempt_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('update_id')
    )
    with op.batch_alter_table('telegram_updates', schema=None) as batch_op:
        batch_op.create_index('ix_telegram_updates_pending', ['status', 'conversation', 'update_id'], unique=False)

    op.create_table('contact_categories',
    sa.Column('contact_id', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('setting', sa.String(length=8), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'code')
    )
    op.create_table('handoff_requests',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('contact_id', sa.String(length=32), nullable=False),
    sa.Column('conversation', sa.String(length=64), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('contact_id')
    )
    with op.batch_alter_table('handoff_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_requests_conversation'), ['conversation'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('handoff_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_requests_conversation'))

    op.drop_table('handoff_requests')
    op.drop_table('contact_categories')
    with op.batch_alter_table('telegram_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_telegram_updates_pending')

    op.drop_table('telegram_updates')
    op.drop_table('telegram_sent')
    with op.batch_alter_table('telegram_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telegram_outbox_conversation'))

    op.drop_table('telegram_outbox')
    op.drop_table('telegram_leases')
    op.drop_table('telegram_chats')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_user_hash'))
        batch_op.drop_index(batch_op.f('ix_contacts_started_hour'))

    op.drop_table('contacts')
    with op.batch_alter_table('contact_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_sessions_last_turn_at'))

    op.drop_table('contact_sessions')

