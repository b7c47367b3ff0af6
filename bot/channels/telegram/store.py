"""Durable Telegram state in the contact log's database (SQLite or PostgreSQL). Update contents, replies and chat ids
are sealed with Fernet (AES-128-CBC, HMAC-SHA256) under a key derived from the pseudonym secret, never stored here.

- `telegram_updates`: each update, stored before Telegram is acknowledged (nothing is lost); once handled
  it is kept without its content, so a duplicate delivery is recognised.
- `telegram_outbox`: replies waiting to be sent, in order.
- `telegram_chats`: the one place the chat id lives, by the conversation's keyed hash; gone on retention and /forget.
- `telegram_sent`: the bot's recent message ids and the buttons each carried: /exit deletes those messages,
  and a button press counts only if that message offered that button.
- `telegram_leases`: which process works a chat, so servers on one database (webhook mode behind a load
  balancer) never work one chat at once; a crashed server's chats are taken over when its lease runs out.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.database import engine, with_retry
from bot.sealing import fernet
from bot.tables import telegram_chats, telegram_leases, telegram_outbox, telegram_sent, telegram_updates

updates, outbox, chats, sent, leases = telegram_updates, telegram_outbox, telegram_chats, telegram_sent, telegram_leases

# Telegram redelivers an unacknowledged update for at most a day: a week of ids is plenty.
DEDUPE_SECONDS = 7 * 86400
# A bot can delete its own messages for 48 hours.
DELETABLE_SECONDS = 48 * 3600
MAX_ATTEMPTS = 8
LEASE_SECONDS = 30.0


def _fernet() -> Fernet:
    return fernet(b"telegram-store-v1")


def seal(value: Any) -> bytes:
    return _fernet().encrypt(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def unseal(token: bytes) -> Any:
    return json.loads(_fernet().decrypt(bytes(token)))


def backoff(attempts: int) -> float:
    """Seconds to wait before attempt number `attempts + 1`: 1, 2, 4 ... at most a minute."""
    return float(min(60, 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Pending:
    update_id: int
    update: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class Outgoing:
    id: int
    message: dict[str, Any]
    attempts: int
    chat_id: int | None  # None: the chat was forgotten or purged


class TelegramStore:
    """All Telegram tables; every method is one short transaction (retried while the database restarts)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url
        engine(url)  # the schema is brought up to date on first use

    def _run(self, work: Any) -> Any:
        return with_retry(work, self.url)

    def _run_false_on_duplicate(self, work: Any) -> bool:
        try:
            return self._run(work)
        except IntegrityError:
            return False

    # --- who works a chat -------------------------------------------------------------------
    def claim(self, conversation: str, owner: str, now: float | None = None) -> bool:
        """Take or renew this process's lease on a chat; False while another process holds it."""
        now = time.time() if now is None else now

        def work(conn: Connection) -> bool:
            row = conn.execute(
                select(leases.c.owner, leases.c.expires_at).where(leases.c.conversation == conversation).with_for_update()
            ).first()
            if row is None:
                conn.execute(leases.insert().values(conversation=conversation, owner=owner, expires_at=now + LEASE_SECONDS))
                return True
            if row.owner != owner and row.expires_at > now:
                return False
            conn.execute(update(leases).where(leases.c.conversation == conversation).values(
                owner=owner, expires_at=now + LEASE_SECONDS,
            ))
            return True

        return self._run_false_on_duplicate(work)  # False when another process took the lease at the same moment

    def release(self, conversation: str, owner: str) -> None:
        self._run(lambda conn: conn.execute(delete(leases).where(leases.c.conversation == conversation, leases.c.owner == owner)))

    # --- updates -------------------------------------------------------------------------
    def add_update(self, update_id: int, conversation: str, update_json: dict[str, Any], now: float | None = None) -> bool:
        """Store an update before it is acknowledged; False when this update_id was seen before."""
        now = time.time() if now is None else now

        def work(conn: Connection) -> bool:
            if conn.execute(select(updates.c.update_id).where(updates.c.update_id == update_id)).first():
                return False
            conn.execute(updates.insert().values(
                update_id=update_id, conversation=conversation, payload=seal(update_json), status="pending",
                attempts=0, received_at=now, next_attempt_at=now,
            ))
            return True

        return self._run_false_on_duplicate(work)  # False when another request stored the same update at once

    def busy_conversations(self, limit: int = 200) -> list[tuple[str, float]]:
        """Conversations with waiting work (updates or replies), with when each is next due."""

        def work(conn: Connection) -> list[tuple[str, float]]:
            due: dict[str, float] = {}
            pending = (
                select(updates.c.conversation, func.min(updates.c.next_attempt_at))
                .where(updates.c.status == "pending").group_by(updates.c.conversation).limit(limit)
            )
            waiting = select(outbox.c.conversation, func.min(outbox.c.next_attempt_at)).group_by(outbox.c.conversation).limit(limit)
            for conversation, when in [*conn.execute(pending).all(), *conn.execute(waiting).all()]:
                due[conversation] = min(when, due.get(conversation, when))
            return sorted(due.items(), key=lambda item: item[1])

        return self._run(work)

    def next_update(self, conversation: str) -> tuple[Pending | None, float | None]:
        """The conversation's oldest unhandled update, or (None, when it is due) while it waits to be retried."""

        def work(conn: Connection) -> tuple[Pending | None, float | None]:
            row = conn.execute(
                select(updates.c.update_id, updates.c.payload, updates.c.attempts, updates.c.next_attempt_at)
                .where(updates.c.status == "pending", updates.c.conversation == conversation)
                .order_by(updates.c.update_id).limit(1)
            ).first()
            if row is None:
                return None, None
            if row.next_attempt_at > time.time():
                return None, row.next_attempt_at
            try:
                content = unseal(row.payload)
            except (InvalidToken, ValueError):
                content = {}  # sealed under another key: nothing can be done with it
            return Pending(row.update_id, content, row.attempts), None

        return self._run(work)

    def finish_update(
        self, update_id: int, conversation: str, replies: list[dict[str, Any]],
        chat_id: int | None = None, language: str | None = None, status: str = "done",
    ) -> None:
        """Mark an update handled, queue its replies and refresh the chat mapping, in one transaction."""
        now = time.time()

        def work(conn: Connection) -> None:
            conn.execute(update(updates).where(updates.c.update_id == update_id).values(status=status, payload=None))
            for reply in replies:
                conn.execute(outbox.insert().values(
                    conversation=conversation, payload=seal(reply), attempts=0, created_at=now, next_attempt_at=now,
                ))
            if chat_id is not None:
                self._remember_chat(conn, conversation, chat_id, language, now)

        self._run(work)

    def retry_update(self, update_id: int, attempts: int) -> None:
        self._run(lambda conn: conn.execute(
            update(updates).where(updates.c.update_id == update_id)
            .values(attempts=attempts, next_attempt_at=time.time() + backoff(attempts))
        ))

    # --- replies -------------------------------------------------------------------------
    def next_reply(self, conversation: str) -> tuple[Outgoing | None, float | None]:
        """The conversation's oldest queued reply with the chat to send it to, in one query."""

        def work(conn: Connection) -> tuple[Outgoing | None, float | None]:
            row = conn.execute(
                select(outbox.c.id, outbox.c.payload, outbox.c.attempts, outbox.c.next_attempt_at, chats.c.chat_id)
                .outerjoin(chats, chats.c.conversation == outbox.c.conversation)
                .where(outbox.c.conversation == conversation).order_by(outbox.c.id).limit(1)
            ).first()
            if row is None:
                return None, None
            if row.next_attempt_at > time.time():
                return None, row.next_attempt_at
            chat_id = int(unseal(row.chat_id)) if row.chat_id is not None else None
            return Outgoing(row.id, unseal(row.payload), row.attempts, chat_id), None

        return self._run(work)

    def queue_reply(self, conversation: str, reply: dict[str, Any]) -> None:
        """A message outside a bot turn (a counsellor's, in a live chat) into the chat's outbox."""
        now = time.time()
        self._run(lambda conn: conn.execute(outbox.insert().values(
            conversation=conversation, payload=seal(reply), attempts=0, created_at=now, next_attempt_at=now)))

    def reply_sent(self, reply_id: int, conversation: str, message_ids: list[int], buttons: list[str]) -> None:
        """Drop a sent reply from the outbox and remember its message ids (buttons on the last)."""
        now = time.time()

        def work(conn: Connection) -> None:
            conn.execute(delete(outbox).where(outbox.c.id == reply_id))
            for index, message_id in enumerate(message_ids):
                carried = ",".join(buttons) if index == len(message_ids) - 1 else ""
                conn.execute(sent.insert().values(conversation=conversation, message_id=message_id, buttons=carried, sent_at=now))

        self._run(work)

    def reply_progress(self, reply_id: int, conversation: str, message_ids: list[int], rest: dict[str, Any], attempts: int) -> None:
        """Part of a long reply went out before a failure: remember those parts, retry the rest in place."""
        now = time.time()

        def work(conn: Connection) -> None:
            for message_id in message_ids:
                conn.execute(sent.insert().values(conversation=conversation, message_id=message_id, buttons="", sent_at=now))
            conn.execute(update(outbox).where(outbox.c.id == reply_id).values(
                payload=seal(rest), attempts=attempts, next_attempt_at=now + backoff(attempts),
            ))

        self._run(work)

    def retry_reply(self, reply_id: int, attempts: int) -> None:
        self._run(lambda conn: conn.execute(
            update(outbox).where(outbox.c.id == reply_id).values(attempts=attempts, next_attempt_at=time.time() + backoff(attempts))
        ))

    def drop_replies(self, conversation: str) -> int:
        """Give up on a conversation's unsent replies: the chat is gone or blocked the bot."""
        return self._run(lambda conn: conn.execute(delete(outbox).where(outbox.c.conversation == conversation)).rowcount or 0)

    # --- the chat and what the bot sent there ----------------------------------------------
    @staticmethod
    def _remember_chat(conn: Connection, conversation: str, chat_id: int, language: str | None, now: float) -> None:
        row = conn.execute(select(chats.c.language).where(chats.c.conversation == conversation)).first()
        if row is None:
            conn.execute(chats.insert().values(conversation=conversation, chat_id=seal(chat_id), language=language, updated_at=now))
        else:
            conn.execute(update(chats).where(chats.c.conversation == conversation).values(
                language=language or row.language, updated_at=now,
            ))

    def chat(self, conversation: str) -> tuple[int, str | None] | None:
        """(chat id, language) for a conversation, or None when it was forgotten or purged."""
        row = self._run(lambda conn: conn.execute(
            select(chats.c.chat_id, chats.c.language).where(chats.c.conversation == conversation)
        ).first())
        return (int(unseal(row.chat_id)), row.language) if row else None

    def offered_buttons(self, conversation: str, message_id: int) -> list[str]:
        """The button ids the bot's message `message_id` in this chat offered (none if unknown)."""
        row = self._run(lambda conn: conn.execute(
            select(sent.c.buttons).where(sent.c.conversation == conversation, sent.c.message_id == message_id)
        ).first())
        return [b for b in row.buttons.split(",") if b] if row else []

    def recent_messages(self, conversation: str, now: float | None = None) -> list[int]:
        """The bot's messages in this chat that it can still delete, oldest first."""
        since = (time.time() if now is None else now) - DELETABLE_SECONDS
        rows = self._run(lambda conn: conn.execute(
            select(sent.c.message_id).where(sent.c.conversation == conversation, sent.c.sent_at >= since).order_by(sent.c.message_id)
        ).all())
        return [row.message_id for row in rows]

    @staticmethod
    def _drop_sent_and_unsent(conn: Connection, conversation: str) -> None:
        conn.execute(delete(sent).where(sent.c.conversation == conversation))
        conn.execute(delete(outbox).where(outbox.c.conversation == conversation))

    def forget_messages(self, conversation: str) -> None:
        """After /exit: the deleted messages and any unsent replies are gone."""
        self._run(lambda conn: self._drop_sent_and_unsent(conn, conversation))

    def forget_chat(self, conversation: str, up_to_update: int) -> None:
        """/forget: the chat mapping, sent ids, unsent replies and handled updates' link to it; later updates are still handled."""

        def work(conn: Connection) -> None:
            conn.execute(delete(chats).where(chats.c.conversation == conversation))
            self._drop_sent_and_unsent(conn, conversation)
            conn.execute(
                update(updates).where(updates.c.conversation == conversation, updates.c.update_id <= up_to_update)
                .values(conversation="forgotten", payload=None, status="done")
            )

        self._run(work)

    # --- retention -----------------------------------------------------------------------
    def purge(self, retention_days: int, now: float | None = None) -> int:
        """Delete handled update ids after a week, chats and unsent replies after retention, undeletable message ids."""
        now = time.time() if now is None else now
        keep_from = now - retention_days * 86400

        def work(conn: Connection) -> int:
            removed = conn.execute(delete(updates).where(
                updates.c.received_at < now - DEDUPE_SECONDS, updates.c.status != "pending"
            )).rowcount or 0
            removed += conn.execute(delete(updates).where(updates.c.received_at < keep_from)).rowcount or 0
            removed += conn.execute(delete(chats).where(chats.c.updated_at < keep_from)).rowcount or 0
            removed += conn.execute(delete(outbox).where(outbox.c.created_at < keep_from)).rowcount or 0
            removed += conn.execute(delete(sent).where(sent.c.sent_at < now - DELETABLE_SECONDS)).rowcount or 0
            conn.execute(delete(leases).where(leases.c.expires_at < now - 3600))
            return removed

        return self._run(work)

    def counts(self) -> dict[str, int]:
        """Row counts per table (for tests and the health of a deployment)."""

        def work(conn: Connection) -> dict[str, int]:
            result = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (updates, outbox, chats, sent)}
            result["pending_updates"] = conn.execute(
                select(func.count()).select_from(updates).where(updates.c.status == "pending")
            ).scalar_one()
            return result

        return self._run(work)
