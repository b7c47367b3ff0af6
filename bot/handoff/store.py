"""The live handoff in the database: the queue, the atomic take, a live chat's sealed messages,
transfer, the end with the counsellor's coding, and counsellors' availability.

Every state change is one conditional UPDATE, so two counsellors (on one server or several) can
never both take a child, and a chat that ended cannot be written into. A request is known to
staff by its own number; the conversation hash never leaves this module except to the relay,
which needs it to reach the child.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select

from bot.database import engine, with_retry
from bot.sealing import fernet
from bot.staff import utc_now
from bot.tables import (
    contact_categories,
    contact_sessions,
    contacts,
    counsellor_categories,
    counsellor_codings,
    handoff_messages,
    handoff_requests,
    staff_accounts,
)

RISK = {0: "urgent", 1: "high", 2: "normal"}
TRIAGE_FIELDS = ("channel", "language", "country", "age_band", "highest_risk", "platform", "perpetrator",
                 "told_anyone", "time_since_event", "caller", "human_requested", "topics_covered")
SEAL_PURPOSE = b"handoff-messages"  # the key is derived on first use (fernet caches it), not at import


class Status(str, Enum):
    WAITING = "waiting"
    LIVE = "live"
    CHILD_LEFT = "child_left"  # quick exit, /exit, /forget or a closed page, before the counsellor ended it
    ENDED = "ended"
    CANCELLED = "cancelled"  # the child left the queue


OPEN = (Status.WAITING.value, Status.LIVE.value)


@dataclass(frozen=True)
class QueueItem:
    id: int
    status: str
    risk: str
    waiting_seconds: int
    counsellor: str | None
    flagged: bool
    triage: dict[str, object]
    categories: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Chat:
    """What the relay and the console need to know of one request."""

    id: int
    conversation: str
    status: str
    counsellor: str | None
    contact_id: str
    channel: str
    language: str
    country: str


@dataclass(frozen=True)
class Message:
    seq: int
    sender: str  # child | bot | counsellor | system
    text: str
    at: datetime
    urgent: str | None = None


# --- the queue ------------------------------------------------------------------------------------
def queue(username: str | None = None, url: str | None = None) -> tuple[list[QueueItem], list[QueueItem]]:
    """(waiting, live): waiting by risk then the longest wait; live chats of `username`, or all (None)."""
    now = utc_now()
    columns = [contacts.c[name] for name in TRIAGE_FIELDS]
    query = (
        select(handoff_requests, contacts.c.id.label("contact"), *columns)
        .join(contacts, contacts.c.id == handoff_requests.c.contact_id)
        .where(handoff_requests.c.status.in_((*OPEN, Status.CHILD_LEFT.value)))
        .order_by(handoff_requests.c.priority, handoff_requests.c.requested_at)
    )
    with engine(url).connect() as conn:
        rows = [row for row in conn.execute(query).all()
                if row.status == Status.WAITING.value or username is None or row.counsellor == username]
        ids = [row.contact for row in rows]
        found: dict[str, dict[str, str | None]] = {}
        if ids:
            for row in conn.execute(select(contact_categories).where(contact_categories.c.contact_id.in_(ids))):
                found.setdefault(row.contact_id, {})[row.code] = row.setting
    items = [QueueItem(
        id=row.id, status=row.status, risk=RISK.get(row.priority, "normal"),
        waiting_seconds=max(0, int(((row.taken_at or now) - row.requested_at).total_seconds())),
        counsellor=row.counsellor, flagged=bool(row.flagged),
        triage={name: getattr(row, name) for name in TRIAGE_FIELDS}, categories=found.get(row.contact, {}),
    ) for row in rows]
    waiting = [item for item in items if item.status == Status.WAITING.value]
    live = [item for item in items if item.status != Status.WAITING.value and item.counsellor]
    return waiting, live


def chat(request_id: int, url: str | None = None) -> Chat | None:
    return _first(_with_contact().where(handoff_requests.c.id == request_id), url)


def live_chat(conversation: str, url: str | None = None) -> Chat | None:
    """The live chat a child's conversation is in, if any: one indexed lookup per message."""
    return _first(_with_contact().where(
        handoff_requests.c.conversation == conversation, handoff_requests.c.status == Status.LIVE.value), url)


