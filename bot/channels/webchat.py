"""The web chat's socket: Rasa's socket.io channel, hardened for a child's browser.

Differences from rasa.core.channels.socketio.SocketIOInput:
- the SERVER issues the session id (`secrets.token_urlsafe(32)`) on `session_request`, with an
  HMAC signature; a returning page presents `{session_id, signature}` and resumes only if the
  signature verifies (else it gets a fresh session). The session is bound to the socket
  (`sio.save_session`): `user_uttered` and `quick_exit` read it from there and ignore any id in
  the message, so no socket can read, write into or end another child's conversation;
- one socket per session: a second socket presenting the same (signed) session takes it over and
  the first is told (`session_taken`) and disconnected. Taking over, not refusing, because only
  the page that holds the signature can present it (the same browser tab, or a duplicate of it),
  and the newest connection is the one the child is looking at: a socket left half-dead by a
  network switch must not lock the child out of their own conversation for 15 seconds;
- Origin is checked: the site's own origin (http(s)://<Host of the request>) plus the
  comma-separated WEBCHAT_ORIGINS environment variable (read once, when the blueprint is made);
  engine.io messages are capped at MAX_MESSAGE_BYTES; a dead connection is noticed within
  PING_INTERVAL + PING_TIMEOUT seconds;
- every handler takes any data (none, wrong types) and answers with a clean error or ignores it;
- `user_uttered` is acknowledged (`{ok: true, id}`) once its turn is answered; a message id seen
  before in the session is not processed twice: its answer is sent again instead (the page drops
  replies it already shows by their id), so a message resent after a lost ack is neither lost
  nor doubled;
- text goes through bot.channels.inbound (no typed `/intent`, long text cut and marked as cut),
  attachments become a media turn; the ids Rasa sees are keyed hashes of the session id;
- a turn that raised or produced nothing gets the failsafe reply (an urgent message still gets
  the numbers);
- `quick_exit` (or the page's beacon to POST /webhooks/webchat/exit, for when the socket is
  down) ends the conversation server-side, marks a queued handoff `child_left`, and the session
  can never be resumed.
Nothing a child wrote, and no session id or hash, is ever put in a log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import os
import re
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from engineio.async_drivers import sanic as engineio_sanic
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from socketio import AsyncServer

from bot.channels import webchat_live
from bot.channels.failsafe import URGENT_REPLY_WAIT, answered_in_time, failsafe_key, failsafe_reply, prepare
from bot.channels.inbound import MEDIA_PAYLOAD, QUICK_EXIT_PAYLOAD, inbound_metadata, inbound_text
from bot.channels.webchat_sessions import (
    Sessions,
    allowed_origins,
    origin_allowed,
    presented_session,
    sign_session,
    signing_key,
)
from bot.handoff import store as handoff_store
from bot.handoff.relay import relay
from bot.pseudonym import pseudonymise
from bot.ratelimit import MessageLimits, client_address

log = logging.getLogger(__name__)
CHANNEL = "webchat"
ORIGINS_ENV = "WEBCHAT_ORIGINS"
MAX_MESSAGE_BYTES = 16 * 1024  # a 2,000-character message is at most ~8 KB of JSON
PING_INTERVAL = 5  # seconds: with PING_TIMEOUT, a dead connection is noticed within 15 s
PING_TIMEOUT = 10
SEEN_IDS = 200  # message ids remembered per session, to ignore a resent message
KEPT_REPLIES = 2  # turns per session whose replies can be sent again (the page sends one at a time)
_MESSAGE_ID = re.compile(r"[A-Za-z0-9-]{8,64}")


class WebChatOutput(SocketIOOutput):
    """Sends one socket event per bot message, with its buttons and language."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        payload: dict[str, Any] = {"text": message.get("text") or ""}
        if isinstance(message.get("id"), str):  # a live chat's message: the page drops one it already shows
            payload["id"] = message["id"]
        buttons = message.get("buttons") or message.get("quick_replies") or []
        if buttons:
            payload["quick_replies"] = [{"title": b["title"], "payload": b["payload"]} for b in buttons]
        # What the page needs for its "Get help now" panel: the language and country the text was
        # rendered for, and whether the conversation is urgent (False clears the page's urgent banner).
        metadata: dict[str, Any] = {"language": message["language"]} if message.get("language") else {}
        if message.get("country"):
            from bot.locales import catalog

            # The directory entry the numbers came from (an EU member state reads the EU entry);
            # "" when the child's country is not listed, so the page shows the numbers for anywhere.
            metadata["country"] = catalog().country_code(str(message["country"]).upper()) or ""
        if message.get("urgent") is not None:
            metadata["urgent"] = bool(message["urgent"])
        if message.get("from") == "counsellor":  # the page shows a person's words as a person's
            metadata["from"] = "counsellor"
        if metadata:
            payload["metadata"] = metadata
        if payload["text"] or buttons:
            await self._send_message(recipient_id, payload)


