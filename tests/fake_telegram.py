"""A local fake of the Telegram Bot API (aiohttp on 127.0.0.1) for tests and the benchmark.

It speaks the real HTTP API as python-telegram-bot uses it: `POST /bot<token>/<method>` with
form or JSON parameters, answers `{"ok": true, "result": ...}` or Telegram's error shape. It keeps
every call (method, parameters, time) so tests can assert what the bot did, queues updates for
getUpdates long polling, and can be told to hang or fail a method.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token-not-secret"
BOT_USER = {"id": 999000, "is_bot": True, "first_name": "Helper", "username": "helper_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
HTML_TAG = re.compile(r"<(/?)([a-z-]+)(?:\s[^>]*)?>")
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler", "blockquote"}
# Methods whose answer is just `true` (what they did is in `calls`).
ALWAYS_TRUE = {"setMyCommands", "sendChatAction", "deleteMessage", "deleteMessages", "answerCallbackQuery", "leaveChat"}
RAW_TEXT_FIELDS = {"text", "caption", "secret_token", "url", "callback_query_id", "description", "short_description"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    result: Any = None


@dataclass
class FakeTelegram:
    """Start with `start()` (a thread with its own event loop); `url` is the API base URL."""

    token: str = TOKEN
    host: str = "127.0.0.1"
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    hang: set[str] = field(default_factory=set)  # methods that never answer until released
    failures: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # method -> status codes to answer next

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._updates: list[dict[str, Any]] = []
        self._message_ids = defaultdict(lambda: itertools.count(1))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_update: asyncio.Event | None = None
        self._release: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.hung = threading.Event()  # set when a hanging method has been called
        self._closing = False

    # --- life cycle ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> FakeTelegram:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            self._new_update = asyncio.Event()
            self._release = asyncio.Event()
            app = web.Application(client_max_size=10 * 1024 * 1024)
            app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
            self._runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, self.host, self.port)
            loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-telegram", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop:
            self._closing = True
            self._loop.call_soon_threadsafe(self._release.set)  # type: ignore[union-attr]
            self._loop.call_soon_threadsafe(self._new_update.set)  # type: ignore[union-attr]
            time.sleep(0.2)  # let open long polls answer
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(15)  # type: ignore[union-attr]
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(10)

    # --- what tests do -----------------------------------------------------------------------------
    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (polling mode)."""
        with self._lock:
            self._updates.append(update)
        self._loop.call_soon_threadsafe(self._new_update.set)  # type: ignore[union-attr]

    def hold(self, method: str) -> None:
        """Make calls to `method` hang (never answered) until release()."""
        self.hung.clear()
        self._loop.call_soon_threadsafe(self._release.clear)  # type: ignore[union-attr]
        time.sleep(0.05)
        self.hang.add(method)

    def release(self) -> None:
        """Let hanging methods answer again."""
        self.hang.clear()
        self._loop.call_soon_threadsafe(self._release.set)  # type: ignore[union-attr]

    def calls_to(self, method: str, chat_id: int | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def texts_to(self, chat_id: int) -> list[str]:
        """What the child saw: the text after Telegram parsed its HTML."""
        return [c.result["text"] for c in self.calls_to("sendMessage", chat_id) if c.result]

    def message_with_button(self, chat_id: int, button_id: str) -> int:
        """The id of the newest message to this chat that offered this button."""
        for call in reversed(self.calls_to("sendMessage", chat_id)):
            rows = (call.params.get("reply_markup") or {}).get("inline_keyboard") or []
            if any(b.get("callback_data") == button_id for row in rows for b in row) and call.result:
                return call.result["message_id"]
        raise AssertionError(f"no message to chat {chat_id} offered {button_id!r}")

    def wait_for(self, predicate: Any, timeout: float = 60, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError(f"fake Telegram: timed out waiting for {what}")

    def wait_for_messages(self, chat_id: int, count: int, timeout: float = 60) -> list[Call]:
        return self.wait_for(
            lambda: (found := self.calls_to("sendMessage", chat_id)) and len(found) >= count and found,
            timeout, f"{count} messages to chat {chat_id}",
        )

    # --- the API ---------------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                raw.update(await request.json())
                return raw
            form = await request.post()
            raw.update({k: v for k, v in form.items() if isinstance(v, str)})
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str) and key not in RAW_TEXT_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            params[key] = value
        return params

    @staticmethod
    def _error(status: int, description: str, **extra: Any) -> web.Response:
        return web.json_response({"ok": False, "error_code": status, "description": description, **extra}, status=status)

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params, time.monotonic())
        with self._lock:
            self.calls.append(call)
            planned = self.failures[method].pop(0) if self.failures.get(method) else None
        if method in self.hang:
            self.hung.set()
            await self._release.wait()  # type: ignore[union-attr]
            # the caller was gone (killed) or gave up: as far as the test knows, nothing was delivered
            return self._error(502, "Bad Gateway")
        if planned == 429:
            return self._error(429, "Too Many Requests: retry after 1", parameters={"retry_after": 1})
        if planned is not None:
            return self._error(planned, "Internal Server Error" if planned >= 500 else "Bad Request: chat not found")
        if method in ALWAYS_TRUE:
            return web.json_response({"ok": True, "result": True})
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        result = handler(params) if not asyncio.iscoroutinefunction(handler) else await handler(params)
        if isinstance(result, web.Response):
            return result
        call.result = result
        return web.json_response({"ok": True, "result": result})

    def api_getMe(self, _: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = dict(params)
        return True

    def api_deleteWebhook(self, _: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    async def api_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook.get("url"):
            return self._error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]  # offset confirms older ones
                batch = self._updates[: int(params.get("limit") or 100)]
            if batch or time.monotonic() >= deadline or self._closing:
                return batch
            self._new_update.clear()  # type: ignore[union-attr]
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout=max(0.01, deadline - time.monotonic()))  # type: ignore[union-attr]
            except asyncio.TimeoutError:
                pass

    def api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            return self._error(400, "Bad Request: chat not found")
        text = params.get("text") or ""
        if params.get("parse_mode") == "HTML":
            text = parse_html(text)
            if text is None:
                return self._error(400, "Bad Request: can't parse entities")
        if not 1 <= len(text.encode("utf-16-le")) // 2 <= 4096:
            return self._error(400, "Bad Request: message is too long" if text else "Bad Request: message text is empty")
        message = {
            "message_id": next(self._message_ids[chat_id]), "date": int(time.time()), "text": text,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}, "from": BOT_USER,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def api_getFile(self, _: dict[str, Any]) -> Any:
        return self._error(400, "Bad Request: the bot must never fetch files")


