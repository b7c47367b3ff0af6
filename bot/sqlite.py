"""SQLite settings for two processes writing one file (Rasa's tracker store, the contact log)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


def tune_sqlite(engine: Engine) -> Engine:
    """WAL (readers never block the writer), wait up to 10 s for a lock instead of failing,
    fsync at checkpoints rather than every commit (still safe against application crashes), and
    overwrite deleted content (the file holds what children wrote until retention purges it)."""
    if engine.dialect.name != "sqlite":
        return engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA secure_delete=ON")  # deleted messages are overwritten, not left in free pages
        cursor.close()

    return engine


def vacuum(engine: Engine) -> None:
    """Rewrite an SQLite file after a purge, so deleted conversations leave no trace in it."""
    if engine.dialect.name == "sqlite":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM")
