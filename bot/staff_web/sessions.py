"""Staff sign-in sessions: a random 128-bit id in the cookie, only its SHA-256 in the database.

A session ends on sign-out, after STAFF_IDLE_MINUTES without a request, and after
STAFF_SHIFT_HOURS in any case. Each carries its own CSRF token for state-changing requests.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from bot.database import engine, with_retry
from bot.settings import Settings
from bot.staff import Role, utc_now
from bot.tables import staff_sessions

COOKIE = "ocsea_staff"
# last_seen_at is written at most this often: one small write a minute per active person.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class StaffSession:
    username: str
    role: Role
    csrf: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(username: str, role: Role, url: str | None = None) -> tuple[str, StaffSession]:
    """A new session; returns the cookie value (shown once, never stored) and the session."""
    token, csrf, now = secrets.token_urlsafe(16), secrets.token_urlsafe(32), utc_now()

    def work(conn: Connection) -> None:
        conn.execute(insert(staff_sessions).values(
            id_hash=_hash(token), username=username, role=role.value, csrf=csrf, created_at=now, last_seen_at=now))

    with_retry(work, url)
    return token, StaffSession(username, role, csrf)


def find(token: str | None, settings: Settings, url: str | None = None) -> StaffSession | None:
    """The live session for this cookie value, or None (unknown, idle too long, or past the shift)."""
    if not token or len(token) > 64:
        return None
    key, now = _hash(token), utc_now()
    with engine(url).connect() as conn:
        row = conn.execute(select(staff_sessions).where(staff_sessions.c.id_hash == key)).first()
    if row is None:
        return None
    idle = now - row.last_seen_at > timedelta(minutes=settings.staff_idle_minutes)
    past_shift = now - row.created_at > timedelta(hours=settings.staff_shift_hours)

    def work(conn: Connection) -> None:
        if idle or past_shift:
            conn.execute(delete(staff_sessions).where(staff_sessions.c.id_hash == key))
        elif now - row.last_seen_at >= TOUCH_EVERY:
            conn.execute(update(staff_sessions).where(staff_sessions.c.id_hash == key).values(last_seen_at=now))

    with_retry(work, url)
    return None if idle or past_shift else StaffSession(row.username, Role(row.role), row.csrf)


def end(token: str, url: str | None = None) -> None:
    with_retry(lambda conn: conn.execute(delete(staff_sessions).where(staff_sessions.c.id_hash == _hash(token))), url)

