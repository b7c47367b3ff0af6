"""Helpline review: the daily summary the statistics page and exports read, and an index for
finding codings made after their day was summarised.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 02:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('review_daily',
    sa.Column('slice', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('built_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('slice', 'day')
    )
    with op.batch_alter_table('review_daily', schema=None) as batch_op:
        batch_op.create_index('ix_review_daily_day', ['day'], unique=False)
    with op.batch_alter_table('counsellor_codings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counsellor_codings_coded_on'), ['coded_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('counsellor_codings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counsellor_codings_coded_on'))
    with op.batch_alter_table('review_daily', schema=None) as batch_op:
        batch_op.drop_index('ix_review_daily_day')
    op.drop_table('review_daily')
