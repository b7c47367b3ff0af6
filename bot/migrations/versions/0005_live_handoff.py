"""Live handoff: who has a chat and since when, its sealed messages, the counsellor's coding
beside the bot's, counsellors' availability and display names.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 05:34:04.797087
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff_presence',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('available', sa.Boolean(), nullable=False),
    sa.Column('max_chats', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('username')
    )
    op.create_table('counsellor_categories',
    sa.Column('contact_id', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('setting', sa.String(length=8), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'code')
    )
    op.create_table('counsellor_codings',
    sa.Column('contact_id', sa.String(length=32), nullable=False),
    sa.Column('caller', sa.String(length=16), nullable=False),
    sa.Column('perpetrator', sa.String(length=16), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('time_since_event', sa.String(length=16), nullable=False),
    sa.Column('told_anyone', sa.String(length=16), nullable=False),
    sa.Column('gender', sa.String(length=8), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.Column('coded_on', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id')
    )
    op.create_table('handoff_messages',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=12), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('urgent', sa.String(length=16), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['handoff_requests.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('seq')
    )
    with op.batch_alter_table('handoff_messages', schema=None) as batch_op:
        batch_op.create_index('ix_handoff_messages_request', ['request_id', 'seq'], unique=False)

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('helpful', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('topics_covered', sa.String(length=400), server_default='', nullable=False))

    with op.batch_alter_table('handoff_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counsellor', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('taken_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('ended_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('flagged', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_handoff_requests_counsellor'), ['counsellor'], unique=False)

    with op.batch_alter_table('staff_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('display_name', sa.String(length=40), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('staff_accounts', schema=None) as batch_op:
        batch_op.drop_column('display_name')

    with op.batch_alter_table('handoff_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_requests_counsellor'))
        batch_op.drop_column('flagged')
        batch_op.drop_column('ended_at')
        batch_op.drop_column('taken_at')
        batch_op.drop_column('counsellor')

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('topics_covered')
        batch_op.drop_column('helpful')

    with op.batch_alter_table('handoff_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_handoff_messages_request')

    op.drop_table('handoff_messages')
    op.drop_table('counsellor_codings')
    op.drop_table('counsellor_categories')
    op.drop_table('staff_presence')