def _first(query: Select, url: str | None) -> Chat | None:
    with engine(url).connect() as conn:
        row = conn.execute(query).first()
    return _chat(row) if row else None


def waiting_position(conversation: str, url: str | None = None) -> int | None:
    """1 for the next child to be taken; None when this conversation is not waiting."""
    mine = (select(handoff_requests.c.priority, handoff_requests.c.requested_at)
            .where(handoff_requests.c.conversation == conversation, handoff_requests.c.status == Status.WAITING.value))
    with engine(url).connect() as conn:
        row = conn.execute(mine).first()
        if row is None:
            return None
        ahead = conn.execute(select(func.count()).select_from(handoff_requests).where(
            handoff_requests.c.status == Status.WAITING.value,
            or_(handoff_requests.c.priority < row.priority,
                and_(handoff_requests.c.priority == row.priority, handoff_requests.c.requested_at < row.requested_at)),
        )).scalar_one()
    return ahead + 1


def waiting_chats(url: str | None = None) -> list[Chat]:
    """Every waiting child, in the order they will be taken (their place is their index + 1)."""
    query = (_with_contact().where(handoff_requests.c.status == Status.WAITING.value)
             .order_by(handoff_requests.c.priority, handoff_requests.c.requested_at))
    with engine(url).connect() as conn:
        return [_chat(row) for row in conn.execute(query).all()]


