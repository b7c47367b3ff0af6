"""The Telegram channel: a Rasa input channel on python-telegram-bot 22.

Rasa's own Telegram connector is not used: it runs on aiogram, checks no webhook secret, calls
getMe on every update and acknowledges updates it then fails to handle. Here:

- webhook mode: `POST /webhooks/telegram/webhook` checks `X-Telegram-Bot-Api-Secret-Token`
  (constant time; 403 otherwise), stores the update, and only then answers 200;
- polling mode: long polling, where the next getUpdates offset acknowledges stored updates;
- either way bot.channels.telegram.worker works the stored updates off, chat by chat, in order.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request

from bot.channels.failsafe import URGENT_REPLY_WAIT, prepare
from bot.handoff.relay import relay
from bot.settings import TelegramSettings

if TYPE_CHECKING:
    from bot.channels.telegram.worker import TelegramWorker

log = logging.getLogger(__name__)
MAX_UPDATE_BYTES = 1_000_000
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TelegramInput(InputChannel):
    """Mounted at /webhooks/telegram/; starts the worker when the server starts."""

    def __init__(self, settings: TelegramSettings, database_url: str | None = None) -> None:
        self.settings = settings
        self.database_url = database_url
        self.worker: TelegramWorker | None = None

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("telegram_webhook", __name__)
        prepare()  # the failsafe is ready before the first message, not built in the event loop
        secret = (self.settings.webhook_secret or "").encode()

        @bp.listener("after_server_start")
        async def start_worker(_app: Sanic, _loop: Any) -> None:
            from bot.channels.telegram.client import make_bot
            from bot.channels.telegram.store import TelegramStore
            from bot.channels.telegram.worker import TelegramWorker

            store = TelegramStore(self.database_url)
            bot = make_bot(self.settings.token, self.settings.api_base_url)
            self.worker = TelegramWorker(self.settings, store, bot, on_new_message)
            self.worker.start()
            worker = self.worker
            relay().register_sender("telegram", worker.deliver)
            relay().on_message(lambda _request: worker.wake())  # a counsellor's message queued on another server

        @bp.listener("before_server_stop")
        async def stop_worker(_app: Sanic, _loop: Any) -> None:
            if self.worker is not None:
                await self.worker.stop()

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            given = (request.headers.get(SECRET_HEADER) or "").encode()
            if self.settings.mode != "webhook" or not secret or not hmac.compare_digest(given, secret):
                return response.json({"error": "forbidden"}, status=403)
            if len(request.body or b"") > MAX_UPDATE_BYTES:
                return response.json({"error": "too large"}, status=413)
            try:
                update = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError, RecursionError):
                return response.json({"error": "The body must be a Telegram Update in JSON."}, status=400)
            if not isinstance(update, dict) or not isinstance(update.get("update_id"), int) or isinstance(update["update_id"], bool):
                return response.json({"error": "The body must be a Telegram Update with an integer update_id."}, status=400)
            if self.worker is None:
                return response.json({"error": "starting"}, status=503)
            storing = asyncio.ensure_future(self.worker.ingest(update))
            if not (await asyncio.wait({storing}, timeout=URGENT_REPLY_WAIT))[0]:  # a slow database
                await self.worker.numbers_now.unstored(update)  # urgent: the numbers now, not after the store
            try:
                await storing
            except Exception as exc:  # noqa: BLE001 - not stored: 503 makes Telegram deliver it again
                log.error("telegram: could not store an update (%s)", type(exc).__name__)
                await self.worker.numbers_now.unstored(update)  # urgent: the numbers now, the turn on redelivery
                return response.json({"error": "unavailable"}, status=503)
            return response.json({"ok": True})

        return bp
