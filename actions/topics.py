"""Actions that walk the topic flows: start a topic, move on, go back, the menu."""

from __future__ import annotations

from actions.flows import ACK_FIRST_TOPICS, advance, ask_country_once, onboarding_next, resume_paused, start_topic, topic_for
from actions.frame import BotAction
from actions.turn import Turn


class ActionTopic(BotAction):
    """A topic from the menu or the child's own words; a disclosure is acknowledged first."""

    action_name = "action_topic"

    def respond(self, turn: Turn) -> None:
        topic = topic_for(turn)
        if topic is None:  # reached through a story path with another intent: show the menu
            turn.say("menu")
            return
        disclosure = turn.triage.disclosure
        if not turn.slot("welcomed") and not disclosure:
            turn.say("welcome")
        if disclosure and topic in ACK_FIRST_TOPICS:
            turn.say("disclosure_ack")
        start_topic(turn, topic)
        if not turn.slot("welcomed") and disclosure:
            turn.say("welcome_short")  # after the help, not before it
        turn.set(welcomed=True)
        if disclosure:
            ask_country_once(turn)


class ActionNext(BotAction):
    """'yes', 'next', 'ok': move on in whatever the bot last asked."""

    action_name = "action_next"

    def respond(self, turn: Turn) -> None:
        awaiting = turn.slot("awaiting")
        if awaiting == "age":
            onboarding_next(turn)
        elif awaiting == "country":
            turn.set(awaiting=None)
            if not advance(turn):
                turn.say("menu")
        elif not advance(turn):
            turn.say("topic_end")


class ActionDeny(BotAction):
    action_name = "action_deny"

    def respond(self, turn: Turn) -> None:
        awaiting = turn.slot("awaiting")
        if awaiting == "age":
            turn.set(age_band="unknown", awaiting=None)
            onboarding_next(turn)
        elif awaiting == "country":
            turn.set(country="unknown", awaiting=None)
            if not advance(turn):
                turn.say("menu")
        else:
            turn.say("deny_reply")


class ActionFeeling(BotAction):
    """'I'm OK' / 'not good' when the bot did not ask (an asked question is read by actions.dialogue)."""

    action_name = "action_feeling"

    def respond(self, turn: Turn) -> None:
        turn.say("feeling_ok_reply" if turn.intent == "feeling_ok" else "feeling_bad_reply")


class ActionResume(BotAction):
    action_name = "action_resume"

    def respond(self, turn: Turn) -> None:
        if not resume_paused(turn):
            turn.say("nothing_to_resume")


class ActionMenu(BotAction):
    action_name = "action_menu"

    def respond(self, turn: Turn) -> None:
        turn.set(awaiting=None)
        turn.say("menu")
