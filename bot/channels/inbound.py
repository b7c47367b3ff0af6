"""Turning what a channel received into the text Rasa parses, the same way on every channel.

Rasa parses text that starts with `/` as an intent at confidence 1.0, so a child typing
"/urgent_risk" or "/restart" must not steer the bot: only exact button payloads and a few
commands pass; any other leading slash is dropped and the words go to the NLU model.
"""

from __future__ import annotations

from bot.buttons import ALLOWED_PAYLOADS

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
EMPTY_PAYLOAD = '/nlu_fallback{"input":"empty"}'
MEDIA_PAYLOAD = "/shared_media"
QUICK_EXIT_PAYLOAD = "/restart"
GREET_PAYLOAD = "/greet"
COMMANDS = {
    "/start": GREET_PAYLOAD,
    "/help": "/help",
    "/menu": "/help",
    "/language": "/choose_language",
    "/lugha": "/choose_language",
    "/sos": "/help_now",  # the numbers, always in reach (Telegram's command menu lists it first)
}


def inbound_text(text: object, allow_payloads: bool = True) -> str:
    """The text to hand to Rasa for what a child sent (None or non-text counts as empty).

    `allow_payloads=False` is for channels whose buttons never arrive as typed text (Telegram's
    inline keyboards answer with callbacks), so there even an exact payload is only words.
    """
    if not isinstance(text, str) or not text.strip(ZERO_WIDTH + " \t\r\n"):
        return EMPTY_PAYLOAD
    stripped = text.strip()
    if allow_payloads and (stripped in ALLOWED_PAYLOADS or stripped == GREET_PAYLOAD):
        return stripped
    command = COMMANDS.get(stripped.split("@")[0].lower())
    if command:
        return command
    if stripped.startswith("/"):
        words = stripped.lstrip("/").strip()
        return words if words.strip(ZERO_WIDTH) else EMPTY_PAYLOAD
    return text
