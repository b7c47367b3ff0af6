"""Reading a raw Telegram update (the Bot API's JSON) into what the bot will do with it.

Pure functions, no I/O: the webhook and the poller use `chat_of` to key an update to its chat
before storing it; the worker uses `classify` to decide what the update means. Media are never
fetched: only the fact that something other than text arrived is kept.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

# Update kinds the bot asks Telegram for (setWebhook / getUpdates `allowed_updates`).
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")
# Message fields that mean "the child sent something that is not text".
MEDIA_FIELDS = (
    "photo", "video", "voice", "video_note", "audio", "sticker", "document", "animation",
    "contact", "location", "venue", "poll", "dice", "game", "story", "paid_media",
)
# Commands the channel itself carries out; the others go to Rasa through inbound_text.
CHANNEL_COMMANDS = ("exit", "forget")
MEMBER_STATUSES = ("member", "administrator")


@dataclass(frozen=True)
class Incoming:
    """What one update asks of the bot.

    kind: "text" (text, caption or edited text), "media", "command" (exit/forget),
    "callback" (an inline button), "group" (the bot is in a group: say so and leave),
    or "ignore".
    """

    kind: str
    chat_id: int | None = None
    text: str | None = None
    command: str | None = None
    callback_id: str | None = None
    callback_data: str | None = None
    callback_message_id: int | None = None
    language_hint: str | None = None


def _message_of(update: dict[str, Any]) -> dict[str, Any] | None:
    for key in ("message", "edited_message"):
        value = update.get(key)
        if isinstance(value, dict):
            return value
    return None


def _dict(value: Any) -> dict[str, Any]:
    """A nested object of an update, or {} when the sender put something else there."""
    return value if isinstance(value, dict) else {}


def chat_of(update: dict[str, Any]) -> tuple[int, str] | None:
    """(chat id, chat type) of an update the bot handles, or None for any other update."""
    chat = None
    message = _message_of(update)
    if message is not None:
        chat = message.get("chat")
    elif isinstance(update.get("callback_query"), dict):
        chat = _dict(update["callback_query"].get("message")).get("chat")
    elif isinstance(update.get("my_chat_member"), dict):
        chat = update["my_chat_member"].get("chat")
    if not isinstance(chat, dict) or not isinstance(chat.get("id"), int) or isinstance(chat.get("id"), bool):
        return None
    return chat["id"], str(chat.get("type") or "")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _language_hint(user: Any) -> str | None:
    code = user.get("language_code") if isinstance(user, dict) else None
    return code.split("-")[0].lower() if isinstance(code, str) and code else None


def _command(text: str) -> str | None:
    """"exit" for "/exit" or "/exit@helper_bot" (the whole message), else None."""
    stripped = text.strip()
    if not stripped.startswith("/") or " " in stripped:
        return None
    name = stripped[1:].split("@", 1)[0].lower()
    return name if name in CHANNEL_COMMANDS else None


def _chat_min(chat: Any) -> dict[str, Any] | None:
    return {"id": chat.get("id"), "type": chat.get("type")} if isinstance(chat, dict) else None


def _from_min(user: Any) -> dict[str, Any]:
    return {"language_code": user.get("language_code")} if isinstance(user, dict) and user.get("language_code") else {}


def minimise(update: dict[str, Any]) -> dict[str, Any]:
    """Only what `classify` reads: no names, usernames or file ids are ever stored.

    Media become a flag (the file id could fetch the picture), the sender only their language.
    """
    kept: dict[str, Any] = {"update_id": update.get("update_id")}
    for key in ("message", "edited_message"):
        message = update.get(key)
        if isinstance(message, dict):
            slim = {"chat": _chat_min(message.get("chat")), "from": _from_min(message.get("from"))}
            for field in ("text", "caption"):
                if isinstance(message.get(field), str):
                    slim[field] = message[field]
            slim.update({field: True for field in MEDIA_FIELDS if field in message})
            kept[key] = slim
    query = update.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message") if isinstance(query.get("message"), dict) else {}
        kept["callback_query"] = {
            "id": query.get("id"), "data": query.get("data"), "from": _from_min(query.get("from")),
            "message": {"message_id": message.get("message_id"), "chat": _chat_min(message.get("chat"))},
        }
    member = update.get("my_chat_member")
    if isinstance(member, dict):
        status = (member.get("new_chat_member") or {}).get("status") if isinstance(member.get("new_chat_member"), dict) else None
        kept["my_chat_member"] = {
            "chat": _chat_min(member.get("chat")), "from": _from_min(member.get("from")), "new_chat_member": {"status": status},
        }
    return kept


def classify(update: dict[str, Any]) -> Incoming:
    """What the bot should do with one update."""
    found = chat_of(update)
    if found is None:
        return Incoming("ignore")
    chat_id, chat_type = found
    if chat_type != "private":
        member = update.get("my_chat_member")
        if isinstance(member, dict):
            status = _dict(member.get("new_chat_member")).get("status")
            if status not in MEMBER_STATUSES:
                return Incoming("ignore", chat_id)  # removed from the group: nothing to say
            return Incoming("group", chat_id, language_hint=_language_hint(member.get("from")))
        message = _message_of(update) or {}
        return Incoming("group", chat_id, language_hint=_language_hint(message.get("from")))

    query = update.get("callback_query")
    if isinstance(query, dict):
        return Incoming(
            "callback", chat_id,
            callback_id=str(query.get("id") or ""),
            callback_data=query.get("data") if isinstance(query.get("data"), str) else None,
            callback_message_id=_int(_dict(query.get("message")).get("message_id")),
            language_hint=_language_hint(query.get("from")),
        )
    message = _message_of(update)
    if message is None:
        return Incoming("ignore", chat_id)  # my_chat_member in a private chat: blocked or unblocked
    hint = _language_hint(message.get("from"))
    text = message.get("text")
    if isinstance(text, str):
        command = _command(text)
        if command:
            return Incoming("command", chat_id, command=command, language_hint=hint)
        return Incoming("text", chat_id, text=text, language_hint=hint)
    caption = message.get("caption") if isinstance(message.get("caption"), str) else None
    if any(field in message for field in MEDIA_FIELDS):
        return Incoming("media", chat_id, text=caption, language_hint=hint)
    # Service messages (pinned, chat created...) and anything unknown carry nothing to answer.
    return Incoming("ignore", chat_id)


# --- outgoing text -----------------------------------------------------------------------------
MAX_MESSAGE_UTF16 = 4096  # Telegram counts a message's length in UTF-16 code units


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int) -> int:
    """The largest index i with text[:i] within `limit` UTF-16 units, never inside a surrogate pair."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_message(text: str, limit: int = MAX_MESSAGE_UTF16) -> list[str]:
    """Split a reply into Telegram-sized parts at paragraph, then line, then word boundaries."""
    parts: list[str] = []
    rest = text.strip()
    while _utf16_len(rest) > limit:
        hard = _cut(rest, limit)
        window = rest[:hard]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            found = window.rfind(separator)
            if found > hard // 2:
                cut = found
                break
        if cut <= 0:
            cut = hard
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def to_html(text: str) -> str:
    """A locale text as Telegram HTML: everything escaped, and its **bold** made bold."""
    return _BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))
