"""An urgent message that arrived while the database could not store it: the numbers now.

Such an update is not acknowledged, so nothing is lost: Telegram delivers it again (webhook) or
it is fetched again (polling), and the full turn follows once the database is back. But a child
who wrote that their life or safety is at risk must not wait for a database: the emergency
numbers are sent straight to the chat, without the store, once per update (Telegram delivers
the same update again every few seconds).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.channels.failsafe import failsafe_key, failsafe_reply
from bot.channels.inbound import inbound_text
from bot.channels.telegram.updates import classify, to_html
from bot.settings import SUPPORTED_LANGUAGES

log = logging.getLogger(__name__)
REMEMBERED = 1_000  # update ids already answered this way


class UnstoredUrgent:
    def __init__(self, bot: ExtBot) -> None:
        self.bot = bot
        self._answered: OrderedDict[int, None] = OrderedDict()

    async def answer(self, update: dict[str, Any]) -> bool:
        """Send the emergency numbers if this update is an urgent text not yet answered; True if sent."""
        incoming = classify(update)
        update_id = update.get("update_id")
        if incoming.kind != "text" or incoming.chat_id is None or not isinstance(update_id, int):
            return False
        text = inbound_text(incoming.text, allow_payloads=False)
        if update_id in self._answered or failsafe_key(text) == "failed":
            return False
        hint = incoming.language_hint if incoming.language_hint in SUPPORTED_LANGUAGES else None
        reply = failsafe_reply(text, hint)
        self._answered[update_id] = None
        while len(self._answered) > REMEMBERED:
            self._answered.popitem(last=False)
        try:
            await self.bot.send_message(incoming.chat_id, to_html(reply["text"]), parse_mode="HTML")
        except (TelegramError, OSError) as exc:  # the next delivery of the update tries again
            self._answered.pop(update_id, None)
            log.warning("telegram: the emergency numbers could not be sent while the database is down (%s)", type(exc).__name__)
            return False
        log.error("telegram: an urgent message could not be stored; the emergency numbers were sent without it")
        return True
