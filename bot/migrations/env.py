"""Alembic environment: run on the connection bot.schema hands over (no alembic.ini, no URL here)."""

from __future__ import annotations

from alembic import context

from bot.schema import include_object
from bot.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
