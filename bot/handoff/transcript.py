"""The bot's side of a conversation, for the counsellor who takes it: what the child and the bot
said since the session started, read from Rasa's tracker store once, at the take."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa.shared.core.events import BotUttered, SessionStarted, UserUttered

from bot.handoff.relay import Transcript, payload_note

MAX_LINES = 200


def lines(events: list[Any]) -> list[tuple[str, str]]:
    """(sender, text) for the current session's messages; button payloads shown as what they are."""
    start = max((i for i, event in enumerate(events) if isinstance(event, SessionStarted)), default=0)
    found: list[tuple[str, str]] = []
    for event in events[start:]:
        if isinstance(event, UserUttered) and event.text:
            found.append(("child", payload_note(event.text)))
        elif isinstance(event, BotUttered) and event.text:
            found.append(("bot", event.text))
    return found[-MAX_LINES:]


def transcript_source(agent: Callable[[], Any]) -> Transcript:
    """A reader of transcripts from the running agent's tracker store (`agent()` gives the agent)."""
    async def read(conversation: str) -> list[tuple[str, str]]:
        current = agent()
        if current is None or current.tracker_store is None:
            return []
        tracker = await current.tracker_store.retrieve(conversation)
        return lines(list(tracker.events)) if tracker is not None else []

    return read
