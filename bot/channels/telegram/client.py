"""The python-telegram-bot client: one ExtBot, rate limited the way Telegram asks.

PTB's AIORateLimiter holds the whole bot to about 30 requests a second (and groups to 20 a
minute); it has no limit per private chat, where Telegram asks for at most one message a
second. `ChatRateLimiter` adds that for every `send*` call to a private chat.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

OVERALL_PER_SECOND = 30
CHAT_MESSAGES_PER_SECOND = 1
POLL_TIMEOUT = 25  # seconds a getUpdates long poll waits for news


class ChatRateLimiter(AIORateLimiter):
    """AIORateLimiter plus one message a second per private chat; RetryAfter is retried."""

    __slots__ = ("_chat_limiters", "_chat_rate")

    def __init__(self, chat_rate: float = CHAT_MESSAGES_PER_SECOND, overall_rate: float = OVERALL_PER_SECOND) -> None:
        super().__init__(overall_max_rate=overall_rate, overall_time_period=1, max_retries=3)
        self._chat_rate = chat_rate
        self._chat_limiters: dict[int, AsyncLimiter] = {}

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        if len(self._chat_limiters) > 4096:  # forget idle chats
            for key, limiter in list(self._chat_limiters.items()):
                if limiter.has_capacity(limiter.max_rate):
                    del self._chat_limiters[key]
        limiter = self._chat_limiters.get(chat_id)
        if limiter is None:
            limiter = self._chat_limiters[chat_id] = AsyncLimiter(self._chat_rate, 1)
        return limiter

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
        if endpoint.startswith("send") and chat_id is not None and chat_id > 0:
            async with self._chat_limiter(chat_id):
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


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
