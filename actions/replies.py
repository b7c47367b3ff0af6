"""Session start, asking for a person, quick exit, and the actions that only say one thing."""

from __future__ import annotations

import uuid
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, EventType, Restarted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.counsellor import queue_if_someone_can_come
from actions.frame import BotAction
from actions.turn import Turn

# Carried into a new session: who the child told us they are, and an urgent state not yet resolved.
CARRIED_SLOTS = ("language", "age_band", "country", "welcomed", "asked_country", "urgent_active", "urgent_kind")


class ActionSessionStart(BotAction):
    """New session: carry over language, age band and country; a fresh anonymous contact id."""

    action_name = "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        carried = [SlotSet(name, tracker.get_slot(name)) for name in CARRIED_SLOTS if tracker.get_slot(name) is not None]
        return [SessionStarted(), *carried, SlotSet("contact_id", uuid.uuid4().hex), ActionExecuted("action_listen")]


class ActionRequestHuman(BotAction):
    """Records the request; queues the conversation when a counsellor can come, and says so honestly."""

    action_name = "action_request_human"

    def respond(self, turn: Turn) -> None:
        turn.say("human_queued" if queue_if_someone_can_come(turn) else "human_requested")
        turn.outcome = "signposted"
        turn.asked_for_person = True


class ActionSimpleReply(BotAction):
    """Actions that only say one thing."""

    key = ""

    def respond(self, turn: Turn) -> None:
        turn.say(self.key)


class ActionGoodbye(ActionSimpleReply):
    action_name, key = "action_goodbye", "goodbye"


class ActionThanks(ActionSimpleReply):
    action_name, key = "action_thanks", "thanks_reply"


class ActionOutOfScope(ActionSimpleReply):
    action_name, key = "action_out_of_scope", "out_of_scope"


class ActionMedia(ActionSimpleReply):
    """Pictures, videos, voice notes and files are never opened: a kind word instead."""

    action_name, key = "action_media", "media_received"


class ActionFallback(BotAction):
    action_name = "action_fallback"

    def respond(self, turn: Turn) -> None:
        turn.say("empty_message" if turn.entities.get("input") == "empty" else "fallback")


class ActionQuickExit(BotAction):
    """Quick exit from the web chat (`restart`): mark the contact and forget the conversation state."""

    action_name = "action_restart"

    def respond(self, turn: Turn) -> None:
        turn.quick_exit = True
        turn.extra_events.append(Restarted())
