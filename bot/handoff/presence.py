"""Counsellors on shift: available or away, how many chats at once, whether they are there now,
and the name a child sees."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from bot.database import engine, with_retry
from bot.handoff.store import Status
from bot.staff import utc_now
from bot.tables import handoff_requests, staff_accounts, staff_presence, staff_sessions

# A counsellor counts as there while their console has been seen this recently (it polls every few
# seconds; the session's last_seen_at is written at most once a minute).
PRESENT_WITHIN = timedelta(minutes=3)


def live_chats(username: str, url: str | None = None) -> int:
    """How many live chats this counsellor has now."""
    with engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(handoff_requests).where(
            handoff_requests.c.counsellor == username, handoff_requests.c.status == Status.LIVE.value)).scalar_one()


def set_presence(username: str, available: bool, max_chats: int | None = None, url: str | None = None) -> tuple[bool, int]:
    def work(conn: Connection) -> tuple[bool, int]:
        row = conn.execute(select(staff_presence).where(staff_presence.c.username == username)).first()
        chats = max_chats if max_chats is not None else (row.max_chats if row else 2)
        values = {"available": available, "max_chats": chats, "updated_at": utc_now()}
        if row is None:
            conn.execute(insert(staff_presence).values(username=username, **values))
        else:
            conn.execute(update(staff_presence).where(staff_presence.c.username == username).values(**values))
        return available, chats

    return with_retry(work, url)


def presence(username: str, url: str | None = None) -> tuple[bool, int]:
    with engine(url).connect() as conn:
        row = conn.execute(select(staff_presence).where(staff_presence.c.username == username)).first()
    return (bool(row.available), row.max_chats) if row else (False, 2)


def counsellors(url: str | None = None) -> list[dict[str, object]]:
    """Every active counsellor and supervisor, whether they are there and available now."""
    present_since = utc_now() - PRESENT_WITHIN
    seen = (select(staff_sessions.c.username, func.max(staff_sessions.c.last_seen_at).label("seen"))
            .group_by(staff_sessions.c.username).subquery())
    query = (select(staff_accounts.c.username, staff_accounts.c.display_name, staff_accounts.c.role,
                    staff_presence.c.available, seen.c.seen)
             .outerjoin(staff_presence, staff_presence.c.username == staff_accounts.c.username)
             .outerjoin(seen, seen.c.username == staff_accounts.c.username)
             .where(staff_accounts.c.disabled.is_(False), staff_accounts.c.role.in_(("counsellor", "supervisor")))
             .order_by(staff_accounts.c.username))
    with engine(url).connect() as conn:
        rows = conn.execute(query).all()
    return [{"username": row.username, "display_name": row.display_name or row.username, "role": row.role,
             "available": bool(row.available) and row.seen is not None and row.seen >= present_since} for row in rows]


def counsellors_free(url: str | None = None) -> int:
    """How many counsellors are there, available and under their maximum of chats: 0 means nobody can come."""
    present_since = utc_now() - PRESENT_WITHIN
    live = (select(handoff_requests.c.counsellor, func.count().label("chats"))
            .where(handoff_requests.c.status == Status.LIVE.value).group_by(handoff_requests.c.counsellor).subquery())
    seen = (select(staff_sessions.c.username).where(staff_sessions.c.last_seen_at >= present_since).distinct().subquery())
    query = (select(func.count()).select_from(staff_presence)
             .join(seen, seen.c.username == staff_presence.c.username)
             .join(staff_accounts, staff_accounts.c.username == staff_presence.c.username)
             .outerjoin(live, live.c.counsellor == staff_presence.c.username)
             .where(staff_presence.c.available.is_(True), staff_accounts.c.disabled.is_(False),
                    func.coalesce(live.c.chats, 0) < staff_presence.c.max_chats))
    with engine(url).connect() as conn:
        return conn.execute(query).scalar_one()


def display_name(username: str, url: str | None = None) -> str | None:
    """The name a child sees for this counsellor, if one was set (never the username: it may be a real name)."""
    with engine(url).connect() as conn:
        return conn.execute(select(staff_accounts.c.display_name).where(staff_accounts.c.username == username)).scalar()