class TurnOutput(WebChatOutput):
    """The output of one turn: counts and keeps what it sent, each reply with an id of its own."""

    def __init__(self, sio: AsyncServer, message_id: str | None) -> None:
        super().__init__(sio, "bot_uttered")
        self.message_id = message_id
        self.sent: list[dict[str, Any]] = []

    async def _send_message(self, socket_id: str, response: Any) -> None:
        if isinstance(response, dict) and self.message_id:
            response = {**response, "id": f"{self.message_id}:{len(self.sent)}"}
        self.sent.append(response)
        await super()._send_message(socket_id, response)

    @property
    def numbers_sent(self) -> bool:
        """Whether an urgent reply (the page then shows the emergency numbers) has gone out."""
        return any(isinstance(m, dict) and (m.get("metadata") or {}).get("urgent") for m in self.sent)


# --- engine.io on Sanic: a receive that leaves no task behind ----------------------------------
class SanicWebSocket(engineio_sanic.WebSocket):
    """engine.io's Sanic websocket, minus a task leaked on every disconnect.

    Sanic 21.12's `recv()` waits on an inner task with `asyncio.wait`; when the connection is lost,
    Sanic cancels the handler, `recv()` is cancelled from outside and its inner task is left
    pending for ever ("Task was destroyed but it is pending!" when it is collected). Here `recv()`
    runs shielded, and a cancellation goes through Sanic's own way of stopping it (`recv_cancel`),
    which cancels the inner task too.
    """

    async def wait(self) -> bytes | str:
        sock = self._sock
        receiving = asyncio.ensure_future(sock.recv())
        try:
            data = await asyncio.shield(receiving)
        except asyncio.CancelledError:
            stop = getattr(sock, "recv_cancel", None)
            if stop is not None and not stop.done():
                stop.cancel()
            elif not receiving.done():
                receiving.cancel()
            await asyncio.wait({receiving}, timeout=5)
            if receiving.done() and not receiving.cancelled():
                receiving.exception()  # retrieved: never "exception was never retrieved"
            raise
        if not isinstance(data, (bytes, str)):
            raise OSError()
        return data


async def _maybe_await(result: Any) -> None:
    # enter_room/leave_room are coroutines in some python-socketio versions (RasaHQ/rasa#13027)
    if inspect.isawaitable(result):
        await result


def _first(args: tuple[Any, ...]) -> Any:
    return args[0] if args else None


def _address(sio: AsyncServer, sid: str) -> str:
    """The client address of a socket (bot.ratelimit reads X-Forwarded-For behind TRUST_PROXY)."""
    request = (sio.get_environ(sid) or {}).get("sanic.request")
    return client_address(request) if request is not None else "unknown"


