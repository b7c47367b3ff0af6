"""A child's conversation run in process: the trained model, the one-step rules and the real actions.

The same driver `python -m bot evaluate` uses (bot.evaluate.Conversation); here with helpers to
read what the bot said (text keys like "msg:urgent" or "step:sextortion:0") and its state.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.evaluate import Conversation, rules_table


class Chat:
    """Send messages one after another; `keys` are the text keys of the last reply."""

    def __init__(self, agent: Any, executor: Any, language: str = "en", channel: str | None = None, **slots: Any) -> None:
        self.conversation = Conversation(agent, executor, rules_table(), language, channel)
        self.conversation.slots.update(slots)
        self.loop = asyncio.new_event_loop()

    def send(self, text: str) -> list[str]:
        return self.loop.run_until_complete(self.conversation.send(text))

    def send_with(self, text: str, **safety: Any) -> list[str]:
        """Send `text`, with these safety findings set on its parse as bot.nlu_components would."""
        parsed = self.loop.run_until_complete(self.conversation.agent.parse_message(text))
        parsed["safety"] = {**(parsed.get("safety") or {}), **safety}
        return self.loop.run_until_complete(self.conversation.act(parsed))

    @property
    def keys(self) -> list[str]:
        return self.conversation.replies

    @property
    def slots(self) -> dict[str, Any]:
        return self.conversation.slots

    def said(self, key: str) -> bool:
        return key in self.keys or f"msg:{key}" in self.keys
