"""Drop contacts.user_hash: since the session link (contact_sessions) it held the contact's own
id and linked nothing. Dropped in place (SQLite 3.35+ and PostgreSQL), not by copying the table,
so no foreign-key action can touch the categories or the queue.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 04:12:36
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_contacts_user_hash", table_name="contacts")
    op.execute("ALTER TABLE contacts DROP COLUMN user_hash")


def downgrade() -> None:
    op.add_column("contacts", sa.Column("user_hash", sa.String(length=64), nullable=False, server_default=""))
    op.execute("UPDATE contacts SET user_hash = id")
    op.create_index("ix_contacts_user_hash", "contacts", ["user_hash"], unique=False)
