"""Turning what a channel received into the text Rasa parses, the same way on every channel.

Rasa parses text that starts with `/` as an intent at confidence 1.0, so a child typing
"/urgent_risk" or "/restart" must not steer the bot: only exact button payloads and a few
commands pass; any other leading slash is dropped and the words go to the NLU model.

The text is also bounded: at most MAX_TEXT characters reach the model (Telegram's own limit;
a 40,000-character message cost 3 GB and stalled every other child), cut at a word, and lone
surrogates (which no database can store) become U+FFFD. A cut message is acknowledged kindly
(`was_cut` -> the channel's `cut` metadata -> the action says so).
"""

from __future__ import annotations

from bot.buttons import ALLOWED_PAYLOADS
from bot.languages import commands

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
MAX_TEXT = 4096
EMPTY_PAYLOAD = '/nlu_fallback{"input":"empty"}'
MEDIA_PAYLOAD = "/shared_media"
QUICK_EXIT_PAYLOAD = "/restart"
GREET_PAYLOAD = "/greet"
FIXED_COMMANDS = {"/start": GREET_PAYLOAD}  # Telegram's own; the rest are each language's (lexicon.yml)


def inbound_text(text: object, allow_payloads: bool = True) -> str:
    """The text to hand to Rasa for what a child sent (None or non-text counts as empty).

    `allow_payloads=False` is for channels whose buttons never arrive as typed text (Telegram's
    inline keyboards answer with callbacks), so there even an exact payload is only words.
    """
    if not isinstance(text, str) or not text.strip(ZERO_WIDTH + " \t\r\n"):
        return EMPTY_PAYLOAD
    text = _bounded(text)
    stripped = text.strip()
    if allow_payloads and (stripped in ALLOWED_PAYLOADS or stripped == GREET_PAYLOAD):
        return stripped
    word = stripped.split("@")[0].lower()
    command = FIXED_COMMANDS.get(word) or commands().get(word)
    if command:
        return command
    if stripped.startswith("/"):
        words = stripped.lstrip("/").strip()
        return words if words.strip(ZERO_WIDTH) else EMPTY_PAYLOAD
    return text


def was_cut(text: object) -> bool:
    """True when `inbound_text` kept only the first part of this message."""
    return isinstance(text, str) and len(text) > MAX_TEXT


def inbound_metadata(text: object, language: object = None) -> dict[str, object]:
    """The metadata a channel passes with the turn: the page's language hint, and whether the text was cut."""
    metadata: dict[str, object] = {}
    if isinstance(language, str) and len(language) <= 8:
        metadata["language"] = language
    if was_cut(text):
        metadata["cut"] = True
    return metadata


def _bounded(text: str) -> str:
    if len(text) > MAX_TEXT:
        head = text[:MAX_TEXT]
        space = head.rfind(" ", MAX_TEXT // 2)
        text = head[:space] if space > 0 else head
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace") if _has_surrogate(text) else text


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
