"""One turn of the conversation: the render context, what to say, and which slots change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType

from bot.settings import get_settings
from bot.triage import Triage


@dataclass
class Turn:
    """One action run: the render context, what to say and which slots change."""

    tracker: Tracker
    triage: Triage
    language: str
    age_band: str | None
    country: str | None
    replies: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    outcome: str | None = None
    asked_for_person: bool = False
    queue_for_counsellor: bool = False
    quick_exit: bool = False
    extra_events: list[EventType] = field(default_factory=list)
    # What the dialogue learnt beyond the message's own triage (e.g. "yes" to a suicide question).
    risk_floor: str = "none"
    extra_categories: dict[str, str | None] = field(default_factory=dict)

    def slot(self, name: str) -> Any:
        return self.slots[name] if name in self.slots else self.tracker.get_slot(name)

    def set(self, **values: Any) -> None:
        self.slots.update(values)
        for name in ("language", "age_band", "country"):
            if name in values:
                setattr(self, name, values[name] if values[name] != "unknown" else None)

    def say(self, key: str, extra_buttons: list[dict[str, Any]] | None = None, values: dict[str, str] | None = None) -> None:
        """`values` fill a text's live placeholders (bot.locales.LIVE_FIELDS), e.g. the place in the queue."""
        self.replies.append({"name": f"msg:{key}", "language": self.language, "extra_buttons": extra_buttons, "values": values})

    def say_step(self, topic: str, step: int, extra_buttons: list[dict[str, Any]] | None = None) -> None:
        self.replies.append({"name": f"step:{topic}:{step}", "language": self.language, "extra_buttons": extra_buttons})

    def said(self, key: str) -> bool:
        return any(r["name"] == f"msg:{key}" for r in self.replies)

    @property
    def entities(self) -> dict[str, str]:
        return {e["entity"]: e["value"] for e in self.tracker.latest_message.get("entities", []) if "value" in e}

    @property
    def text(self) -> str:
        return self.tracker.latest_message.get("text") or ""

    @property
    def is_payload(self) -> bool:
        """A button press (or command): the child chose; typed text is never this (bot.channels.inbound)."""
        return self.text.startswith("/")

    @property
    def intent(self) -> str:
        return self.triage.intent

    @property
    def home_country(self) -> str | None:
        return get_settings().home_country
