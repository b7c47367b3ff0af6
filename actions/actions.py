"""Rasa custom actions: what the bot does on each turn.

Every action runs the same frame (`BotAction.run`): read the render context (language, age band,
country), triage the child's message with bot.triage, do the action's own work, add a language
suggestion when the child writes in another supported language, then record the turn in the
anonymous contact log. Texts are named here and rendered by bot.nlg from locales/.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, Restarted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.buttons import INTENT_TOPICS
from bot.contact_log import ContactUpdate, record_turn
from bot.locales import catalog
from bot.settings import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.triage import Triage, triage

CARRIED_SLOTS = ("language", "age_band", "country", "welcomed")
LANGUAGE_WORDS = {
    "sw": ("swahili", "kiswahili", "kiswahli", "swahil"),
    "en": ("english", "kiingereza", "kingereza", "englsh", "inglish"),
}
NUMBER_WORDS = {
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "tisa": 9, "kumi": 10, "kumi na moja": 11, "kumi na mbili": 12, "kumi na tatu": 13,
    "kumi na nne": 14, "kumi na tano": 15, "kumi na sita": 16, "kumi na saba": 17, "kumi na nane": 18,
    "kumi na tisa": 19, "ishirini": 20,
}
# Country names and common spellings in both languages -> directory code.
COUNTRY_ALIASES = {
    "uk": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "britain": "GB", "uingereza": "GB",
    "usa": "US", "america": "US", "marekani": "US", "states": "US",
    "kenya": "KE", "nairobi": "KE", "mombasa": "KE", "kisumu": "KE",
    "tanzania": "TZ", "tz": "TZ", "dar": "TZ", "zanzibar": "TZ", "dodoma": "TZ", "arusha": "TZ",
    "uganda": "UG", "kampala": "UG", "south africa": "ZA", "afrika kusini": "ZA", "sa": "ZA",
    "namibia": "NA", "mozambique": "MZ", "msumbiji": "MZ", "ethiopia": "ET", "uhabeshi": "ET",
    "philippines": "PH", "pilipinas": "PH", "ufilipino": "PH", "indonesia": "ID", "malaysia": "MY",
    "thailand": "TH", "vietnam": "VN", "viet nam": "VN", "cambodia": "KH", "kambodia": "KH",
    "europe": "EU", "ulaya": "EU", "germany": "DE", "ujerumani": "DE", "france": "FR", "ufaransa": "FR",
    "spain": "ES", "italy": "IT", "netherlands": "NL", "holland": "NL", "ireland": "IE", "poland": "PL",
    "portugal": "PT", "sweden": "SE", "belgium": "BE", "austria": "AT", "greece": "GR",
}
_WORD_SPLIT = re.compile(r"[^\w]+")


@lru_cache(maxsize=1)
def _country_names() -> list[tuple[str, str]]:
    """Country names from the locales plus aliases, longest first ("south africa" before "africa")."""
    cat = catalog()
    names = {name.lower().removeprefix("the "): code for lang in SUPPORTED_LANGUAGES for code, name in cat.texts[lang]["countries"].items()}
    return sorted({**names, **COUNTRY_ALIASES}.items(), key=lambda kv: -len(kv[0]))


def find_country(text: str) -> str | None:
    """A country code named in free text, in English or Kiswahili."""
    words = " " + " ".join(w for w in _WORD_SPLIT.split(text.lower()) if w) + " "
    return next((code for name, code in _country_names() if f" {name} " in words), None)


def find_age_band(text: str) -> str | None:
    """An age band from "im 14", "13", "nina miaka kumi na nne" or "under 13"."""
    lowered = text.lower()
    if re.search(r"\b(under|below|chini ya)\s*13\b", lowered):
        return "under_13"
    match = re.search(r"\b(\d{1,2})\b", lowered)
    age = int(match.group(1)) if match else None
    if age is None:
        for words, number in sorted(NUMBER_WORDS.items(), key=lambda kv: -len(kv[0])):
            if re.search(rf"\b{words}\b", lowered):
                age = number
                break
    if age is None or not 5 <= age <= 99:
        return None
    if age < 13:
        return "under_13"
    if age <= 15:
        return "13_15"
    if age <= 17:
        return "16_17"
    return "adult"


def find_language(text: str) -> str | None:
    lowered = text.lower()
    for lang, words in LANGUAGE_WORDS.items():
        if any(w in lowered for w in words):
            return lang
    return None


@dataclass
class Turn:
    """One action run: the render context, what to say and which slots change."""

    tracker: Tracker
    triage: Triage
    language: str
    age_band: str | None
    country: str | None
    replies: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    outcome: str | None = None
    asked_for_person: bool = False
    queue_for_counsellor: bool = False
    quick_exit: bool = False
    extra_events: list[EventType] = field(default_factory=list)

    def slot(self, name: str) -> Any:
        return self.slots[name] if name in self.slots else self.tracker.get_slot(name)

    def set(self, **values: Any) -> None:
        self.slots.update(values)
        for name in ("language", "age_band", "country"):
            if name in values:
                setattr(self, name, values[name] if values[name] != "unknown" else None)

    def say(self, key: str, extra_buttons: list[dict[str, Any]] | None = None) -> None:
        self.replies.append({"name": f"msg:{key}", "language": self.language, "extra_buttons": extra_buttons})

    def say_step(self, topic: str, step: int, extra_buttons: list[dict[str, Any]] | None = None) -> None:
        self.replies.append({"name": f"step:{topic}:{step}", "language": self.language, "extra_buttons": extra_buttons})

    @property
    def entities(self) -> dict[str, str]:
        return {e["entity"]: e["value"] for e in self.tracker.latest_message.get("entities", []) if "value" in e}

    @property
    def text(self) -> str:
        return self.tracker.latest_message.get("text") or ""


class BotAction(Action):
    """The frame every action shares; subclasses implement `respond`."""

    action_name = ""

    def name(self) -> str:
        return self.action_name

    def respond(self, turn: Turn) -> None:
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        turn = self._turn(tracker)
        self.respond(turn)
        self._suggest_language(turn)
        await asyncio.get_running_loop().run_in_executor(None, self._record, turn)
        for reply in turn.replies:
            dispatcher.utter_message(
                response=reply["name"], language=reply["language"], age_band=turn.age_band,
                country=turn.country, extra_buttons=reply["extra_buttons"] or None,
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
            turn.replies.append({"name": "msg:language_suggest", "language": guess, "extra_buttons": None})
            turn.slots["suggested_language"] = guess

    @staticmethod
    def _contact_id(turn: Turn) -> str:
        contact_id = turn.slot("contact_id")
        if not contact_id:
            contact_id = uuid.uuid4().hex
            turn.slots["contact_id"] = contact_id
        return contact_id

    def _record(self, turn: Turn) -> None:
        tracker = turn.tracker
        contact_id = self._contact_id(turn)
        change = ContactUpdate(
            contact_id=contact_id,
            user_hash=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "unknown",
            language=turn.language,
            country=turn.country or turn.slot("country"),
            age_band=turn.age_band or turn.slot("age_band"),
            categories=turn.triage.categories,
            attributes=turn.triage.attributes,
            risk=turn.triage.risk,
            human_requested=turn.asked_for_person,
            outcome=turn.outcome,
            quick_exit=turn.quick_exit,
            queue_for_counsellor=turn.queue_for_counsellor,
        )
        record_turn(change)


# --- topic flows -------------------------------------------------------------------------
def start_topic(turn: Turn, topic: str) -> None:
    current, step = turn.slot("topic"), int(turn.slot("step") or 0)
    if current and current != topic and step < catalog().step_count(current) - 1:
        turn.set(paused_topic=current, paused_step=step)
    turn.set(topic=topic, step=0)
    show_step(turn, topic, 0)


def show_step(turn: Turn, topic: str, step: int) -> None:
    cat = catalog()
    last = step == cat.step_count(topic) - 1
    extra = None
    paused = turn.slot("paused_topic")
    if last and paused and paused != topic:
        extra = [{"id": "resume", "vars": {"topic": cat.topic_title(turn.language, paused)}}]
    turn.say_step(topic, step, extra_buttons=extra)
    turn.set(awaiting="feeling" if cat.step_asks(topic, step) == "feeling" else None)
    if last:
        turn.set(topic=None, step=None)
    text = cat.texts[turn.language]["topics"][topic]["steps"][step]
    turn.outcome = "signposted" if "{helpline}" in str(text) else (turn.outcome or "info_given")


def advance(turn: Turn) -> bool:
    """Show the next step of the current topic; False when no topic is under way."""
    topic = turn.slot("topic")
    if not topic:
        return False
    step = int(turn.slot("step") or 0) + 1
    if step >= catalog().step_count(topic):
        turn.set(topic=None, step=None)
        return False
    turn.set(step=step)
    show_step(turn, topic, step)
    return True


def onboarding_next(turn: Turn) -> None:
    """After age: ask the country (once); after that: the menu."""
    if turn.slot("country") is None and turn.slot("awaiting") != "country":
        turn.say("ask_country")
        turn.set(awaiting="country")
    else:
        turn.set(awaiting=None)
        turn.say("menu")


class ActionSessionStart(BotAction):
    """New session: carry over language, age band and country; a fresh anonymous contact id."""

    action_name = "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        carried = [SlotSet(name, tracker.get_slot(name)) for name in CARRIED_SLOTS if tracker.get_slot(name) is not None]
        return [SessionStarted(), *carried, SlotSet("contact_id", uuid.uuid4().hex), ActionExecuted("action_listen")]


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


class ActionTopic(BotAction):
    action_name = "action_topic"

    def respond(self, turn: Turn) -> None:
        topic = INTENT_TOPICS[turn.triage.intent] if turn.triage.intent in INTENT_TOPICS else None
        if topic is None:  # reached through a story path with another intent: show the menu
            turn.say("menu")
            return
        if not turn.slot("welcomed"):
            turn.set(welcomed=True)
            turn.say("welcome")
        start_topic(turn, topic)


class ActionNext(BotAction):
    """'yes', 'next', 'ok': move on in whatever the bot last asked."""

    action_name = "action_next"

    def respond(self, turn: Turn) -> None:
        awaiting = turn.slot("awaiting")
        if awaiting == "age":
            onboarding_next(turn)
        elif awaiting == "country":
            turn.set(awaiting=None)
            turn.say("menu")
        elif not advance(turn):
            turn.say("topic_end")


class ActionDeny(BotAction):
    action_name = "action_deny"

    def respond(self, turn: Turn) -> None:
        awaiting = turn.slot("awaiting")
        if awaiting == "age":
            turn.set(age_band="unknown")
            onboarding_next(turn)
        elif awaiting == "country":
            turn.set(country="unknown", awaiting=None)
            turn.say("menu")
        else:
            turn.say("deny_reply")


class ActionFeeling(BotAction):
    action_name = "action_feeling"

    def respond(self, turn: Turn) -> None:
        turn.say("feeling_ok_reply" if turn.triage.intent == "feeling_ok" else "feeling_bad_reply")
        if turn.slot("awaiting") == "feeling":
            advance(turn)


class ActionResume(BotAction):
    action_name = "action_resume"

    def respond(self, turn: Turn) -> None:
        topic, step = turn.slot("paused_topic"), int(turn.slot("paused_step") or 0)
        if not topic:
            turn.say("nothing_to_resume")
            return
        turn.set(paused_topic=None, paused_step=None, topic=topic, step=step)
        show_step(turn, topic, step)


class ActionSetAge(BotAction):
    action_name = "action_set_age"

    def respond(self, turn: Turn) -> None:
        band = turn.entities.get("age_band") or find_age_band(turn.text)
        if band in ("under_13", "13_15", "16_17", "adult", "unknown"):
            turn.set(age_band=band)
            if band != "unknown":
                turn.say("age_saved")
        if turn.slot("topic"):
            turn.set(awaiting=None)
            turn.say("topic_end")
        else:
            onboarding_next(turn)


class ActionSetCountry(BotAction):
    action_name = "action_set_country"

    def respond(self, turn: Turn) -> None:
        code = turn.entities.get("country") or find_country(turn.text)
        turn.set(awaiting=None)
        if code == "unknown":
            turn.set(country="unknown")
        elif code and catalog().country_code(code):
            turn.set(country=code)
            turn.say("country_saved")
        else:
            turn.set(country="unknown")
            turn.say("country_not_listed")
        turn.say("menu")


class ActionChooseLanguage(BotAction):
    action_name = "action_choose_language"

    def respond(self, turn: Turn) -> None:
        lang = turn.entities.get("language") or find_language(turn.text)
        if lang in SUPPORTED_LANGUAGES:
            turn.set(language=lang, suggested_language=lang)
            turn.say("language_changed")
        else:
            turn.say("choose_language")


class ActionUrgent(BotAction):
    """Urgent risk: emergency and 24-hour numbers first, then a counsellor at the front."""

    action_name = "action_urgent"

    def respond(self, turn: Turn) -> None:
        turn.say("urgent")
        turn.set(awaiting=None)
        turn.outcome = "emergency_referral"
        turn.queue_for_counsellor = True


class ActionSelfHarm(BotAction):
    action_name = "action_self_harm"

    def respond(self, turn: Turn) -> None:
        turn.say("self_harm")
        turn.set(awaiting=None)
        turn.outcome = "signposted"


class ActionRequestHuman(BotAction):
    """Records the request, queues the conversation (handoff_requests) and signposts the helpline."""

    action_name = "action_request_human"

    def respond(self, turn: Turn) -> None:
        turn.say("human_requested")
        turn.outcome = "signposted"
        turn.asked_for_person = turn.queue_for_counsellor = True


class ActionMenu(BotAction):
    action_name = "action_menu"

    def respond(self, turn: Turn) -> None:
        turn.set(awaiting=None)
        turn.say("menu")


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
