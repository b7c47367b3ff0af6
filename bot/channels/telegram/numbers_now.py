"""The emergency numbers sent straight to a Telegram chat, when the usual way would keep a child
waiting: past the store and the outbox, which both need the database.

Two cases. An update that cannot be stored (the database is down or locked) is not acknowledged,
so nothing is lost: Telegram delivers it again (webhook) or it is fetched again (polling), and the
full turn follows once the database is back. And a stored update whose turn is still running after
URGENT_REPLY_WAIT seconds (a slow database or action server): its replies follow when it ends.
In both, a child who wrote that their life or safety is at risk gets the numbers now. Once per
update in this process; two servers, or a restart, may send them twice, which is harmless where
a missing one is not.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from telegram.ext import ExtBot

from bot.channels.failsafe import failsafe_key, failsafe_reply
from bot.channels.inbound import inbound_text
from bot.channels.telegram.updates import Incoming, classify, to_html
from bot.settings import SUPPORTED_LANGUAGES

log = logging.getLogger(__name__)
REMEMBERED = 1_000  # update ids already answered this way


class NumbersNow:
    """Sends the failsafe reply of an urgent message directly through the Bot API."""

    def __init__(self, bot: ExtBot) -> None:
        self.bot = bot
        self._answered: OrderedDict[int, None] = OrderedDict()

    async def unstored(self, update: dict[str, Any]) -> bool:
        """An update the store refused: the numbers if it is an urgent text (or caption)."""
        incoming = classify(update)
        if incoming.kind not in ("text", "media") or not incoming.text:
            return False
        return await self.send(incoming, inbound_text(incoming.text, allow_payloads=False), update.get("update_id"))

    async def send(self, incoming: Incoming, text: str, update_id: object) -> bool:
        """The numbers to the chat if `text` is urgent and this update has not had them; True if sent."""
        if incoming.chat_id is None or not isinstance(update_id, int) or update_id in self._answered:
            return False
        if failsafe_key(text) == "failed":
            return False
        self._answered[update_id] = None
        while len(self._answered) > REMEMBERED:
            self._answered.popitem(last=False)
        hint = incoming.language_hint if incoming.language_hint in SUPPORTED_LANGUAGES else None
        try:
            await self.bot.send_message(incoming.chat_id, to_html(failsafe_reply(text, hint)["text"]), parse_mode="HTML")
        except Exception as exc:  # noqa: BLE001 - the update's next delivery, or its turn, tries again
            self._answered.pop(update_id, None)
            log.error("telegram: the emergency numbers could not be sent straight away (%s)", type(exc).__name__)
            return False
        log.warning("telegram: an urgent message could not be answered in time; the emergency numbers were sent straight away")
        return True
