"""Rasa's SQL tracker store, made to survive a database restart and never to stall the server.

rasa.core.tracker_store.SQLTrackerStore pools connections without checking them, so the first
message after PostgreSQL restarts finds a dead connection, the conversation cannot be loaded and
the child silently starts over (age, country and topic forgotten). Checking each connection
before use (`pool_pre_ping`) costs one round trip per checkout and keeps the conversation.

Its methods are coroutines that do blocking database work without ever awaiting, so an SQLite
lock held for 20 s (a backup, a purge's VACUUM) froze the whole event loop: every child on every
channel waited, and an urgent message's reply came after two 10 s lock waits (one to create the
tracker, one to save it). Here each of them runs in one of two worker threads instead, and a
PostgreSQL that does not answer fails after a connect timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker

from bot.database import connect_args
from bot.sqlite import tune_sqlite

T = TypeVar("T")
# Two threads: SQLite takes one writer at a time anyway, and more threads fight the event loop for
# the GIL (20 concurrent conversations back to back, p95: 2 threads 410-463 ms, 4 threads 661-678,
# 20 threads 761-780, the default pool 697-705; on the loop itself 426-521 ms).
_POOL = ThreadPoolExecutor(2, thread_name_prefix="tracker-store")


async def _in_thread(method: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run one of Rasa's store methods in a worker thread. A cancelled turn (a client that hung up)
    still waits for the work to end: Rasa lets go of the conversation's lock on cancellation, and a
    save still writing beside the next turn's read would lose or repeat events."""
    return await finished_in_thread(_POOL, _run_to_end, method)


async def finished_in_thread(pool: ThreadPoolExecutor, call: Callable[..., T], *args: Any) -> T:
    """`call(*args)` in one of `pool`'s threads; a caller cancelled meanwhile still waits for it to end
    (a store's write must not be left half done under the next turn)."""
    job = asyncio.get_running_loop().run_in_executor(pool, call, *args)
    try:
        return await asyncio.shield(job)
    except asyncio.CancelledError:
        await asyncio.wait({job})
        raise


def _run_to_end(method: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Call, in this (worker) thread, a method whose coroutine never suspends: Rasa's SQL store
    methods only await each other and `stream_events`, which returns at once without an event
    broker (refused in __init__)."""
    coroutine = method()
    try:
        coroutine.send(None)
    except StopIteration as finished:
        return finished.value
    coroutine.close()
    raise RuntimeError("the tracker store awaited something: it cannot run in a worker thread")


class ResilientSQLTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Any = None, **kwargs: Any) -> None:
        super().__init__(domain=domain, **kwargs)
        if self.event_broker is not None:
            raise ValueError("ResilientSQLTrackerStore runs its work in threads and cannot stream to an event broker")
        url = self.engine.url
        self.engine.dispose()
        options = create_engine_kwargs(url)
        options["connect_args"] = {**options.get("connect_args", {}), **connect_args(url)}
        self.engine = tune_sqlite(sa.create_engine(url, pool_pre_ping=True, hide_parameters=True, **options))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await _in_thread(partial(SQLTrackerStore.save, self, tracker))

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        return await _in_thread(partial(SQLTrackerStore._retrieve, self, sender_id, fetch_events_from_all_sessions))

    async def keys(self) -> Iterable[str]:
        return await _in_thread(partial(SQLTrackerStore.keys, self))
