"""The anonymised contact log: one record per conversation session, for helpline statistics.

It holds no message text, no names and no ids that lead back to a child: a random contact id,
the start time rounded to the hour, taxonomy codes and attributes. While a session is active, a
separate link (`contact_sessions`: the conversation's keyed hash -> contact id) lets every turn
of that session land on the same record, even after a crash lost the conversation's own state;
the link is deleted when the session ends (quick exit, /forget, or SESSION_MINUTES of silence,
by the retention job), after which nothing joins a contact to a conversation. SQLite by default,
PostgreSQL through DATABASE_URL; queries are written in SQLAlchemy 2.0 style.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from bot.database import with_retry
from bot.tables import contact_categories, contact_sessions, contacts, handoff_requests
from bot.triage import OTHER, RISK_ORDER, max_risk

log = logging.getLogger(__name__)

OUTCOME_ORDER = ("abandoned", "info_given", "signposted", "referred", "counselled", "handed_off", "emergency_referral")
ATTRIBUTES = ("caller", "perpetrator", "platform", "time_since_event", "told_anyone")

# Rasa starts a new session (a new contact) after this much silence: domain.yml session_config.
SESSION_MINUTES = 60


# A new contact's columns before the first turn is merged in.
NEW_CONTACT = {
    "language": "unknown", "country": "unknown", "age_band": "unknown", "caller": "self", "perpetrator": "unknown",
    "platform": "unknown", "time_since_event": "unknown", "told_anyone": "unknown", "highest_risk": "none",
    "human_requested": False, "quick_exit": False, "outcome": "abandoned", "topics_covered": "",
}


@dataclass
class ContactUpdate:
    """What one bot turn learnt about a contact; merged into the stored record."""

    contact_id: str
    conversation: str  # the conversation's keyed hash: only for the session link and the queue
    channel: str
    language: str | None = None
    country: str | None = None
    age_band: str | None = None
    categories: dict[str, str | None] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    risk: str = "none"
    human_requested: bool = False
    outcome: str | None = None
    quick_exit: bool = False
    queue_for_counsellor: bool = False  # asked for, or urgent: the conversation goes in the handoff queue
    topics: tuple[str, ...] = ()  # topic flows the bot showed in this turn, for the counsellor who takes over


def hour_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, minute=0, second=0, microsecond=0)




def _merge_setting(old: str | None, new: str | None) -> str | None:
    if old in (None, "unknown") or old == new:
        return new if new is not None else old
    if new in (None, "unknown"):
        return old
    return "both"


def record_turn(change: ContactUpdate, url: str | None = None) -> None:
    """Merge one turn into the contact record (retrying while the database restarts)."""
    with_retry(lambda conn: merge_turn(conn, change), url)


def _session_contact(conn: Connection, change: ContactUpdate) -> str:
    """The contact of this conversation's active session (idempotent across crashes), or a new one."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    link = conn.execute(select(contact_sessions).where(contact_sessions.c.conversation == change.conversation)).first()
    if link is not None and link.last_turn_at >= now - timedelta(minutes=SESSION_MINUTES):
        contact_id = link.contact_id
        conn.execute(update(contact_sessions).where(contact_sessions.c.conversation == change.conversation).values(last_turn_at=now))
    else:
        contact_id = change.contact_id
        if link is not None:
            conn.execute(delete(contact_sessions).where(contact_sessions.c.conversation == change.conversation))
        conn.execute(contact_sessions.insert().values(conversation=change.conversation, contact_id=contact_id, last_turn_at=now))
    return contact_id


def merge_turn(conn: Connection, change: ContactUpdate) -> None:
    """Merge one turn into the contact record: categories add up, risk and outcome only rise."""
    change.contact_id = _session_contact(conn, change)
    row = conn.execute(select(contacts).where(contacts.c.id == change.contact_id)).mappings().first()
    if row is None:
        row = {**NEW_CONTACT, "id": change.contact_id, "started_hour": hour_now(), "channel": change.channel}
        conn.execute(contacts.insert().values(**row))
    values: dict[str, object] = {}
    for name in ("language", "country", "age_band"):
        value = getattr(change, name)
        if value and value != row[name]:
            values[name] = value
    for name in ATTRIBUTES:
        value = change.attributes.get(name)
        if value and row[name] in ("unknown", "self") and value != row[name]:
            values[name] = value
    if RISK_ORDER.index(change.risk) > RISK_ORDER.index(row["highest_risk"]):
        values["highest_risk"] = change.risk
    if change.human_requested and not row["human_requested"]:
        values["human_requested"] = True
    if change.quick_exit and not row["quick_exit"]:
        values["quick_exit"] = True
    if change.outcome and OUTCOME_ORDER.index(change.outcome) > OUTCOME_ORDER.index(row["outcome"]):
        values["outcome"] = change.outcome
    covered = [topic for topic in (row["topics_covered"] or "").split(",") if topic]
    new_topics = [topic for topic in change.topics if topic not in covered]
    if new_topics:
        values["topics_covered"] = ",".join(covered + new_topics)[:400]
    if values:
        conn.execute(update(contacts).where(contacts.c.id == change.contact_id).values(**values))
    if change.categories:
        _merge_categories(conn, change.contact_id, change.categories)
    if change.queue_for_counsellor:
        risk = max_risk(change.risk, row["highest_risk"])
        _queue_handoff(conn, change.contact_id, change.conversation, risk)
    if change.quick_exit:  # the session is over: a next message is a new contact
        conn.execute(delete(contact_sessions).where(contact_sessions.c.conversation == change.conversation))


