"""Turning stored Telegram updates into Rasa turns and Rasa's replies into Telegram messages.

Every update is first stored (bot.channels.telegram.store), then acknowledged; this worker takes
them from the store. Each chat is worked by at most one task at a time, in one process at a time
(a lease in the database), oldest update first, and a chat's replies are sent in order before
its next update is taken. A failure leaves
the update or reply in the store to be retried with back-off; a crash loses nothing, because
an update is marked handled, and its replies queued, in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from telegram import BotCommand
from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError
from telegram.ext import ExtBot

from bot import contact_log, retention
from bot.buttons import BUTTON_PAYLOADS
from bot.channels.failsafe import answered_in_time, failsafe_reply
from bot.channels.inbound import MEDIA_PAYLOAD, QUICK_EXIT_PAYLOAD, inbound_metadata, inbound_text
from bot.channels.telegram.client import POLL_TIMEOUT
from bot.channels.telegram.live import outbox_message, relayed
from bot.channels.telegram.numbers_now import NumbersNow
from bot.channels.telegram.replies import CHANNEL, ReplyCollector, keyboard, plain
from bot.channels.telegram.store import LEASE_SECONDS, MAX_ATTEMPTS, Outgoing, Pending, TelegramStore
from bot.channels.telegram.updates import ALLOWED_UPDATES, Incoming, chat_of, classify, minimise, split_message, to_html
from bot.handoff import store as handoff_store
from bot.handoff.relay import relay
from bot.locales import catalog
from bot.pseudonym import pseudonymise
from bot.settings import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, TelegramSettings

log = logging.getLogger(__name__)
CONCURRENT_CHATS = 64  # chats worked at once; most of the time each is waiting on its one-a-second pace
TELEGRAM_COMMANDS = ("sos", "start", "help", "language", "exit", "forget")


def conversation_of(chat_id: int) -> str:
    """The keyed hash that stands for a chat everywhere: in Rasa, the store and the contact log."""
    return pseudonymise(CHANNEL, str(chat_id))


def _language(value: str | None) -> str | None:
    return value if value in SUPPORTED_LANGUAGES else None


class TelegramWorker:
    """Receives updates (webhook or long polling), stores them, and works them off per chat."""

    def __init__(
        self, settings: TelegramSettings, store: TelegramStore, bot: ExtBot,
        handle_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        self.settings = settings
        self.store = store
        self.bot = bot
        self.numbers_now = NumbersNow(bot)  # past the store, when it would keep an urgent message waiting
        self.handle_message = handle_message
        self.ready = asyncio.Event()
        self._wake = asyncio.Event()
        self._busy: set[str] = set()
        self._owner = uuid.uuid4().hex  # this process, in telegram_leases
        self._held_elsewhere: dict[str, float] = {}  # chat -> when to ask for its lease again
        self._slots = asyncio.Semaphore(CONCURRENT_CHATS)
        self._tasks: set[asyncio.Task] = set()
        self._running = False

    # --- life cycle --------------------------------------------------------------------------
    def start(self) -> None:
        self._running = True
        self._spawn(self._connect())
        self._spawn(self._dispatch())

    async def stop(self) -> None:
        self._running = False
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.bot.shutdown()

    def _spawn(self, coroutine: Awaitable[Any]) -> asyncio.Task:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def wake(self) -> None:
        self._wake.set()

    async def _connect(self) -> None:
        """getMe, the localised command menu, and the webhook or polling; retried until Telegram answers."""
        delay = 1.0
        while self._running:
            try:
                await self.bot.initialize()
                await self._set_commands()
                if self.settings.mode == "webhook":
                    await self.bot.set_webhook(
                        self.settings.webhook_url, secret_token=self.settings.webhook_secret,
                        allowed_updates=list(ALLOWED_UPDATES), max_connections=40,
                    )
                else:
                    await self.bot.delete_webhook(drop_pending_updates=False)
                break
            except InvalidToken:
                log.error("telegram: the Bot API refused TELEGRAM_BOT_TOKEN; the Telegram channel is off")
                return
            except TelegramError as exc:
                log.warning("telegram: cannot reach the Bot API yet (%s), retrying in %.0f s", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(60.0, delay * 2)
        log.info("telegram: connected in %s mode", self.settings.mode)
        self.ready.set()
        self.wake()
        if self.settings.mode == "polling":
            await self._poll()

    async def _set_commands(self) -> None:
        for lang in SUPPORTED_LANGUAGES:
            texts = catalog().telegram[lang]["commands"]
            commands = [BotCommand(name, texts[name]) for name in TELEGRAM_COMMANDS]
            await self.bot.set_my_commands(commands, language_code=None if lang == DEFAULT_LANGUAGE else lang)

    # --- receiving -----------------------------------------------------------------------------
    async def ingest(self, update: dict[str, Any]) -> bool:
        """Store one update (before it is acknowledged). False if it was a duplicate or not for us."""
        found = chat_of(update)
        update_id = update.get("update_id")
        if found is None or not isinstance(update_id, int):
            return False
        stored = await asyncio.to_thread(self.store.add_update, update_id, conversation_of(found[0]), minimise(update))
        if stored:
            self.wake()
        return stored

    async def _poll(self) -> None:
        """Long polling: an update is acknowledged (by the next getUpdates offset) only once stored."""
        offset: int | None = None
        delay = 1.0
        while self._running:
            try:
                batch = await self.bot.get_updates(
                    offset=offset, timeout=POLL_TIMEOUT, allowed_updates=list(ALLOWED_UPDATES),
                    read_timeout=POLL_TIMEOUT + 10,
                )
                for index, item in enumerate(batch):
                    try:
                        await self.ingest(item.to_dict())
                    except Exception:  # not stored, so fetched again later; urgent ones get the numbers now
                        for unstored in batch[index:]:
                            await self.numbers_now.unstored(unstored.to_dict())
                        raise
                    offset = item.update_id + 1
                delay = 1.0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - network, Telegram or database: wait and poll again
                log.warning("telegram: polling failed (%s), retrying in %.0f s", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(30.0, delay * 2)

    # --- working off the store -------------------------------------------------------------------
    async def _dispatch(self) -> None:
        """Start one task per chat that has work due; sleep until woken or the next retry is due."""
        await self.ready.wait()
        while self._running:
            self._wake.clear()
            try:
                waiting = await asyncio.to_thread(self.store.busy_conversations)
            except Exception as exc:  # noqa: BLE001 - the database is restarting: look again shortly
                log.warning("telegram: cannot read the update store (%s)", type(exc).__name__)
                waiting = []
                await asyncio.sleep(1)
            now = time.time()
            sleep = 5.0
            listed = {conversation for conversation, _ in waiting}
            self._held_elsewhere = {c: t for c, t in self._held_elsewhere.items() if c in listed}
            for conversation, due in waiting:
                if conversation in self._busy:
                    continue
                due = max(due, self._held_elsewhere.get(conversation, 0.0))
                if due <= now:
                    self._busy.add(conversation)
                    self._spawn(self._work_chat(conversation))
                else:
                    sleep = min(sleep, due - now)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(0.05, sleep))

    async def _work_chat(self, conversation: str) -> None:
        claimed = False
        renew_at = 0.0
        try:
            async with self._slots:
                while self._running:
                    if time.monotonic() >= renew_at:  # take the lease, then renew it halfway through
                        claimed = await asyncio.to_thread(self.store.claim, conversation, self._owner)
                        if not claimed:  # another server is working this chat: look again in a second
                            self._held_elsewhere[conversation] = time.time() + 1.0
                            break
                        self._held_elsewhere.pop(conversation, None)
                        renew_at = time.monotonic() + LEASE_SECONDS / 2
                    reply, _ = await asyncio.to_thread(self.store.next_reply, conversation)
                    if reply is not None:
                        await self._send(conversation, reply)
                        continue
                    pending, _ = await asyncio.to_thread(self.store.next_update, conversation)
                    if pending is None:
                        break
                    await self._handle(conversation, pending)
        except Exception as exc:  # noqa: BLE001 - the store failed mid-way; the dispatcher comes back to it
            log.warning("telegram: working a chat failed (%s)", type(exc).__name__)
            await asyncio.sleep(1)
        finally:
            if claimed:
                with contextlib.suppress(Exception):  # otherwise it simply runs out
                    await asyncio.to_thread(self.store.release, conversation, self._owner)
            self._busy.discard(conversation)
            self.wake()

    async def _handle(self, conversation: str, pending: Pending) -> None:
        incoming = classify(pending.update)
        try:
            replies, keep_chat = await self._act(conversation, incoming, pending.update_id)
        except Exception as exc:  # noqa: BLE001 - retried; only the type is logged (a message may quote the child)
            attempts = pending.attempts + 1
            log.warning("telegram: an update failed (%s), attempt %d of %d", type(exc).__name__, attempts, MAX_ATTEMPTS)
            if attempts < MAX_ATTEMPTS:
                await asyncio.to_thread(self.store.retry_update, pending.update_id, attempts)
                return
            language = await self._chat_language(conversation, incoming)
            sorry = plain(failsafe_reply(incoming.text, language))  # an urgent message still gets the numbers
            await asyncio.to_thread(
                self.store.finish_update, pending.update_id, conversation, [sorry], incoming.chat_id, None, "failed",
            )
            return
        language = next((r["language"] for r in reversed(replies) if _language(r.get("language"))), None)
        await asyncio.to_thread(
            self.store.finish_update, pending.update_id, conversation, replies,
            incoming.chat_id if keep_chat else None, language,
        )

    async def _act(self, conversation: str, incoming: Incoming, update_id: int) -> tuple[list[dict[str, Any]], bool]:
        """Carry out one update; returns the replies to queue and whether to keep the chat mapping."""
        if incoming.kind == "ignore":
            return [], False
        if incoming.kind == "group":
            await self._leave_group(incoming)
            return [], False
        if incoming.kind == "command" and incoming.command == "exit":
            return await self._exit(conversation, incoming), True
        if incoming.kind == "command" and incoming.command == "forget":
            await self._forget(conversation, incoming, update_id)
            return [], False
        if await relayed(conversation, incoming):  # a counsellor has this chat: the bot stays quiet
            return [], True
        if incoming.kind == "callback":
            payload = await self._callback_payload(conversation, incoming)
            return (await self._answered(conversation, incoming, update_id, payload) if payload else []), True
        if incoming.kind == "media":
            replies = await self._turn(conversation, MEDIA_PAYLOAD, incoming)
            if incoming.text:  # a caption is words the child wrote: they are read like a message
                replies += await self._answered(conversation, incoming, update_id)
            return replies, True
        return await self._answered(conversation, incoming, update_id), True

    async def deliver(self, conversation: str, message: dict[str, Any]) -> None:
        """A counsellor's message (or the joined / left notice) into the chat's outbox, sent in order."""
        await asyncio.to_thread(self.store.queue_reply, conversation, outbox_message(message))
        self.wake()

    async def _answered(self, conversation: str, incoming: Incoming, update_id: int, payload: str | None = None) -> list[dict[str, Any]]:
        """The child's words (or a pressed button's payload) as a turn; one that produced nothing gets
        the failsafe reply, and an urgent one ("I'm not safe") still running the numbers straight away."""
        text = payload or inbound_text(incoming.text, allow_payloads=False)
        turn = asyncio.ensure_future(self._turn(conversation, text, incoming))
        if not await answered_in_time(turn, text):
            await self.numbers_now.send(incoming, text, update_id)
        replies = await turn
        if not replies:
            log.error("telegram: a turn produced no reply; the failsafe reply was sent")
            replies = [plain(failsafe_reply(text, _language(incoming.language_hint)))]
        return replies

    async def _turn(self, conversation: str, text: str, incoming: Incoming) -> list[dict[str, Any]]:
        """One Rasa turn; its replies are collected, to be queued with the update's completion."""
        collector = ReplyCollector()
        hint = _language(incoming.language_hint)
        await self.handle_message(UserMessage(
            text, collector, conversation, input_channel=CHANNEL, metadata=inbound_metadata(incoming.text, hint) or None,
        ))
        return collector.messages

    async def _callback_payload(self, conversation: str, incoming: Incoming) -> str | None:
        """The payload of a pressed button, if the bot's message really offered it; else None."""
        offered: list[str] = []
        if isinstance(incoming.callback_message_id, int):
            offered = await asyncio.to_thread(self.store.offered_buttons, conversation, incoming.callback_message_id)
        valid = incoming.callback_data in offered and incoming.callback_data in BUTTON_PAYLOADS
        notice = None if valid else catalog().telegram[await self._chat_language(conversation, incoming)]["button_expired"]
        if incoming.callback_id:
            with contextlib.suppress(TelegramError):  # the spinner stops by itself; the turn matters more
                await self.bot.answer_callback_query(incoming.callback_id, text=notice)
        return BUTTON_PAYLOADS[incoming.callback_data] if valid else None

    async def _chat_language(self, conversation: str, incoming: Incoming) -> str:
        chat = await asyncio.to_thread(self.store.chat, conversation)
        return _language(chat[1] if chat else None) or _language(incoming.language_hint) or DEFAULT_LANGUAGE

    async def _say_now(self, chat_id: int | None, text: str) -> None:
        """Send without the outbox: for a chat whose mapping is not kept (a group, or /forget)."""
        await self.bot.send_message(chat_id, to_html(text.strip()), parse_mode="HTML")

    async def _leave_group(self, incoming: Incoming) -> None:
        language = _language(incoming.language_hint) or DEFAULT_LANGUAGE
        with contextlib.suppress(Forbidden):  # already removed from the group
            await self._say_now(incoming.chat_id, catalog().telegram[language]["group_only"])
        with contextlib.suppress(Forbidden, BadRequest):
            await self.bot.leave_chat(incoming.chat_id)

    async def _exit(self, conversation: str, incoming: Incoming) -> list[dict[str, Any]]:
        """/exit: delete the bot's recent messages, end the conversation (marked as a quick exit,
        and a waiting or live counsellor sees the child left), then say how to delete the chat."""
        language = await self._chat_language(conversation, incoming)
        message_ids = await asyncio.to_thread(self.store.recent_messages, conversation)
        for start in range(0, len(message_ids), 100):
            with contextlib.suppress(BadRequest):  # some may be gone already
                await self.bot.delete_messages(incoming.chat_id, message_ids[start:start + 100])
        await asyncio.to_thread(self.store.forget_messages, conversation)
        await self._turn(conversation, QUICK_EXIT_PAYLOAD, incoming)
        await self._child_left(handoff_store.child_left, conversation)
        return [{"text": catalog().telegram[language]["exit_done"], "buttons": [], "language": language}]

    async def _forget(self, conversation: str, incoming: Incoming, update_id: int) -> None:
        """/forget: confirm first (the chat id is about to go), then erase the conversation state,
        queue entries, chat mapping and message ids. The anonymous contact record stays."""
        language = await self._chat_language(conversation, incoming)
        await self._say_now(incoming.chat_id, catalog().telegram[language]["forget_done"])

        def erase() -> None:
            retention.forget_conversation(conversation)
            contact_log.end_sessions(conversation)  # the contact record no longer links to this chat
            self.store.forget_chat(conversation, update_id)

        await self._child_left(handoff_store.forget, conversation)
        await asyncio.to_thread(erase)

    @staticmethod
    async def _child_left(change: Callable[[str], list[int]], conversation: str) -> None:
        """/exit or /forget: a waiting or live counsellor sees at once that the child left."""
        for request_id in await asyncio.to_thread(change, conversation):
            await relay().announce(request_id)

    # --- sending ---------------------------------------------------------------------------------
    async def _send(self, conversation: str, reply: Outgoing) -> None:
        """Send one queued reply (split when longer than Telegram allows), buttons on its last part."""
        chat_id = reply.chat_id
        if chat_id is None:  # forgotten or purged: nobody to send to
            await asyncio.to_thread(self.store.drop_replies, conversation)
            return
        message = reply.message
        parts = message.get("parts") or split_message(message.get("text") or "") or ["…"]
        buttons = message.get("buttons") or []
        sent: list[int] = []
        try:
            for index, part in enumerate(parts):
                last = index == len(parts) - 1
                result = await self.bot.send_message(
                    chat_id, to_html(part), parse_mode="HTML", reply_markup=keyboard(buttons) if last else None,
                )
                sent.append(result.message_id)
        except Forbidden:
            log.info("telegram: a child blocked the bot; their unsent replies are dropped")
            await asyncio.to_thread(self.store.reply_sent, reply.id, conversation, sent, [])
            await asyncio.to_thread(self.store.drop_replies, conversation)
            return
        except (TelegramError, OSError) as exc:
            attempts = reply.attempts + 1
            permanent = isinstance(exc, BadRequest)  # e.g. the chat no longer exists: retrying cannot help
            log.warning("telegram: sending a reply failed (%s), attempt %d", type(exc).__name__, attempts)
            if sent and not permanent and attempts < MAX_ATTEMPTS:  # delivered parts are not sent twice
                rest = {**message, "parts": parts[len(sent):]}
                await asyncio.to_thread(self.store.reply_progress, reply.id, conversation, sent, rest, attempts)
                return
            if permanent or attempts >= MAX_ATTEMPTS:
                await asyncio.to_thread(self.store.reply_sent, reply.id, conversation, sent, [])
            else:
                await asyncio.to_thread(self.store.retry_reply, reply.id, attempts)
            return
        await asyncio.to_thread(self.store.reply_sent, reply.id, conversation, sent, [b["id"] for b in buttons])
