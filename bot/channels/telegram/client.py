"""The python-telegram-bot client: one ExtBot, rate limited the way Telegram asks.

PTB's AIORateLimiter holds the whole bot to about 30 requests a second (and groups to 20 a
minute); it has no limit per private chat, where Telegram asks for at most one message a
second. `ChatRateLimiter` adds that for every `send*` call to a private chat, counting the
second from when the previous message was *answered*, so that however slow a request is on the
way, two messages never reach Telegram less than a second apart.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

OVERALL_PER_SECOND = 28  # Telegram: "about 30"; a little under, for jitter on the way
CHAT_MESSAGES_PER_SECOND = 1
POLL_TIMEOUT = 25  # seconds a getUpdates long poll waits for news


class _ChatPace:
    __slots__ = ("last_done", "lock")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.last_done = 0.0


class ChatRateLimiter(AIORateLimiter):
    """AIORateLimiter plus one message a second per private chat; RetryAfter is retried."""

    __slots__ = ("_chats", "_interval")

    def __init__(self, chat_rate: float = CHAT_MESSAGES_PER_SECOND, overall_rate: float = OVERALL_PER_SECOND) -> None:
        # aiolimiter's bucket lets a full second's worth through at once, which allows up to twice
        # the rate in a sliding second; a bucket of one, refilled every 1/30 s, never bursts.
        super().__init__(overall_max_rate=1, overall_time_period=1 / overall_rate, max_retries=3)
        self._interval = 1.0 / chat_rate
        self._chats: dict[int, _ChatPace] = {}

    def _pace(self, chat_id: int) -> _ChatPace:
        if len(self._chats) > 4096:  # forget chats quiet for a minute
            cutoff = time.monotonic() - 60
            for key, pace in list(self._chats.items()):
                if pace.last_done < cutoff and not pace.lock.locked():
                    del self._chats[key]
        pace = self._chats.get(chat_id)
        if pace is None:
            pace = self._chats[chat_id] = _ChatPace()
        return pace

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        chat_id = data.get("chat_id")
        try:
            chat_id = int(chat_id) if chat_id is not None else None
        except (TypeError, ValueError):
            chat_id = None
        if not (endpoint.startswith("send") and chat_id is not None and chat_id > 0):
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        pace = self._pace(chat_id)
        async with pace.lock:
            wait = pace.last_done + self._interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            finally:
                pace.last_done = time.monotonic()


def make_bot(token: str, api_base_url: str) -> ExtBot:
    """An ExtBot against `api_base_url` (Telegram's, or a local server in tests and staging)."""
    base = api_base_url.rstrip("/")
    return ExtBot(
        token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=HTTPXRequest(connection_pool_size=64, read_timeout=15, write_timeout=15, connect_timeout=10, pool_timeout=10),
        get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=POLL_TIMEOUT + 15, connect_timeout=10),
        rate_limiter=ChatRateLimiter(),
    )
