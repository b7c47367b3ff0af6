"""Topic flows and onboarding questions: which step to show next, and what the bot is waiting for.

The structure (steps, buttons, which step asks a question) is data in locales/flows.yml; this
module only walks it. `awaiting` names the question the bot last asked, so the next message can
be read as its answer (actions.dialogue).
"""

from __future__ import annotations

from typing import Any

from actions.turn import Turn
from bot.buttons import COUNTRY_BUTTONS, INTENT_TOPICS
from bot.locales import catalog

# What each flows.yml `ask:` means for `awaiting`.
STEP_QUESTIONS = {"feeling": "feeling"}
# Topics whose first step does not already say "thank you for telling me, it's not your fault":
# a disclosure there is acknowledged first.
ACK_FIRST_TOPICS = frozenset({
    "offer_for_images", "offer_to_meet", "grooming", "unwanted_content", "csam_encountered", "livestream",
})
# Someone writing about another child gets their own pathway.
CALLER_TOPICS = {"parent": "parent_carer", "friend": "help_a_friend"}
# A friend's or child's situation that the caller's pathway links to at its end.
LINKABLE_TOPICS = frozenset({
    "sextortion", "images_shared", "offer_for_images", "offer_to_meet", "grooming", "unwanted_content",
    "csam_encountered", "livestream", "abuse_offline", "bullying",
})
# The topic a harm category belongs to, for picking a question up again after the urgent route.
CATEGORY_TOPICS = {
    "ocsea.sextortion": "sextortion", "ocsea.images_shared": "images_shared",
    "ocsea.offer_for_images": "offer_for_images", "ocsea.offer_to_meet": "offer_to_meet",
    "ocsea.grooming": "grooming", "ocsea.unwanted_content": "unwanted_content",
    "ocsea.csam_encountered": "csam_encountered", "ocsea.livestream": "livestream",
    "abuse.sexual_offline": "abuse_offline", "bullying": "bullying",
}


def country_buttons() -> list[dict[str, Any]]:
    return [{"id": f"country_{code}"} for code in COUNTRY_BUTTONS] + [{"id": "skip_country"}]


def topic_for(turn: Turn) -> str | None:
    """The flow this message asks for: its intent's topic, or the caller's own pathway."""
    topic = INTENT_TOPICS.get(turn.intent)
    if topic and turn.triage.disclosure and turn.triage.caller_role in CALLER_TOPICS:
        turn.set(linked_topic=topic if topic in LINKABLE_TOPICS else None)
        return CALLER_TOPICS[turn.triage.caller_role]
    return topic


def disclosed_topic(turn: Turn) -> str | None:
    """The harm a message told of (for an urgent message that also told of sextortion, say)."""
    original = turn.tracker.latest_message.get("safety", {}).get("model_intent")
    if original in INTENT_TOPICS:
        return INTENT_TOPICS[original]
    return next((CATEGORY_TOPICS[c] for c in turn.triage.categories if c in CATEGORY_TOPICS), None)


def start_topic(turn: Turn, topic: str) -> None:
    current, step = turn.slot("topic"), int(turn.slot("step") or 0)
    if current and current != topic and step < catalog().step_count(current) - 1:
        turn.set(paused_topic=current, paused_step=step)
    turn.set(topic=topic, step=0)
    show_step(turn, topic, 0)


def show_step(turn: Turn, topic: str, step: int) -> None:
    cat = catalog()
    last = step == cat.step_count(topic) - 1
    extra: list[dict[str, Any]] = []
    linked = turn.slot("linked_topic")  # a friend's or child's own topic, offered at the end of theirs
    if last and linked and linked != topic:
        extra.append({"id": f"topic_{linked}"})
        turn.set(linked_topic=None)
    paused = turn.slot("paused_topic")
    if last and paused and paused != topic:
        extra.append({"id": "resume", "vars": {"topic": cat.topic_title(turn.language, paused)}})
    turn.say_step(topic, step, extra_buttons=extra or None)
    turn.set(awaiting=STEP_QUESTIONS.get(cat.step_asks(topic, step) or ""))
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


def resume_paused(turn: Turn) -> bool:
    """Go back to the topic a digression or the urgent route interrupted; False when there is none."""
    topic, step = turn.slot("paused_topic"), int(turn.slot("paused_step") or 0)
    if not topic:
        return False
    turn.set(paused_topic=None, paused_step=None, topic=topic, step=step)
    show_step(turn, topic, step)
    return True


def ask_country_once(turn: Turn) -> None:
    """After a first disclosure: the right numbers need the country (asked once, skippable)."""
    if turn.country is None and turn.slot("country") is None and not turn.slot("asked_country") and not turn.home_country:
        turn.say("ask_country_short", extra_buttons=country_buttons())
        turn.set(asked_country=True, awaiting=turn.slot("awaiting") or "country")


def onboarding_next(turn: Turn) -> None:
    """After age: ask the country (once); after that: the menu."""
    if turn.slot("country") is None and not turn.slot("asked_country"):
        turn.say("ask_country")
        turn.set(awaiting="country", asked_country=True)
    else:
        turn.set(awaiting=None)
        turn.say("menu")


AGE_BANDS = ("under_13", "13_15", "16_17", "adult", "unknown")


def set_age(turn: Turn, band: str) -> None:
    """An age band from a button or typed answer; then the topic goes on, or onboarding does."""
    if band in AGE_BANDS:
        turn.set(age_band=band)
        if band != "unknown":
            turn.say("age_saved")
    if turn.slot("awaiting") == "age":
        turn.set(awaiting=None)
    if turn.slot("topic"):
        if not advance(turn):
            turn.say("topic_end")
    else:
        onboarding_next(turn)


def set_country(turn: Turn, code: str) -> None:
    """A country from a button or typed answer. Unlisted countries get the international routes."""
    if turn.slot("awaiting") == "country":
        turn.set(awaiting=None)
    turn.set(country=code, asked_country=True)
    if turn.slot("urgent_active") and code != "unknown":
        turn.say("urgent_country_saved")  # the numbers for that country, and "are you safe?" again
        turn.set(awaiting="safe_now")
        return
    if code != "unknown":
        turn.say("country_saved" if catalog().country_code(code) else "country_not_listed")
    if not (turn.slot("topic") and advance(turn)):
        turn.say("menu")