def _merge_categories(conn: Connection, contact_id: str, incoming: dict[str, str | None]) -> None:
    """Add a turn's categories; "other" (anything else) stays only while the contact has no other reason."""
    existing = dict(
        conn.execute(
            select(contact_categories.c.code, contact_categories.c.setting).where(contact_categories.c.contact_id == contact_id)
        ).all()
    )
    incoming = dict(incoming)
    if incoming.keys() - {OTHER}:
        incoming.pop(OTHER, None)
        if OTHER in existing:
            del existing[OTHER]
            conn.execute(delete(contact_categories).where(contact_categories.c.contact_id == contact_id,
                                                          contact_categories.c.code == OTHER))
    elif existing.keys() - {OTHER}:
        return
    for code, setting in incoming.items():
        if code not in existing:
            conn.execute(contact_categories.insert().values(contact_id=contact_id, code=code, setting=setting))
        elif _merge_setting(existing[code], setting) != existing[code]:
            conn.execute(
                update(contact_categories)
                .where(contact_categories.c.contact_id == contact_id, contact_categories.c.code == code)
                .values(setting=_merge_setting(existing[code], setting))
            )


PRIORITY = {"urgent": 0, "high": 1}


def _queue_handoff(conn: Connection, contact_id: str, conversation: str, risk: str) -> None:
    """Queue the conversation for a counsellor; urgent risk goes to the front of the queue.

    A second request while waiting or live only raises the priority; one after the chat ended
    (or after the child left the line) queues the contact again, since the child was told so.
    """
    priority = PRIORITY.get(risk, 2)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    row = conn.execute(select(handoff_requests.c.priority, handoff_requests.c.status)
                       .where(handoff_requests.c.contact_id == contact_id)).first()
    if row is None:
        conn.execute(handoff_requests.insert().values(
            contact_id=contact_id, conversation=conversation, priority=priority, status="waiting", requested_at=now))
    elif row.status not in ("waiting", "live"):
        conn.execute(update(handoff_requests).where(handoff_requests.c.contact_id == contact_id).values(
            conversation=conversation, priority=priority, status="waiting", requested_at=now, counsellor=None,
            taken_at=None, ended_at=None, flagged=False))
    elif priority < row.priority:
        conn.execute(update(handoff_requests).where(handoff_requests.c.contact_id == contact_id).values(priority=priority))


def request_handoff(contact_id: str, conversation: str, risk: str, url: str | None = None) -> None:
    """Queue an existing contact for a counsellor (outside a bot turn, e.g. from a console)."""
    with_retry(lambda conn: _queue_handoff(conn, contact_id, conversation, risk), url)


def session_contact_id(conversation: str, url: str | None = None) -> str | None:
    """The contact of a conversation's active session (for the console and tests), or None."""
    return with_retry(
        lambda conn: conn.execute(
            select(contact_sessions.c.contact_id).where(contact_sessions.c.conversation == conversation)
        ).scalar(),
        url,
    )


def end_sessions(conversation: str | None = None, url: str | None = None, older_than_minutes: int | None = None) -> int:
    """Cut the link from conversations to their contacts: one (/forget) or every quiet one (retention)."""
    query = delete(contact_sessions)
    if conversation is not None:
        query = query.where(contact_sessions.c.conversation == conversation)
    if older_than_minutes is not None:
        cutoff = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(minutes=older_than_minutes)
        query = query.where(contact_sessions.c.last_turn_at < cutoff)
    return with_retry(lambda conn: conn.execute(query).rowcount or 0, url)


def load_contact(contact_id: str, url: str | None = None) -> dict | None:
    """A contact with its categories, for tests, exports and the console."""

    def work(conn: Connection) -> dict | None:
        row = conn.execute(select(contacts).where(contacts.c.id == contact_id)).mappings().first()
        if row is None:
            return None
        cats = conn.execute(
            select(contact_categories.c.code, contact_categories.c.setting).where(
                contact_categories.c.contact_id == contact_id
            )
        ).all()
        return {**dict(row), "categories": {code: setting for code, setting in cats}}

    return with_retry(work, url)
