"""The one database layer: an engine (connection pool) per URL per process, its schema brought
up to date by the migrations on first use, and the retry every writer shares while the database
restarts. The contact log, the Telegram store, the handoff and the staff tables all use it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.schema import ensure_schema
from bot.settings import get_settings
from bot.sqlite import tune_sqlite

log = logging.getLogger(__name__)
T = TypeVar("T")


CONNECT_TIMEOUT = 5  # seconds: an unreachable PostgreSQL fails fast instead of after the TCP timeout (minutes)


def connect_args(url: object) -> dict[str, int]:
    """Driver arguments for a URL: a connect timeout for PostgreSQL (SQLite waits for locks instead)."""
    return {"connect_timeout": CONNECT_TIMEOUT} if str(url).startswith("postgresql") else {}


@lru_cache(maxsize=4)
def engine(url: str | None = None) -> Engine:
    """One engine per database URL per process; the schema brought up to date on first use."""
    url = url or get_settings().database_url
    if url.startswith("sqlite:///"):
        get_settings().data_dir.mkdir(parents=True, exist_ok=True)
    # hide_parameters: a failing statement's error never quotes the values (a conversation's hash).
    eng = tune_sqlite(create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args(url)))
    ensure_schema(eng)
    return eng


def with_retry(work: Callable[[Connection], T], url: str | None = None, attempts: int = 5) -> T:
    """Run `work` in one transaction, retrying while the database restarts (about 10 s)."""
    for attempt in range(1, attempts + 1):
        try:
            with engine(url).begin() as conn:
                return work(conn)
        except (OperationalError, DBAPIError) as exc:
            if attempt == attempts or not getattr(exc, "connection_invalidated", True):
                raise
            log.warning("database unavailable (attempt %d/%d), retrying", attempt, attempts)
            time.sleep(0.5 * 2 ** (attempt - 1))
    raise AssertionError("unreachable")
