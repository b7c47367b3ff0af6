"""The urgent route and what follows an answer to a risk question.

Urgent means numbers first, in the very next reply, whatever the conversation was doing; the
urgent state then lasts until the child says they are safe. Whatever the child was asking about
before is remembered (`paused_topic`) and picked up again once they are safe.
"""

from __future__ import annotations

from typing import Literal

from actions.counsellor import queue_if_someone_can_come
from actions.flows import advance, country_buttons, disclosed_topic, resume_paused
from actions.turn import Turn
from bot.lexicon import lexicon
from bot.locales import catalog

UrgentKind = Literal["suicidal", "danger_now"]
SUICIDAL = {"mental_health.suicidal": None}


def urgent_route(turn: Turn, kind: UrgentKind, resume_step_offset: int = 0) -> None:
    """Emergency and 24-hour numbers first, then "are you safe right now?"; a counsellor asked for if one can come."""
    if turn.country is None and not turn.is_payload:
        found = lexicon().find_country(turn.text)
        # Only a country with numbers of its own: a word that happens to name another ("mali" is
        # Tagalog for "wrong") must not stop the bot asking where the child is.
        if found and catalog().country_code(found):
            turn.set(country=found)
    _remember_topic(turn, resume_step_offset)
    ask_country = turn.country is None and not turn.home_country
    turn.say("danger_now" if kind == "danger_now" else "urgent", extra_buttons=country_buttons() if ask_country else None)
    turn.set(awaiting="safe_now", urgent_active=True, urgent_kind=kind)
    turn.outcome = "emergency_referral"
    if queue_if_someone_can_come(turn):
        turn.say("counsellor_coming")
    turn.risk_floor = "urgent"


def _remember_topic(turn: Turn, step_offset: int) -> None:
    """What to pick up once the child is safe: the topic under way, or the one this message told of."""
    topic = turn.slot("topic")
    if topic:
        step = int(turn.slot("step") or 0) + step_offset
        if step < catalog().step_count(topic):
            turn.set(paused_topic=topic, paused_step=step)
        turn.set(topic=None, step=None)
    elif not turn.slot("paused_topic"):
        disclosed = disclosed_topic(turn)
        if disclosed:
            turn.set(paused_topic=disclosed, paused_step=0)


def still_at_risk(turn: Turn) -> None:
    """The child is not safe yet: the numbers again, short steps, and the question again."""
    kind = turn.slot("urgent_kind") or "suicidal"
    turn.say("danger_now_again" if kind == "danger_now" else "urgent_again")
    turn.set(awaiting="safe_now", urgent_active=True)
    turn.outcome = "emergency_referral"
    queue_if_someone_can_come(turn)
    turn.risk_floor = "urgent"


def safe_now(turn: Turn) -> None:
    """Safe right now: acknowledged warmly, never a dead end, and the earlier question picked up."""
    turn.set(awaiting=None, urgent_active=False)
    turn.say("safe_ack")
    resume_paused(turn)


def feelings_ok(turn: Turn, question: str) -> None:
    """"No" to "are you having thoughts of suicide?": thanks (not "glad"), and the flow goes on."""
    turn.set(awaiting=None)
    if question == "suicide_check" and not turn.slot("topic"):
        turn.say("self_harm_next")
        return
    turn.say("feelings_ack")
    if not advance(turn) and not resume_paused(turn):
        turn.say("menu")  # never a dead end


def thoughts_but_safe(turn: Turn, question: str) -> None:
    """Thoughts, but safe right now: grounding, a counsellor and the numbers, and the topic can go on."""
    turn.set(awaiting=None)
    turn.say("thoughts_safe")
    turn.risk_floor = "high"
    turn.extra_categories.update(SUICIDAL)


def at_risk(turn: Turn, question: str) -> None:
    if question == "safe_now":
        still_at_risk(turn)
        return
    turn.extra_categories.update(SUICIDAL)
    urgent_route(turn, "suicidal", resume_step_offset=1)


def recheck(turn: Turn) -> None:
    """Not an answer we understood (to a question about thoughts of suicide): ask again, plainly."""
    turn.say("recheck_feelings")
