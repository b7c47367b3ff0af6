"""Rasa's Redis lock store, with its Redis calls off the event loop.

With several servers (REDIS_URL), each conversation's turns are serialised by a ticket lock kept
in Redis. Rasa's RedisLockStore talks to Redis with the synchronous client from inside the
coroutine that takes the lock, so a Redis that stops answering (a failover, a full network
buffer, a paused container) froze the whole event loop for its socket timeout on every call:
every chat on every channel waited, and a child's urgent message could not get the failsafe
reply, whose timer runs on that loop. Here each call runs in one of two worker threads; the loop
keeps serving, and a turn held up behind the lock gets the numbers after URGENT_REPLY_WAIT
(bot/channels/failsafe.py) like any slow turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.tracker_store import finished_in_thread

T = TypeVar("T")
_POOL = ThreadPoolExecutor(2, thread_name_prefix="lock-store")
# Redis answers a lock call in well under a millisecond; a call that has not answered in this
# long will not (Rasa's default is 10 s, for which a worker thread would be held).
SOCKET_TIMEOUT = 3.0


async def _in_thread(call: Callable[..., T], *args: Any) -> T:
    """One blocking Redis call in a worker thread. A cancelled turn still waits for it: the ticket
    it issues or releases must be written, or the conversation's next turn waits for a ticket that
    nobody will finish."""
    return await finished_in_thread(_POOL, call, *args)


class ThreadedRedisLockStore(RedisLockStore):
    """RedisLockStore whose `lock()` never blocks the event loop (endpoint type
    "bot.lock_store.ThreadedRedisLockStore", built by bot.server.lock_store_config)."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        options = {"socket_timeout": SOCKET_TIMEOUT, **endpoint_config.kwargs}
        super().__init__(host=endpoint_config.url or "localhost", **options)

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        ticket = await _in_thread(self.issue_ticket, conversation_id, lock_lifetime)
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            await _in_thread(self.cleanup, conversation_id, ticket)

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        """Rasa's loop (wait for this ticket's turn), each Redis call in a thread; no id is logged."""
        while True:
            lock = await _in_thread(self.get_lock, conversation_id)
            if not lock:
                break  # expired
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            await _in_thread(self.update_lock, conversation_id)
        raise LockError("Could not acquire the conversation's lock: it expired")