class WebChatInput(InputChannel):
    """Socket.io input for the web chat page, mounted at /socket.io."""

    def __init__(self, socketio_path: str = "/socket.io") -> None:
        self.socketio_path = socketio_path
        self.sio: AsyncServer | None = None
        self.sessions = Sessions()
        self.limits = MessageLimits()  # per session and per client address (bot.ratelimit)
        self._tasks: set[asyncio.Task] = set()

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def get_output_channel(self) -> WebChatOutput | None:
        return WebChatOutput(self.sio, "bot_uttered") if self.sio else None

    def _background(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """Run work that must finish even if the socket or request that asked for it goes away."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        extra_origins = allowed_origins(os.environ.get(ORIGINS_ENV))
        prepare()  # the failsafe is ready before the first message, not built in the event loop

        def check_origin(origin: str | None, environ: dict[str, Any] | None = None) -> bool:
            return origin_allowed(origin, (environ or {}).get("HTTP_HOST"), extra_origins)

        sio = AsyncServer(
            async_mode="sanic", cors_allowed_origins=check_origin, cors_credentials=False, max_http_buffer_size=MAX_MESSAGE_BYTES,
            ping_interval=PING_INTERVAL, ping_timeout=PING_TIMEOUT,
        )
        sio.eio._async = {**sio.eio._async, "websocket": SanicWebSocket}
        bp = SocketBlueprint(sio, self.socketio_path, "webchat_socket", __name__)
        self.sio = sio
        sessions, limits = self.sessions, self.limits
        key = signing_key()

        async def bound(sid: str) -> str | None:
            """The conversation bound to this socket, if any."""
            with contextlib.suppress(KeyError):
                conversation = (await sio.get_session(sid)).get("conversation")
                if isinstance(conversation, str) and conversation not in sessions.ended:
                    return conversation
            return None

        async def unbind(sid: str, conversation: str) -> None:
            with contextlib.suppress(KeyError, ValueError):
                await _maybe_await(sio.leave_room(sid, conversation))
                await sio.save_session(sid, {})

        async def end_session(conversation: str) -> None:
            """Quick exit: end the conversation once, whichever way the page asked."""
            state = sessions.end(conversation)
            if state is None:
                return
            if state.owner:
                await unbind(state.owner, conversation)
            try:
                await on_new_message(UserMessage(QUICK_EXIT_PAYLOAD, CollectingOutputChannel(), conversation, input_channel=CHANNEL))
            except Exception as exc:  # noqa: BLE001 - the handoff must still be marked; only the type is logged
                log.error("webchat: the quick exit turn failed (%s)", type(exc).__name__)
            try:
                for request_id in await asyncio.to_thread(handoff_store.child_left, conversation):
                    await relay().announce(request_id)  # the counsellor's console shows it at once
            except Exception as exc:  # noqa: BLE001
                log.error("webchat: marking a quick exit in the handoff queue failed (%s)", type(exc).__name__)

        async def deliver(conversation: str, message: dict[str, Any]) -> None:
            """A counsellor's message (or the joined / left notice) to the child's page, if it is connected here."""
            await WebChatOutput(sio, "bot_uttered").send_response(conversation, message)

        relay().register_sender(CHANNEL, deliver, local_only=True)

        @bp.route("/", methods=["GET"])
        async def socket_health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/exit", methods=["POST"])
        async def exit_beacon(request: Request) -> response.HTTPResponse:
            """The page's quick exit beacon (navigator.sendBeacon): works while the socket is down."""
            if not check_origin(request.headers.get("origin"), {"HTTP_HOST": request.headers.get("host")}):
                return response.empty(status=403)
            body = request.body or b""
            if len(body) > 1024:
                return response.empty(status=413)
            try:
                data = json.loads(body)
            except (ValueError, UnicodeDecodeError, RecursionError):
                data = None
            session_id = presented_session(data, key)
            if session_id is None:
                return response.empty(status=400)
            self._background(end_session(pseudonymise(CHANNEL, session_id)))
            return response.empty(status=202)

        @sio.on("disconnect")
        async def disconnect(sid: str, *_: Any) -> None:
            conversation = await bound(sid)
            state = sessions.states.get(conversation) if conversation else None
            if state is not None and state.owner == sid:
                state.owner = None
                await webchat_live.page_gone(conversation)

        @sio.on("session_request")
        async def session_request(sid: str, *args: Any) -> dict[str, Any]:
            session_id = presented_session(_first(args), key)
            resumed = session_id is not None and pseudonymise(CHANNEL, session_id) not in sessions.ended
            if not resumed:
                session_id = secrets.token_urlsafe(32)
            conversation = pseudonymise(CHANNEL, session_id)
            previous_conversation = await bound(sid)
            if previous_conversation and previous_conversation != conversation:
                await unbind(sid, previous_conversation)
                old = sessions.states.get(previous_conversation)
                if old is not None and old.owner == sid:
                    old.owner = None
            state = sessions.get(conversation)
            previous, state.owner = state.owner, sid
            await sio.save_session(sid, {"conversation": conversation})
            await _maybe_await(sio.enter_room(sid, conversation))
            if previous and previous != sid:  # one socket per session: the newest takes it over
                await unbind(previous, conversation)
                with contextlib.suppress(KeyError, ValueError):
                    await sio.emit("session_taken", {}, room=previous)
                    await sio.disconnect(previous)
            confirm = {"session_id": session_id, "signature": sign_session(session_id, key), "resumed": resumed}
            await sio.emit("session_confirm", confirm, room=sid)
            if resumed:
                await webchat_live.page_back(sio, sid, conversation)
            return confirm

        @sio.on("user_uttered")
        async def user_uttered(sid: str, *args: Any) -> dict[str, Any]:
            data = _first(args)
            conversation = await bound(sid)
            if conversation is None:
                await sio.emit("session_error", {"reason": "no_session"}, room=sid)
                return {"ok": False, "error": "no_session"}
            message_id = data.get("id") if isinstance(data, dict) else None
            if not isinstance(data, dict) or (message_id is not None and not (
                isinstance(message_id, str) and _MESSAGE_ID.fullmatch(message_id)
            )):
                return {"ok": False, "error": "bad_message"}
            state = sessions.get(conversation)
            if message_id is not None and message_id in state.seen:
                running = state.running.get(message_id)
                if running is not None:  # the first copy is still being answered: its replies go to the room
                    await asyncio.shield(running)
                else:  # answered, maybe into a connection that died: send the answer again
                    for reply in state.replies.get(message_id, []):
                        await sio.emit("bot_uttered", reply, room=sid)
                return {"ok": True, "id": message_id, "duplicate": True}
            metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
            language = metadata.get("language")
            raw = data.get("message")
            text = MEDIA_PAYLOAD if (data.get("attachment") or data.get("files")) else inbound_text(raw)
            output = TurnOutput(sio, message_id)
            if not limits.allow(conversation, _address(sio, sid)):  # a flood costs no Rasa turn
                if failsafe_key(text) == "failed":
                    return {"ok": False, "error": "slow_down", "retry_after": 2}  # the page keeps it queued
                await output.send_response(conversation, failsafe_reply(text, language))  # urgent: the numbers
                return {"ok": True, "id": message_id}
            done = asyncio.get_running_loop().create_future()
            if message_id is not None:
                state.seen[message_id] = None
                while len(state.seen) > SEEN_IDS:
                    state.seen.popitem(last=False)
                state.running[message_id] = done
            try:
                failed = relayed = False
                try:
                    async def relay_or_turn() -> bool:
                        if await relay().from_child(conversation, text):  # a counsellor has the chat: not the bot
                            return True
                        await on_new_message(UserMessage(
                            text, output, conversation, input_channel=CHANNEL, metadata=inbound_metadata(raw, language) or None,
                        ))
                        return False

                    turn = asyncio.ensure_future(relay_or_turn())
                    if not await answered_in_time(turn, text) and not output.numbers_sent:  # urgent and slow: the numbers now
                        log.error("webchat: an urgent turn took over %.0f s; the failsafe reply was sent", URGENT_REPLY_WAIT)
                        try:
                            await output.send_response(conversation, failsafe_reply(text, language))
                        except Exception as exc:  # noqa: BLE001 - the turn is still awaited below
                            log.error("webchat: the failsafe reply could not be sent (%s)", type(exc).__name__)
                    relayed = await turn
                except Exception as exc:  # noqa: BLE001 - the child still gets an answer; only the type is logged
                    failed = True
                    log.error("webchat: a turn failed (%s); the failsafe reply was sent", type(exc).__name__)
                if not output.sent and not relayed:  # it raised, or the action server or the database failed behind Rasa
                    if not failed:
                        log.error("webchat: a turn produced no reply; the failsafe reply was sent")
                    try:
                        await output.send_response(conversation, failsafe_reply(text, language))
                    except Exception as exc:  # noqa: BLE001
                        log.error("webchat: the failsafe reply could not be sent (%s)", type(exc).__name__)
            finally:
                if message_id is not None:
                    state.running.pop(message_id, None)
                    state.replies[message_id] = output.sent
                    while len(state.replies) > KEPT_REPLIES:
                        state.replies.popitem(last=False)
                done.set_result(None)
            return {"ok": True, "id": message_id}

        @sio.on("quick_exit")
        async def quick_exit(sid: str, *_: Any) -> dict[str, Any]:
            conversation = await bound(sid)
            if conversation is None:
                return {"ok": False, "error": "no_session"}
            await asyncio.shield(self._background(end_session(conversation)))
            return {"ok": True}

        return bp
