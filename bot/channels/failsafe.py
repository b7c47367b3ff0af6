"""The reply a child gets when the turn behind it failed or produced nothing.

Rasa answers `[]` when the action server is down, and raises when the database refuses
connections; whatever failed, a child who wrote an urgent message must still get the emergency
number. This needs nothing but the phrase lists and the text catalogue, both already in memory:
the safety net reads the text, and the urgent (or danger-now) reply is rendered for the language
(numbers for HOME_COUNTRY, or numbers that work in many countries). Anything else gets the
kind "please send it again", which also carries an emergency number.
"""

from __future__ import annotations

from typing import Any

from bot.language import guess_language
from bot.locales import catalog
from bot.safety import safety_net
from bot.settings import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES


def failsafe_key(text: object) -> str:
    """Which text to send: "urgent", "danger_now" or "failed"."""
    if not isinstance(text, str) or text.startswith("/"):
        return "failed"
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
