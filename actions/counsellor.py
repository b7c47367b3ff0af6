"""Whether to put a child in the queue for a counsellor: only when one can come.

A child queued for nobody waits for nothing, so the queue is used only within the counsellors'
hours (HOURS_FILE, bot.handoff.hours) and while a counsellor is signed in, available and under
their maximum of chats (bot.handoff.store.counsellors_free).
If the database cannot say, nobody is promised: the child still gets the numbers.
"""

from __future__ import annotations

import logging

from actions.turn import Turn
from bot.handoff.hours import open_now
from bot.handoff.store import counsellors_free

log = logging.getLogger(__name__)


def queue_if_someone_can_come(turn: Turn) -> bool:
    """Queue this conversation if a counsellor can come; True when they can."""
    try:
        free = counsellors_free() if open_now() else 0
    except Exception as exc:  # noqa: BLE001 - only the type: a database error may quote values
        log.warning("counsellor availability unknown (%s); not queueing", type(exc).__name__)
        free = 0
    if free:
        turn.queue_for_counsellor = True
    return free > 0
