"""The web chat during a live handoff: what the counsellor sees when the child's page goes or comes
back, and what a returning page is sent again."""

from __future__ import annotations

import asyncio
import logging

from socketio import AsyncServer

from bot.handoff import store
from bot.handoff.relay import relay

log = logging.getLogger(__name__)
RESENT_LIVE = 20  # a live chat's latest counsellor messages sent again to a page that reconnects
GONE = "The child's page closed or lost its connection. They may come back."
BACK = "The child's page is connected again."


async def _note(conversation: str, text: str) -> store.Chat | None:
    chat = await asyncio.to_thread(store.live_chat, conversation)
    if chat is not None:
        await asyncio.to_thread(store.add_message, chat.id, "system", text)
        await relay().announce(chat.id)
    return chat


async def page_gone(conversation: str) -> None:
    """The socket closed (a closed page, a lost network): the counsellor sees it at once."""
    try:
        await _note(conversation, GONE)
    except Exception as exc:  # noqa: BLE001
        log.warning("webchat: noting a closed page in a live chat failed (%s)", type(exc).__name__)


async def page_back(sio: AsyncServer, sid: str, conversation: str) -> None:
    """A page back after a lost connection or a server restart: the counsellor is told, and the
    page gets the counsellor's recent messages again (it drops the ones it already shows, by id)."""
    try:
        chat = await _note(conversation, BACK)
        if chat is None:
            return
        said = [m for m in await asyncio.to_thread(store.messages_after, chat.id, 0) if m.sender == "counsellor"]
        for message in said[-RESENT_LIVE:]:
            payload = {"text": message.text, "id": f"live:{message.seq}", "metadata": {"language": chat.language, "from": "counsellor"}}
            await sio.emit("bot_uttered", payload, room=sid)
    except Exception as exc:  # noqa: BLE001
        log.warning("webchat: resending a live chat's messages failed (%s)", type(exc).__name__)
