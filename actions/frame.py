"""The frame every action shares: one turn's context, what to say, and recording it.

`BotAction.run` reads the render context (language, age band, country) and triages the child's
message; then, before the action's own work, the dialogue gets a chance to read the message as
an answer to the question the bot last asked (actions.dialogue). A language suggestion follows,
the turn goes to the anonymous contact log, and replies are dispatched with their metadata
(country, and whether the urgent state is on, so channels can keep the numbers in reach).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import after_respond, handled_by_dialogue
from actions.turn import Turn
from bot.contact_log import ContactUpdate
from bot.contact_writer import REPLY_WAIT, contact_writer
from bot.settings import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.triage import max_risk, triage


class BotAction(Action):
    """The frame every action shares; subclasses implement `respond`."""

    action_name = ""

    def name(self) -> str:
        return self.action_name

    def respond(self, turn: Turn) -> None:
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        turn = self._turn(tracker)
        if (tracker.latest_message.get("metadata") or {}).get("cut"):
            turn.say("message_cut")
        if not handled_by_dialogue(turn):
            self.respond(turn)
            after_respond(turn)
        self._suggest_language(turn)
        # The record is written off the reply path; the reply waits for it REPLY_WAIT at most.
        await asyncio.wait([asyncio.wrap_future(contact_writer().submit(self._change(turn)))], timeout=REPLY_WAIT)
        urgent = bool(turn.slot("urgent_active"))
        for reply in turn.replies:
            dispatcher.utter_message(
                response=reply["name"], language=reply["language"], age_band=turn.age_band,
                country=turn.country, extra_buttons=reply["extra_buttons"] or None, urgent=urgent,
                values=reply.get("values") or None,
            )
        return [SlotSet(name, value) for name, value in turn.slots.items()] + turn.extra_events

    # --- the shared frame ----------------------------------------------------------------
    @staticmethod
    def _turn(tracker: Tracker) -> Turn:
        parsed = triage(tracker.latest_message)
        language = tracker.get_slot("language")
        slots: dict[str, Any] = {}
        if language not in SUPPORTED_LANGUAGES:
            hinted = (tracker.latest_message.get("metadata") or {}).get("language")
            language = parsed.language if parsed.language in SUPPORTED_LANGUAGES else (
                hinted if hinted in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
            )
            slots["language"] = language
        age_band = tracker.get_slot("age_band")
        country = tracker.get_slot("country")
        return Turn(
            tracker=tracker, triage=parsed, language=language, slots=slots,
            age_band=age_band if age_band != "unknown" else None,
            country=country if country != "unknown" else None,
        )

    @staticmethod
    def _suggest_language(turn: Turn) -> None:
        """Offer a switch when a message of four or more words is in another supported language."""
        guess = turn.triage.language
        if guess in SUPPORTED_LANGUAGES and guess != turn.language and guess != turn.slot("suggested_language"):
            offered = [{"id": f"language_{guess}"}, {"id": f"language_{turn.language}"}]
            turn.replies.append({"name": "msg:language_suggest", "language": guess, "extra_buttons": offered})
            turn.slots["suggested_language"] = guess

    @staticmethod
    def _contact_id(turn: Turn) -> str:
        contact_id = turn.slot("contact_id")
        if not contact_id:
            contact_id = uuid.uuid4().hex
            turn.slots["contact_id"] = contact_id
        return contact_id

    def _change(self, turn: Turn) -> ContactUpdate:
        tracker = turn.tracker
        return ContactUpdate(
            contact_id=self._contact_id(turn),
            conversation=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "unknown",
            language=turn.language,
            country=turn.country or turn.slot("country"),
            age_band=turn.age_band or turn.slot("age_band"),
            categories={**turn.triage.categories, **turn.extra_categories},
            attributes=turn.triage.attributes,
            risk=max_risk(turn.triage.risk, turn.risk_floor),
            human_requested=turn.asked_for_person,
            outcome=turn.outcome,
            quick_exit=turn.quick_exit,
            queue_for_counsellor=turn.queue_for_counsellor,
            topics=tuple(dict.fromkeys(r["name"].split(":")[1] for r in turn.replies if r["name"].startswith("step:"))),
        )
