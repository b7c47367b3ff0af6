"""What a Rasa turn's replies become on Telegram: texts with button ids, and inline keyboards."""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import BUTTON_PAYLOADS

CHANNEL = "telegram"
PAYLOAD_BUTTONS = {payload: button_id for button_id, payload in BUTTON_PAYLOADS.items()}


class ReplyCollector(CollectingOutputChannel):
    """Collects a Rasa turn's replies as {"text", "buttons": [{"id", "title"}], "language"}.

    Buttons travel as button ids (bot.buttons), which is what the inline keyboard's callback
    data carries; a button whose payload has no id could not be checked on its way back, so it
    is not offered.
    """

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        buttons = [
            {"id": PAYLOAD_BUTTONS[b["payload"]], "title": b["title"]}
            for b in message.get("buttons") or [] if b.get("payload") in PAYLOAD_BUTTONS
        ]
        text = message.get("text") or ""
        if text or buttons:
            self.messages.append({"text": text, "buttons": buttons, "language": message.get("language")})


def plain(reply: dict[str, Any]) -> dict[str, Any]:
    """A failsafe reply as the outbox keeps it: text only (its buttons' payloads were never offered here)."""
    return {"text": reply["text"], "buttons": [], "language": reply["language"]}


def keyboard(buttons: list[dict[str, str]]) -> InlineKeyboardMarkup | None:
    """Inline keyboard: two buttons a row when every title is short, else one a row."""
    if not buttons:
        return None
    per_row = 2 if all(len(b["title"]) <= 16 for b in buttons) else 1
    rows = [
        [InlineKeyboardButton(b["title"], callback_data=b["id"]) for b in buttons[i:i + per_row]]
        for i in range(0, len(buttons), per_row)
    ]
    return InlineKeyboardMarkup(rows)
