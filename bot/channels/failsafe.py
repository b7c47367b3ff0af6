"""The reply a child gets when the turn behind it failed or produced nothing.

Rasa answers `[]` when the action server is down, and raises when the database refuses
connections; whatever failed, a child who wrote an urgent message must still get the emergency
number. This needs nothing but the phrase lists and the text catalogue, both already in memory:
the safety net reads the text, and the urgent (or danger-now) reply is rendered for the language
(numbers for HOME_COUNTRY, or numbers that work in many countries). Anything else gets the
kind "please send it again", which also carries an emergency number.

A turn that is only slow (a database lock, a busy action server) must not hold the numbers
back either: `answered_in_time` lets a channel send them after URGENT_REPLY_WAIT seconds while
the turn goes on (on the web chat and Telegram its own replies follow when it ends).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.buttons import BUTTON_PAYLOADS
from bot.language import guess_language
from bot.locales import catalog
from bot.safety import safety_net
from bot.settings import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

log = logging.getLogger(__name__)
URGENT_PAYLOADS = frozenset(BUTTON_PAYLOADS[key] for key in ("feel_unsafe", "not_safe", "help_now"))
URGENT_REPLY_WAIT = 3.0  # a turn's p99 is under 0.2 s at 20 concurrent conversations (README, bench)


def prepare() -> None:
    """Build the phrase lists and the text catalogue when a channel starts. Built on first use they
    hold the event loop for several seconds (15 s on a slow machine): long enough for the web chat
    to drop every socket (PING_INTERVAL + PING_TIMEOUT) while a child waits for the numbers."""
    safety_net()
    catalog()


def failsafe_key(text: object) -> str:
    """Which text to send: "urgent", "danger_now" or "failed"."""
    if not isinstance(text, str):
        return "failed"
    if text.startswith("/"):  # a button or command: "I'm not safe" and "get help now" (/sos) are urgent
        return "urgent" if text in URGENT_PAYLOADS else "failed"
    urgent = safety_net().check(text).urgent
    return "danger_now" if urgent == "danger_now" else "urgent" if urgent else "failed"


def failsafe_reply(text: object, language: str | None = None) -> dict[str, Any]:
    """{"text", "buttons", "language", "urgent"} for a turn that produced nothing."""
    if language not in SUPPORTED_LANGUAGES:
        guessed = guess_language(text) if isinstance(text, str) else None
        language = guessed if guessed in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
    key = failsafe_key(text)
    reply = catalog().message(key, language)
    return {**reply.as_dict(), "language": language, "urgent": key != "failed"}


async def answered_in_time(turn: asyncio.Future[Any], text: object) -> bool:
    """Wait for a turn; False when the text is urgent and the turn is still running after
    URGENT_REPLY_WAIT seconds: the caller sends the failsafe reply now and the turn goes on
    (awaited later, or handed to `let_finish`). A caller cancelled meanwhile (a client that hung
    up) leaves the turn to finish: a turn stopped half-way could leave the conversation inconsistent."""
    try:
        if failsafe_key(text) == "failed":
            await asyncio.shield(turn)
            return True
        finished, _ = await asyncio.wait({turn}, timeout=URGENT_REPLY_WAIT)
    except asyncio.CancelledError:
        let_finish(turn)
        raise
    if finished:
        turn.result()  # its exception, if any, goes to the caller as before
        return True
    return False


_left_running: set[asyncio.Future[Any]] = set()  # a strong reference until each is done


def let_finish(turn: asyncio.Future[Any]) -> None:
    """Leave a turn nobody awaits any more to finish; a failure is logged by type only."""
    _left_running.add(turn)
    turn.add_done_callback(_finished_alone)


def _finished_alone(turn: asyncio.Future[Any]) -> None:
    _left_running.discard(turn)
    if not turn.cancelled() and turn.exception() is not None:
        log.error("a turn left to finish failed (%s)", type(turn.exception()).__name__)