def parse_html(text: str) -> str | None:
    """Telegram's HTML parse mode: the visible text, or None if the markup is invalid."""
    stack: list[str] = []
    for match in HTML_TAG.finditer(text):
        closing, tag = match.group(1), match.group(2)
        if tag not in ALLOWED_TAGS:
            return None
        if closing:
            if not stack or stack.pop() != tag:
                return None
        else:
            stack.append(tag)
    if stack or re.search(r"<(?![/a-z])", text):
        return None
    return html.unescape(HTML_TAG.sub("", text))


# --- building updates as Telegram sends them ---------------------------------------------------------
_ids = itertools.count(int(time.time()) % 100_000 * 1000)


def next_update_id() -> int:
    return next(_ids)


def _user(chat_id: int, language: str = "en") -> dict[str, Any]:
    return {"id": abs(chat_id), "is_bot": False, "first_name": "Test", "username": f"child{abs(chat_id)}", "language_code": language}


def _chat(chat_id: int, kind: str = "private") -> dict[str, Any]:
    chat = {"id": chat_id, "type": kind}
    chat.update({"first_name": "Test", "username": f"child{chat_id}"} if kind == "private" else {"title": "A group"})
    return chat


def message_update(chat_id: int, text: str | None = None, language: str = "en", update_id: int | None = None,
                   kind: str = "private", edited: bool = False, **fields: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_ids) % 1_000_000, "date": int(time.time()), "chat": _chat(chat_id, kind),
        "from": _user(chat_id if kind == "private" else 4242, language), **fields,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if edited:
        message["edit_date"] = int(time.time())
    return {"update_id": update_id or next_update_id(), ("edited_message" if edited else "message"): message}


def photo_update(chat_id: int, caption: str | None = None) -> dict[str, Any]:
    photo = [{"file_id": "AgACAgQAAxkBAAIBPhotoFileId", "file_unique_id": "AQADPhoto", "width": 90, "height": 90, "file_size": 1000}]
    return message_update(chat_id, photo=photo, **({"caption": caption} if caption else {}))


def sticker_update(chat_id: int) -> dict[str, Any]:
    sticker = {"file_id": "CAACAgIAAxkBStickerFileId", "file_unique_id": "AgADSticker", "width": 512, "height": 512,
               "is_animated": False, "is_video": False, "type": "regular"}
    return message_update(chat_id, sticker=sticker)


def voice_update(chat_id: int) -> dict[str, Any]:
    return message_update(chat_id, voice={"file_id": "AwACAgIAAxkBVoiceFileId", "file_unique_id": "AgADVoice", "duration": 3})


def callback_update(chat_id: int, message_id: int, data: str, language: str = "en") -> dict[str, Any]:
    return {
        "update_id": next_update_id(),
        "callback_query": {
            "id": str(next(_ids)), "from": _user(chat_id, language), "chat_instance": "-123", "data": data,
            "message": {"message_id": message_id, "date": int(time.time()), "chat": _chat(chat_id), "from": BOT_USER, "text": "..."},
        },
    }


def added_to_group_update(group_id: int) -> dict[str, Any]:
    return {
        "update_id": next_update_id(),
        "my_chat_member": {
            "chat": _chat(group_id, "group"), "from": _user(4242), "date": int(time.time()),
            "old_chat_member": {"user": BOT_USER, "status": "left"},
            "new_chat_member": {"user": BOT_USER, "status": "member"},
        },
    }
