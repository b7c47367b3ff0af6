"""The database schema, kept up to date by Alembic (bot/migrations/) on first use in a process.

Migrations compare against bot.tables.metadata only: Rasa's tracker store tables share the
database and are never touched. A database made before migrations existed (tables created
directly, no `alembic_version`) is stamped at the baseline first, so its data stays. Several
processes may start at once (the server and its action server, several servers on one
PostgreSQL): an advisory lock (PostgreSQL) or a lock file (SQLite) lets one migrate at a time.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from bot.tables import metadata

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
# Any number, the same in every process: the PostgreSQL advisory lock held while migrating.
PG_LOCK_KEY = 4_281_130_001


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001 - Alembic's hook signature
    """Only the project's own tables: a reflected table not in our MetaData (Rasa's) is left alone."""
    if type_ == "table":
        return name in metadata.tables
    table = getattr(obj, "table", None)
    return table is None or table.name in metadata.tables


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@contextmanager
def _migration_lock(engine: Engine, connection: Connection) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_LOCK_KEY})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY})
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def ensure_schema(engine: Engine) -> None:
    """Upgrade the database to the newest migration (a no-op when it is there already)."""
    with engine.connect() as connection, _migration_lock(engine, connection):
        if connection.in_transaction():
            connection.commit()
        config = alembic_config(connection)
        if current_revision(connection) is None and inspect(connection).has_table("contacts"):
            command.stamp(config, BASELINE)  # made by create_all before migrations: keep its data
        command.upgrade(config, "head")
        if connection.in_transaction():
            connection.commit()
