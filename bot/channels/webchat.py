"""The web chat's socket: Rasa's socket.io channel with pseudonymous ids and safe input.

Differences from rasa.core.channels.socketio.SocketIOInput:
- the browser's session id is replaced by its keyed hash before Rasa sees it;
- text goes through bot.channels.inbound (no typed `/intent`), attachments become a media turn;
- `enter_room` is awaited when the installed python-socketio makes it a coroutine (RasaHQ/rasa#13027);
- replies carry their language so the page can switch its own labels;
- a `quick_exit` event ends the conversation server-side.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from socketio import AsyncServer

from bot.channels.inbound import MEDIA_PAYLOAD, QUICK_EXIT_PAYLOAD, inbound_text
from bot.pseudonym import pseudonymise

log = logging.getLogger(__name__)
CHANNEL = "webchat"
MAX_SESSION_ID = 64


class WebChatOutput(SocketIOOutput):
    """Sends one socket event per bot message, with its buttons and language."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        payload: dict[str, Any] = {"text": message.get("text") or ""}
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
        if metadata:
            payload["metadata"] = metadata
        if payload["text"] or buttons:
            await self._send_message(recipient_id, payload)


def _session_id(data: Any) -> str | None:
    if isinstance(data, dict) and isinstance(data.get("session_id"), str):
        value = data["session_id"].strip()
        if 0 < len(value) <= MAX_SESSION_ID:
            return value
    return None


class WebChatInput(InputChannel):
    """Socket.io input for the web chat page, mounted at /socket.io."""

    def __init__(self, socketio_path: str = "/socket.io") -> None:
        self.socketio_path = socketio_path
        self.sio: AsyncServer | None = None

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def get_output_channel(self) -> WebChatOutput | None:
        return WebChatOutput(self.sio, "bot_uttered") if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        bp = SocketBlueprint(sio, self.socketio_path, "webchat_socket", __name__)
        self.sio = sio

        @bp.route("/", methods=["GET"])
        async def socket_health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("session_request")
        async def session_request(sid: str, data: Any) -> None:
            session_id = _session_id(data) or uuid.uuid4().hex
            joined = sio.enter_room(sid, pseudonymise(CHANNEL, session_id))
            if inspect.isawaitable(joined):
                await joined
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on("user_uttered")
        async def handle_message(sid: str, data: Any) -> None:
            session_id = _session_id(data)
            if session_id is None:
                await sio.emit("session_error", {"reason": "no_session"}, room=sid)
                return
            metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
            has_media = bool(data.get("attachment") or data.get("files"))
            text = MEDIA_PAYLOAD if has_media else inbound_text(data.get("message"))
            await on_new_message(
                UserMessage(
                    text, WebChatOutput(sio, "bot_uttered"), pseudonymise(CHANNEL, session_id),
                    input_channel=CHANNEL, metadata={k: metadata[k] for k in ("language",) if k in metadata},
                )
            )

        @sio.on("quick_exit")
        async def quick_exit(sid: str, data: Any) -> None:
            session_id = _session_id(data)
            if session_id is None:
                return
            sender = pseudonymise(CHANNEL, session_id)
            left = sio.leave_room(sid, sender)
            if inspect.isawaitable(left):
                await left
            await on_new_message(
                UserMessage(QUICK_EXIT_PAYLOAD, CollectingOutputChannel(), sender, input_channel=CHANNEL)
            )

        return bp