def typical_wait_minutes(url: str | None = None) -> int | None:
    """The median wait of the last 20 children taken in the past week, in whole minutes (at least 1);
    None with fewer than 3 to go on: then the child is told honestly that nobody can say."""
    since = utc_now() - timedelta(days=7)
    query = (select(handoff_requests.c.requested_at, handoff_requests.c.taken_at)
             .where(handoff_requests.c.taken_at.is_not(None), handoff_requests.c.taken_at >= since)
             .order_by(handoff_requests.c.taken_at.desc()).limit(20))
    with engine(url).connect() as conn:
        waits = sorted((row.taken_at - row.requested_at).total_seconds() for row in conn.execute(query))
    if len(waits) < 3:
        return None
    return max(1, -(-int(waits[len(waits) // 2]) // 60))


def record_feedback(conversation: str, answer: str, url: str | None = None) -> Chat | None:
    """The child's "was this helpful?" on their contact record (anonymous: no words, no ids); the
    contact's channel and language for the thanks, or None when the session is over."""
    def work(conn: Connection) -> Chat | None:
        row = conn.execute(
            select(contacts.c.id, contacts.c.channel, contacts.c.language, contacts.c.country)
            .join(contact_sessions, contact_sessions.c.contact_id == contacts.c.id)
            .where(contact_sessions.c.conversation == conversation)).first()
        if row is None:
            return None
        conn.execute(update(contacts).where(contacts.c.id == row.id).values(helpful=answer))
        return Chat(id=0, conversation=conversation, status=Status.ENDED.value, counsellor=None, contact_id=row.id,
                    channel=row.channel, language=row.language, country=row.country)

    return with_retry(work, url)


def cancel_waiting(conversation: str, url: str | None = None) -> bool:
    """The child asked to leave the queue: True if they were in it."""
    return with_retry(lambda conn: conn.execute(update(handoff_requests).where(
        handoff_requests.c.conversation == conversation, handoff_requests.c.status == Status.WAITING.value,
    ).values(status=Status.CANCELLED.value, ended_at=utc_now())).rowcount == 1, url)


def _with_contact() -> Select:
    """A request with what the relay needs of its contact: the channel, language and country."""
    return (select(handoff_requests, contacts.c.channel, contacts.c.language, contacts.c.country)
            .join(contacts, contacts.c.id == handoff_requests.c.contact_id))


def _chat(row: object) -> Chat:
    return Chat(id=row.id, conversation=row.conversation, status=row.status, counsellor=row.counsellor,  # type: ignore[attr-defined]
                contact_id=row.contact_id, channel=row.channel, language=row.language, country=row.country)  # type: ignore[attr-defined]


# --- taking, transferring, ending ---------------------------------------------------------------------
def take(request_id: int, username: str, transcript: list[tuple[str, str]], url: str | None = None) -> bool:
    """Claim a waiting request atomically; the bot's transcript (sender, text) is stored with it."""
    now = utc_now()

    def work(conn: Connection) -> bool:
        claimed = conn.execute(
            update(handoff_requests)
            .where(handoff_requests.c.id == request_id, handoff_requests.c.status == Status.WAITING.value)
            .values(status=Status.LIVE.value, counsellor=username, taken_at=now)
        ).rowcount
        if claimed != 1:
            return False
        if transcript:
            conn.execute(insert(handoff_messages), [
                {"request_id": request_id, "sender": sender, "body": fernet(SEAL_PURPOSE).encrypt(text.encode()), "at": now}
                for sender, text in transcript])
        return True

    return with_retry(work, url)


def transfer(request_id: int, from_username: str | None, to_username: str, url: str | None = None) -> bool:
    """Hand a live chat to another counsellor; `from_username` None lets a supervisor move anyone's."""
    condition = [handoff_requests.c.id == request_id, handoff_requests.c.status == Status.LIVE.value]
    if from_username is not None:
        condition.append(handoff_requests.c.counsellor == from_username)

    def work(conn: Connection) -> bool:
        active = conn.execute(select(staff_accounts.c.id).where(
            staff_accounts.c.username == to_username, staff_accounts.c.disabled.is_(False),
            staff_accounts.c.role.in_(("counsellor", "supervisor")))).first()
        return active is not None and conn.execute(
            update(handoff_requests).where(*condition).values(counsellor=to_username)).rowcount == 1

    return with_retry(work, url)


@dataclass(frozen=True)
class Coding:
    """The counsellor's wrap-up of a contact."""

    categories: dict[str, str | None]
    attributes: dict[str, str]
    outcome: str


def end(request_id: int, username: str | None, coding: Coding, url: str | None = None) -> Chat | None:
    """End a live (or child-left) chat: store the coding beside the bot's, delete its messages.

    Returns the chat as it was (for telling the child), or None when it was not this counsellor's
    to end (`username` None: a supervisor ends anyone's)."""
    now = utc_now()

    def work(conn: Connection) -> Chat | None:
        found = conn.execute(_with_contact().where(
            handoff_requests.c.id == request_id,
            handoff_requests.c.status.in_((Status.LIVE.value, Status.CHILD_LEFT.value)))).first()
        if found is None or (username is not None and found.counsellor != username):
            return None
        ended = conn.execute(update(handoff_requests).where(
            handoff_requests.c.id == request_id, handoff_requests.c.status == found.status,
        ).values(status=Status.ENDED.value, ended_at=now, conversation="")).rowcount
        if ended != 1:
            return None
        contact = found.contact_id
        conn.execute(delete(counsellor_categories).where(counsellor_categories.c.contact_id == contact))
        conn.execute(delete(counsellor_codings).where(counsellor_codings.c.contact_id == contact))
        conn.execute(insert(counsellor_codings).values(
            contact_id=contact, outcome=coding.outcome, coded_on=now.replace(hour=0, minute=0, second=0, microsecond=0),
            **coding.attributes))
        if coding.categories:
            conn.execute(insert(counsellor_categories), [
                {"contact_id": contact, "code": code, "setting": setting} for code, setting in coding.categories.items()])
        conn.execute(update(contacts).where(contacts.c.id == contact).values(outcome="counselled"))
        conn.execute(delete(handoff_messages).where(handoff_messages.c.request_id == request_id))
        return _chat(found)

    return with_retry(work, url)


def child_left(conversation: str, url: str | None = None) -> list[int]:
    """The child left (quick exit, /exit, /forget, closed page): a waiting request is cancelled, a
    live one is marked so the counsellor sees it at once. Returns the requests that changed."""
    def work(conn: Connection) -> list[int]:
        rows = conn.execute(select(handoff_requests.c.id, handoff_requests.c.status).where(
            handoff_requests.c.conversation == conversation, handoff_requests.c.status.in_(OPEN))).all()
        for row in rows:
            status = Status.CHILD_LEFT if row.status == Status.LIVE.value else Status.CANCELLED
            conn.execute(update(handoff_requests).where(handoff_requests.c.id == row.id).values(
                status=status.value, **({"ended_at": utc_now()} if status is Status.CANCELLED else {})))
        return [row.id for row in rows]

    return with_retry(work, url)


def forget(conversation: str, url: str | None = None) -> list[int]:
    """/forget: the child leaves, the conversation's messages go and nothing links a request to it."""
    def work(conn: Connection) -> list[int]:
        ids = list(conn.execute(select(handoff_requests.c.id).where(handoff_requests.c.conversation == conversation)).scalars())
        if ids:
            conn.execute(delete(handoff_messages).where(handoff_messages.c.request_id.in_(ids)))
            conn.execute(update(handoff_requests).where(handoff_requests.c.id.in_(ids), handoff_requests.c.status == "live")
                         .values(status=Status.CHILD_LEFT.value))
            conn.execute(update(handoff_requests).where(handoff_requests.c.id.in_(ids), handoff_requests.c.status == "waiting")
                         .values(status=Status.CANCELLED.value, ended_at=utc_now()))
            conn.execute(update(handoff_requests).where(handoff_requests.c.id.in_(ids)).values(conversation=""))
        return ids

    return with_retry(work, url)


# --- messages ---------------------------------------------------------------------------------------
def add_message(request_id: int, sender: str, text: str, urgent: str | None = None, url: str | None = None,
                only_if_live: bool = False) -> int | None:
    """Store one message of a chat; its seq, or None when `only_if_live` and the chat is not live."""
    def work(conn: Connection) -> int | None:
        if only_if_live and conn.execute(select(handoff_requests.c.status).where(
                handoff_requests.c.id == request_id)).scalar() != Status.LIVE.value:
            return None
        if urgent:
            conn.execute(update(handoff_requests).where(handoff_requests.c.id == request_id).values(flagged=True))
        return conn.execute(insert(handoff_messages).values(
            request_id=request_id, sender=sender, body=fernet(SEAL_PURPOSE).encrypt(text.encode()), urgent=urgent, at=utc_now(),
        )).inserted_primary_key[0]

    return with_retry(work, url)


def messages_after(request_id: int, after: int, limit: int = 200, url: str | None = None) -> list[Message]:
    query = (select(handoff_messages).where(handoff_messages.c.request_id == request_id, handoff_messages.c.seq > after)
             .order_by(handoff_messages.c.seq).limit(limit))
    with engine(url).connect() as conn:
        rows = conn.execute(query).all()
    return [Message(row.seq, row.sender, fernet(SEAL_PURPOSE).decrypt(row.body).decode(), row.at, row.urgent) for row in rows]


def purge_messages(older_than: timedelta, url: str | None = None) -> int:
    """Retention: messages of chats that are no longer live, and of any chat idle that long."""
    cutoff = utc_now() - older_than
    closed = select(handoff_requests.c.id).where(handoff_requests.c.status.notin_(OPEN))
    return with_retry(lambda conn: conn.execute(delete(handoff_messages).where(
        or_(handoff_messages.c.request_id.in_(closed), handoff_messages.c.at < cutoff))).rowcount or 0, url)
