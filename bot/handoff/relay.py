"""Carrying a live chat's messages between the child's channel and the counsellor's console.

Messages are stored first (bot.handoff.store), then announced: the console's long poll wakes at
once, on this server directly and on the others through Redis pub/sub (REDIS_URL). A message to
the child goes out through the channel's own sender: the web chat's socket (python-socketio's
Redis manager reaches a socket on another server) or the Telegram outbox (durable, sent by
whichever server works that chat). Because every message is in the database before it is
announced, a server restarted mid-chat loses none: the console asks again from its last seq,
and a returning web chat page is sent the counsellor's recent messages again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.buttons import FEEDBACK_PAYLOADS
from bot.handoff import store
from bot.locales import catalog
from bot.safety import safety_net

log = logging.getLogger(__name__)
REDIS_CHANNEL = "ocsea:handoff"  # a chat changed: its request number
DELIVER_CHANNEL = "ocsea:deliver"  # a message for a child whose socket may be on another server
URGENT_LABEL = {"suicidal": "urgent_risk", "danger_now": "danger_now"}
# A child's button press or file during a live chat, as the counsellor sees it (never opened).
NOTE_MEDIA = "(The child sent a picture, video or file. It was not opened.)"
NOTE_BUTTON = "(The child pressed a button: {name})"

def payload_note(text: str) -> str:
    """What a counsellor reads for a message: the words, or a note for a button press or a file."""
    if not text.startswith("/"):
        return text
    return NOTE_MEDIA if text.startswith("/shared_media") else NOTE_BUTTON.format(name=text[1:].split("{")[0])


Sender = Callable[[str, dict[str, Any]], Awaitable[None]]  # (conversation, {"text", "language", "id", ...})
Transcript = Callable[[str], Awaitable[list[tuple[str, str]]]]


class Relay:
    """Wake-ups for long polls, the channels' senders to children, and the bot's transcript source."""

    def __init__(self) -> None:
        self._waiters: dict[int, set[asyncio.Future]] = {}
        self._senders: dict[str, Sender] = {}
        self._local_only: set[str] = set()  # channels whose sender reaches only this server's connections
        self._listeners: list[Callable[[int], None]] = []
        self._redis: Any = None
        self._subscriber: asyncio.Task | None = None
        self.transcript: Transcript | None = None

    # --- wiring ------------------------------------------------------------------------------
    def register_sender(self, channel: str, sender: Sender, local_only: bool = False) -> None:
        """`local_only`: the sender reaches only connections to this server (the web chat's sockets),
        so with Redis the message is published for every server to send to its own."""
        self._senders[channel] = sender
        if local_only:
            self._local_only.add(channel)

    def on_message(self, listener: Callable[[int], None]) -> None:
        """Called (on every server) whenever a chat has a new message, e.g. to wake the Telegram worker."""
        self._listeners.append(listener)

    async def start(self, redis_url: str | None) -> None:
        if not redis_url or self._redis is not None:
            return
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(redis_url)
        self._subscriber = asyncio.ensure_future(self._subscribe())

    async def stop(self) -> None:
        if self._subscriber is not None:
            self._subscriber.cancel()
            await asyncio.gather(self._subscriber, return_exceptions=True)
        if self._redis is not None:
            with contextlib.suppress(Exception):
                await self._redis.close()
        self._redis = self._subscriber = None

    async def _subscribe(self) -> None:
        delay = 1.0
        while True:
            try:
                pubsub = self._redis.pubsub()
                await pubsub.subscribe(REDIS_CHANNEL, DELIVER_CHANNEL)
                delay = 1.0
                async for item in pubsub.listen():
                    if item.get("type") != "message":
                        continue
                    channel = item.get("channel")
                    if channel in (DELIVER_CHANNEL, DELIVER_CHANNEL.encode()):
                        await self._deliver_here(item["data"])
                    else:
                        with contextlib.suppress(ValueError):
                            self._wake(int(item["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis restarting: long polls still time out and ask again
                log.warning("handoff relay: Redis subscription lost (%s), retrying in %.0f s", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(30.0, delay * 2)

    # --- announcing and waiting -------------------------------------------------------------------
    async def announce(self, request_id: int) -> None:
        """A chat changed (a message, the child left, an end): wake whoever waits for it, everywhere."""
        if self._redis is not None:
            try:
                await self._redis.publish(REDIS_CHANNEL, str(request_id))
                return  # our own subscriber wakes this server too
            except Exception as exc:  # noqa: BLE001 - still wake this server's waiters
                log.warning("handoff relay: publishing failed (%s)", type(exc).__name__)
        self._wake(request_id)

    def _wake(self, request_id: int) -> None:
        for future in self._waiters.pop(request_id, set()):
            if not future.done():
                future.set_result(None)
        for listener in self._listeners:
            with contextlib.suppress(Exception):
                listener(request_id)

    async def wait(self, request_id: int, timeout: float) -> None:
        """Until the chat changes or `timeout` seconds pass."""
        future = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(request_id, set()).add(future)
        try:
            await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            waiting = self._waiters.get(request_id)
            if waiting is not None:
                waiting.discard(future)
                if not waiting:
                    self._waiters.pop(request_id, None)

    # --- the child's side ---------------------------------------------------------------------
    async def from_child(self, conversation: str, text: str) -> bool:
        """If a counsellor has this conversation, the child's message goes to them (flagged when the
        safety net reads it as urgent) and the bot does not answer: True. The answer to "was this
        helpful?" is handled here too. Otherwise False: the bot answers."""
        answer = FEEDBACK_PAYLOADS.get(text)
        if answer is not None:  # "was this helpful?" after a live chat: stored, thanked, never a bot turn
            contact = await asyncio.to_thread(store.record_feedback, conversation, answer)
            if contact is not None:
                await self.tell_child(contact, "live_feedback_thanks", f"live:feedback:{contact.contact_id}")
            return True
        chat = await asyncio.to_thread(store.live_chat, conversation)
        if chat is None:
            return False
        shown = payload_note(text)
        urgent = None if shown != text else URGENT_LABEL.get(safety_net().check(text).urgent or "")
        await asyncio.to_thread(store.add_message, chat.id, "child", shown, urgent)
        await self.announce(chat.id)
        return True

    async def to_child(self, chat: store.Chat, text: str, message_id: str, buttons: list[dict[str, str]] | None = None,
                       person: bool = False) -> None:
        """Send one message to the child on their channel (a channel with no sender, like REST, gets none);
        `person`: a counsellor's own words, shown as a person's."""
        sender = self._senders.get(chat.channel)
        if sender is None:
            return
        message = {"text": text, "language": chat.language, "id": message_id, "buttons": buttons or [],
                   **({"from": "counsellor"} if person else {})}
        try:
            if chat.channel in self._local_only and self._redis is not None:
                envelope = {"channel": chat.channel, "conversation": chat.conversation, "message": message}
                await self._redis.publish(DELIVER_CHANNEL, json.dumps(envelope))
            else:
                await sender(chat.conversation, message)
        except Exception as exc:  # noqa: BLE001 - stored already: the page gets it again when it reconnects
            log.warning("handoff relay: delivering to the child failed (%s)", type(exc).__name__)

    async def _deliver_here(self, data: bytes | str) -> None:
        try:
            envelope = json.loads(data)
            sender = self._senders.get(envelope["channel"])
            if sender is not None:
                await sender(envelope["conversation"], envelope["message"])
        except Exception as exc:  # noqa: BLE001 - never quote the envelope: it holds a child's conversation
            log.warning("handoff relay: a delivery could not be sent here (%s)", type(exc).__name__)

    async def tell_child(self, chat: store.Chat, key: str, message_id: str, **values: str) -> None:
        """A text from the catalogue (the counsellor joined, left...) in the child's language."""
        reply = catalog().message(key, chat.language, country=_country(chat.country), values=values)
        await self.to_child(chat, reply.text, message_id, reply.buttons)


async def line_moved(taken: int) -> None:
    """A child was taken from the line: every child still waiting hears their new place."""
    try:
        waiting = await asyncio.to_thread(store.waiting_chats)
        for place, chat in enumerate(waiting, start=1):
            await relay().tell_child(chat, "queue_moved", f"live:queue:{taken}:{chat.id}", position=str(place))
    except Exception as exc:  # noqa: BLE001 - the child can still ask "how long?"
        log.warning("handoff relay: telling the line it moved failed (%s)", type(exc).__name__)


def _country(code: str) -> str | None:
    return None if code in ("", "unknown") else code


_relay = Relay()


def relay() -> Relay:
    """The one relay of this process, shared by the channels and the console."""
    return _relay
