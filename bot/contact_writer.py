"""Contact-log writes off the reply path: in order, retried until the database answers.

A database that refuses connections, or an SQLite lock held for 20 s, must delay the record,
never the child's reply. Each turn's change goes into a queue that one thread writes in order
(the order matters: the first attribute seen wins); a transient failure (refused connection,
lock, restart) is retried with back-off, a permanent one (a bad row) is dropped and logged by
type. The action waits at most REPLY_WAIT seconds for its own write, so in the normal case the
record exists when the reply goes out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from concurrent.futures import Future
from functools import lru_cache

from sqlalchemy.exc import InterfaceError, OperationalError

from bot.contact_log import ContactUpdate, merge_turn
from bot.database import engine

log = logging.getLogger(__name__)
REPLY_WAIT = 1.0
MAX_QUEUED = 10_000
BACKOFF = (0.2, 30.0)


def _transient(exc: Exception) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError)) or bool(getattr(exc, "connection_invalidated", False))


class ContactWriter:
    def __init__(self, url: str | None = None) -> None:
        self.url = url
        self._queue: deque[tuple[ContactUpdate, Future[bool]]] = deque()
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, change: ContactUpdate) -> Future[bool]:
        """Queue one turn's change; the future is done once it is written (or dropped)."""
        done: Future[bool] = Future()
        with self._ready:
            if len(self._queue) >= MAX_QUEUED:  # a very long outage: the oldest change gives way
                _, oldest = self._queue.popleft()
                oldest.set_result(False)
                log.error("contact log: queue full, the oldest record change was dropped")
            self._queue.append((change, done))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="contact-writer", daemon=True)
                self._thread.start()
            self._ready.notify()
        return done

    @property
    def waiting(self) -> int:
        return len(self._queue)

    def _run(self) -> None:
        delay = BACKOFF[0]
        outage = False
        while True:
            with self._ready:
                while not self._queue:
                    self._ready.wait()
                change, done = self._queue[0]
            try:
                with engine(self.url).begin() as conn:
                    merge_turn(conn, change)
            except Exception as exc:  # noqa: BLE001 - only the type is logged: a value may identify a child
                if _transient(exc):
                    if not outage:
                        log.warning("contact log: database unavailable (%s); records wait and are retried", type(exc).__name__)
                    outage = True
                    time.sleep(delay)
                    delay = min(delay * 2, BACKOFF[1])
                    continue
                log.error("contact log: a record change could not be written (%s) and was dropped", type(exc).__name__)
                result = False
            else:
                if outage:
                    log.warning("contact log: database back; %d waiting record changes follow", len(self._queue) - 1)
                outage, delay, result = False, BACKOFF[0], True
            with self._ready:
                self._queue.popleft()
            if not done.done():
                done.set_result(result)


@lru_cache(maxsize=1)
def contact_writer() -> ContactWriter:
    """The process's one writer (the action server's)."""
    return ContactWriter()
