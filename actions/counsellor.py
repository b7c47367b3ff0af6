"""Whether to put a child in the queue for a counsellor: only when one can come.

A child queued for nobody waits for nothing, so the queue is used only within the counsellors'
hours (HOURS_FILE, bot.handoff.hours) and while a counsellor is signed in, available and under
their maximum of chats (bot.handoff.presence.counsellors_free).
If the database cannot say, nobody is promised: the child still gets the numbers.
"""

from __future__ import annotations

import logging

from actions.turn import Turn
from bot.handoff.hours import open_now
from bot.handoff.presence import counsellors_free
from bot.handoff.store import cancel_waiting, typical_wait_minutes, waiting_position

log = logging.getLogger(__name__)


# Channels that can carry a live chat (bot.handoff.relay has a sender for them). A REST client gets
# no pushed messages, so a child there is never queued for a counsellor who could not reach them.
LIVE_CHANNELS = frozenset({"webchat", "telegram"})


def queue_if_someone_can_come(turn: Turn) -> bool:
    """Queue this conversation if a counsellor can come; True when they can."""
    if turn.tracker.get_latest_input_channel() not in LIVE_CHANNELS:
        return False
    try:
        free = counsellors_free() if open_now() else 0
    except Exception as exc:  # noqa: BLE001 - only the type: a database error may quote values
        log.warning("counsellor availability unknown (%s); not queueing", type(exc).__name__)
        free = 0
    if free:
        turn.queue_for_counsellor = True
    return free > 0


def queue_answer(turn: Turn, topic: str) -> tuple[str | None, dict[str, str]]:
    """What to say to a question about the service while the child may be in the queue:
    "how long?" and "is anyone there?" get their place in line and an honest wait; "cancel"
    takes them out of it (and says nothing if they were not in it)."""
    conversation = turn.tracker.sender_id
    try:
        if topic in ("wait_time", "anyone_there"):
            position = waiting_position(conversation)
            if position is not None:
                minutes = typical_wait_minutes()
                if minutes is None:
                    return "faq_waiting_unknown", {"position": str(position)}
                return "faq_waiting", {"position": str(position), "minutes": str(minutes * position)}
        elif topic == "leave_queue":
            return ("faq_leave_queue" if cancel_waiting(conversation) else None), {}
    except Exception as exc:  # noqa: BLE001 - the plain answer still comes
        log.warning("the queue could not be read (%s)", type(exc).__name__)
        if topic == "leave_queue":
            return None, {}
    return f"faq_{topic}", {}
