"""Urgent risk, danger now, self-harm and "get help now": numbers first, every time."""

from __future__ import annotations

from actions.frame import BotAction
from actions.routes import urgent_route
from actions.turn import Turn


class ActionUrgent(BotAction):
    """Suicide risk or danger now: emergency and 24-hour numbers first, then "are you safe?"."""

    action_name = "action_urgent"

    def respond(self, turn: Turn) -> None:
        urgent_route(turn, "danger_now" if turn.triage.urgent_kind == "danger_now" else "suicidal")


class ActionSelfHarm(BotAction):
    """Self-harm: care and numbers, then the direct question about suicide."""

    action_name = "action_self_harm"

    def respond(self, turn: Turn) -> None:
        turn.say("self_harm")
        turn.set(awaiting="suicide_check")
        turn.outcome = "signposted"


class ActionHelpNow(BotAction):
    """The numbers for the child's country (also the web page's help button and Telegram's /sos)."""

    action_name = "action_help_now"

    def respond(self, turn: Turn) -> None:
        if turn.entities.get("answer") == "grounding":
            turn.say("grounding")
            return
        turn.say("help_now")
        turn.outcome = "signposted"
