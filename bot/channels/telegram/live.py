"""A Telegram chat during a live handoff: the child's updates go to the counsellor, and the
counsellor's messages go out through the same outbox as the bot's."""

from __future__ import annotations

from typing import Any

from bot.buttons import BUTTON_PAYLOADS
from bot.channels.inbound import MEDIA_PAYLOAD, inbound_text
from bot.channels.telegram.replies import PAYLOAD_BUTTONS
from bot.channels.telegram.updates import Incoming
from bot.handoff.relay import relay
from bot.locales import catalog
from bot.settings import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES


async def relayed(conversation: str, incoming: Incoming) -> bool:
    """The child's message to their counsellor, when a live chat has the conversation: True."""
    if incoming.kind == "media":
        if not await relay().from_child(conversation, MEDIA_PAYLOAD):
            return False
        if incoming.text:  # a caption is words the child wrote
            await relay().from_child(conversation, inbound_text(incoming.text, allow_payloads=False))
        return True
    if incoming.kind == "callback":  # the button's payload ("was this helpful?"), or its id as a note
        data = str(incoming.callback_data or "button")[:64]
        return await relay().from_child(conversation, BUTTON_PAYLOADS.get(data) or "/" + data)
    return await relay().from_child(conversation, inbound_text(incoming.text, allow_payloads=False))


def outbox_message(message: dict[str, Any]) -> dict[str, Any]:
    """A relay message as the outbox keeps it: text, buttons by id (only ones the bot can check), language."""
    buttons = [{"id": PAYLOAD_BUTTONS[b["payload"]], "title": b["title"]}
               for b in message.get("buttons") or [] if b.get("payload") in PAYLOAD_BUTTONS]
    text = message.get("text") or ""
    if message.get("from") == "counsellor":  # every message comes from the bot's account: say who wrote this one
        language = message.get("language") if message.get("language") in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
        text = f"{catalog().telegram[language]['counsellor_label']}: {text}"
    return {"text": text, "buttons": buttons, "language": message.get("language")}
