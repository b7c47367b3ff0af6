"""Rasa NLG that renders every bot text from locales/ (endpoints.yml `nlg: type: bot.nlg.LocaleNLG`).

Actions name what to say ("msg:<key>" or "step:<topic>:<n>") and pass the render context
(language, age band, country) explicitly, because the tracker Rasa hands to the NLG does not yet
hold the slots the same action is setting.
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg.generator import NaturalLanguageGenerator
from rasa.shared.core.trackers import DialogueStateTracker

from bot.locales import Catalog, catalog


def render(cat: Catalog, name: str, context: dict[str, Any]) -> dict[str, Any] | None:
    """Text and buttons for one response name, or None for a name we do not know."""
    lang = context.get("language") or "en"
    extra = [cat.button(lang, b["id"], **b.get("vars", {})) for b in context.get("extra_buttons") or []]
    common = {"lang": lang, "age_band": context.get("age_band"), "country": context.get("country"), "extra_buttons": extra}
    kind, _, rest = name.partition(":")
    if kind == "msg" and rest in cat.flows["messages"]:
        reply = cat.message(rest, **common, values=context.get("values"))
    elif kind == "step":
        topic, _, step = rest.partition(":")
        reply = cat.step(topic, int(step), **common)
    else:
        return None
    # Channels read these: the page keeps the numbers in reach while `urgent`, for `country`.
    return {**reply.as_dict(), "language": lang, "country": context.get("country"), "urgent": bool(context.get("urgent"))}


class LocaleNLG(NaturalLanguageGenerator):
    """Renders responses from the text catalogue loaded once at start-up."""

    def __init__(self, endpoint_config: Any = None, domain: Any = None, **kwargs: Any) -> None:
        self.catalog = catalog()

    async def generate(
        self, utter_action: str, tracker: DialogueStateTracker, output_channel: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        context = {
            "language": kwargs.get("language") or tracker.get_slot("language"),
            "age_band": kwargs.get("age_band") or tracker.get_slot("age_band"),
            "country": kwargs.get("country") or tracker.get_slot("country"),
            "extra_buttons": kwargs.get("extra_buttons"),
            "urgent": kwargs.get("urgent", tracker.get_slot("urgent_active")),
            "values": kwargs.get("values"),
        }
        return render(self.catalog, utter_action, context)
