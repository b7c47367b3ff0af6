"""Welcome, age, country and language: optional, skippable, and asked again after a language switch."""

from __future__ import annotations

from actions.flows import set_age, set_country
from actions.frame import BotAction
from actions.turn import Turn
from bot.lexicon import lexicon
from bot.settings import SUPPORTED_LANGUAGES


class ActionWelcome(BotAction):
    action_name = "action_welcome"

    def respond(self, turn: Turn) -> None:
        if turn.slot("welcomed"):
            turn.say("greet_again")
            return
        turn.set(welcomed=True)
        turn.say("welcome")
        turn.say("ask_age", extra_buttons=[{"id": "change_language"}])
        turn.set(awaiting="age")


class ActionSetAge(BotAction):
    action_name = "action_set_age"

    def respond(self, turn: Turn) -> None:
        band = turn.entities.get("age_band") or lexicon().find_age_band(turn.text)
        set_age(turn, band or "")


class ActionSetCountry(BotAction):
    action_name = "action_set_country"

    def respond(self, turn: Turn) -> None:
        code = turn.entities.get("country") or lexicon().find_country(turn.text, loose=True)
        set_country(turn, code or "unknown")


class ActionChooseLanguage(BotAction):
    """A new language; then onboarding goes on in it (a child who picks Kiswahili first is still asked)."""

    action_name = "action_choose_language"

    def respond(self, turn: Turn) -> None:
        lang = turn.entities.get("language") or lexicon().find_language(turn.text)
        if lang not in SUPPORTED_LANGUAGES:
            turn.say("choose_language")
            return
        turn.set(language=lang, suggested_language=lang)
        turn.say("language_changed")
        if turn.slot("urgent_active"):
            turn.say("help_now")
        elif turn.slot("age_band") is None:
            turn.say("ask_age")
            turn.set(awaiting="age")
        elif turn.slot("country") is None and not turn.home_country:
            turn.say("ask_country")
            turn.set(awaiting="country", asked_country=True)
        else:
            turn.say("menu")
