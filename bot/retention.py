"""Retention: Rasa's conversation events, which hold what children wrote, and the contact log.

The tracker store's events are deleted once older than RETENTION_DAYS (default 30): every event
of a conversation that has been quiet that long, and the old finished sessions of conversations
that are still going. The anonymised contact log is kept CONTACT_RETENTION_DAYS (default five
years, for year-on-year statistics), then each contact goes with its categories, coding and
handoff record. The staff audit log is never purged here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from functools import partial

from sqlalchemy import and_, delete, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import column, table

from bot.contact_log import SESSION_MINUTES, end_sessions
from bot.database import engine, with_retry
from bot.handoff.store import purge_messages
from bot.review import summary
from bot.settings import Settings, get_settings
from bot.sqlite import vacuum
from bot.tables import (
    contact_categories,
    contacts,
    counsellor_categories,
    counsellor_codings,
    handoff_messages,
    handoff_requests,
)

log = logging.getLogger(__name__)
PURGE_INTERVAL_SECONDS = 6 * 3600
# Links from conversations to contacts are cut this often (a session ends after SESSION_MINUTES).
SESSION_SWEEP_SECONDS = 15 * 60
LIVE_MESSAGES_KEPT = timedelta(days=1)  # a live chat's messages at most; they go when it ends
SUMMARY_DAYS_PER_PASS = 100  # a first backfill of years of log spreads over passes, so turns stay quick

events = table("events", column("id"), column("sender_id"), column("type_name"), column("timestamp"))


def purge(days: int | None = None, url: str | None = None, now: float | None = None) -> int:
    """Delete tracker events older than `days`; returns how many were deleted."""
    days = get_settings().retention_days if days is None else days
    cutoff = (now or time.time()) - days * 86400

    def work(conn: Connection) -> int:
        if not conn.dialect.has_table(conn, "events"):
            return 0
        quiet = select(events.c.sender_id).group_by(events.c.sender_id).having(func.max(events.c.timestamp) < cutoff)
        deleted = conn.execute(delete(events).where(events.c.sender_id.in_(quiet))).rowcount or 0
        latest = (
            select(events.c.sender_id, func.max(events.c.id).label("last_start"))
            .where(events.c.type_name == "session_started")
            .group_by(events.c.sender_id)
            .subquery()
        )
        old_sessions = select(events.c.id).join(latest, latest.c.sender_id == events.c.sender_id).where(
            and_(events.c.timestamp < cutoff, events.c.id < latest.c.last_start)
        )
        ids = [row[0] for row in conn.execute(old_sessions)]
        for start in range(0, len(ids), 500):
            deleted += conn.execute(delete(events).where(events.c.id.in_(ids[start:start + 500]))).rowcount or 0
        return deleted

    deleted = with_retry(work, url)
    if deleted:
        vacuum(engine(url))
    return deleted


def purge_telegram(days: int | None = None, url: str | None = None, now: float | None = None) -> int:
    """Telegram's stored chat mappings, queued replies and message ids past their time."""
    from bot.channels.telegram.store import TelegramStore

    days = get_settings().retention_days if days is None else days
    return TelegramStore(url).purge(days, now)


CONTACT_BATCH = 5000
# A contact's rows in other tables, deleted before it (SQLite enforces no foreign keys here).
CONTACT_CHILDREN = (contact_categories, counsellor_categories, counsellor_codings)


def purge_contacts(days: int | None = None, url: str | None = None, now: datetime | None = None) -> int:
    """Delete contact records that started more than `days` ago, in batches (one short
    transaction each, so the service goes on writing); returns how many went."""
    days = get_settings().contact_retention_days if days is None else days
    cutoff = (now or datetime.now(timezone.utc).replace(tzinfo=None)) - timedelta(days=days)

    def batch(conn: Connection) -> int:
        ids = list(conn.execute(select(contacts.c.id).where(contacts.c.started_hour < cutoff).limit(CONTACT_BATCH))
                   .scalars())
        if not ids:
            return 0
        requests = select(handoff_requests.c.id).where(handoff_requests.c.contact_id.in_(ids))
        conn.execute(delete(handoff_messages).where(handoff_messages.c.request_id.in_(requests)))
        conn.execute(delete(handoff_requests).where(handoff_requests.c.contact_id.in_(ids)))
        for child in CONTACT_CHILDREN:
            conn.execute(delete(child).where(child.c.contact_id.in_(ids)))
        return conn.execute(delete(contacts).where(contacts.c.id.in_(ids))).rowcount or 0

    total = 0
    while True:
        done = with_retry(batch, url)
        total += done
        if done < CONTACT_BATCH:
            break
    summary.forget_before(cutoff.date(), url)  # the purged days' counts go too
    return total


def forget_conversation(sender_id: str, url: str | None = None) -> int:
    """Delete every tracker event of one conversation (/forget); returns how many were deleted."""

    def work(conn: Connection) -> int:
        if not conn.dialect.has_table(conn, "events"):
            return 0
        return conn.execute(delete(events).where(events.c.sender_id == sender_id)).rowcount or 0

    return with_retry(work, url)


def retention_task(settings: Settings) -> Callable[..., Awaitable[None]]:
    """A Sanic background task: purges at start-up and every six hours, and every quarter of an
    hour cuts the links from conversations whose session has ended to their contact records and
    brings the review's daily summary up to date."""

    async def run(_app: object = None) -> None:
        last_purge = -float("inf")
        while True:
            loop = asyncio.get_running_loop()
            try:
                if time.monotonic() - last_purge >= PURGE_INTERVAL_SECONDS:
                    removed = await loop.run_in_executor(None, purge, settings.retention_days)
                    telegram = await loop.run_in_executor(None, purge_telegram, settings.retention_days)
                    old = await loop.run_in_executor(None, purge_contacts, settings.contact_retention_days)
                    last_purge = time.monotonic()
                    if removed or telegram or old:
                        log.info("retention: deleted %d conversation events older than %d days, %d Telegram records, "
                                 "%d contact records older than %d days", removed, settings.retention_days, telegram,
                                 old, settings.contact_retention_days)
                await loop.run_in_executor(None, partial(end_sessions, older_than_minutes=SESSION_MINUTES))
                # A live chat's words: gone once it is over, and after a day in any case.
                await loop.run_in_executor(None, purge_messages, LIVE_MESSAGES_KEPT)
                # The review's daily summary: settled days added, days with late codings rebuilt.
                await loop.run_in_executor(None, partial(summary.refresh, limit=SUMMARY_DAYS_PER_PASS))
            except Exception as exc:  # noqa: BLE001 - the type only: a database error may quote values
                log.error("retention: a pass failed (%s); it runs again later", type(exc).__name__)
            await asyncio.sleep(SESSION_SWEEP_SECONDS)

    return run
