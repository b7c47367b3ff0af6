"""The counsellors' queue: waiting handoff requests with the bot's triage, most urgent first.

Read-only for now (the console's take, live chat and wrap-up come next). It never exposes the
conversation hash: a request is known by its own number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select

from bot.contact_log import engine
from bot.tables import contact_categories, contacts, handoff_requests

TRIAGE_FIELDS = ("channel", "language", "country", "age_band", "highest_risk", "platform", "perpetrator",
                 "told_anyone", "time_since_event", "caller", "human_requested")


@dataclass(frozen=True)
class QueueEntry:
    request: int
    priority: int  # 0 urgent, 1 high, 2 normal
    waiting_seconds: int
    triage: dict[str, object]
    categories: dict[str, str | None] = field(default_factory=dict)  # code -> online / offline / both / None


def waiting(url: str | None = None) -> list[QueueEntry]:
    """Every waiting request: by priority, then the longest wait first."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    columns = [contacts.c[name] for name in TRIAGE_FIELDS]
    query = (
        select(handoff_requests.c.id, handoff_requests.c.priority, handoff_requests.c.requested_at, contacts.c.id.label("contact"),
               *columns)
        .join(contacts, contacts.c.id == handoff_requests.c.contact_id)
        .where(handoff_requests.c.status == "waiting")
        .order_by(handoff_requests.c.priority, handoff_requests.c.requested_at)
    )
    with engine(url).connect() as conn:
        rows = conn.execute(query).all()
        ids = [row.contact for row in rows]
        found: dict[str, dict[str, str | None]] = {}
        if ids:
            for row in conn.execute(select(contact_categories).where(contact_categories.c.contact_id.in_(ids))):
                found.setdefault(row.contact_id, {})[row.code] = row.setting
    return [QueueEntry(
        request=row.id, priority=row.priority, waiting_seconds=max(0, int((now - row.requested_at).total_seconds())),
        triage={name: getattr(row, name) for name in TRIAGE_FIELDS}, categories=found.get(row.contact, {}),
    ) for row in rows]
