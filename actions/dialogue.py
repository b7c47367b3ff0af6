"""Reading a message as an answer to the question the bot last asked, before anything else.

When the bot has asked "is that how you feel?" or "are you safe right now?", the next message is
an answer, whatever intent the model saw in it: "yes", "kind of", "idk", "ndiyo", "bad" and
"sijisikii poa" are read with the lexicon (bot.lexicon), button presses by their intent. The same
goes for age and country questions. Questions about the service itself ("is it free?", "how long
will i wait?") are answered directly. A handler table, not an if-chain: `awaiting` -> reader.
"""

from __future__ import annotations

from collections.abc import Callable

from actions.counsellor import queue_answer
from actions.flows import set_age, set_country
from actions.routes import at_risk, feelings_ok, recheck, safe_now, still_at_risk, thoughts_but_safe
from actions.turn import Turn
from bot.buttons import INTENT_TOPICS
from bot.lexicon import Polarity, Reading, lexicon

# Risk questions and which way they are asked.
# suicide_check follows self-harm; risk_check follows a message the bot was unsure about.
RISK_QUESTIONS: dict[str, Polarity] = {
    "feeling": "yes_is_risk", "suicide_check": "yes_is_risk", "risk_check": "yes_is_risk", "safe_now": "yes_is_safe",
}
# A possible crisis (bot.triage's possible_urgent): the question to ask, and how its answer is read.
CHECKS: dict[str, tuple[str, str]] = {"suicidal": ("check_possible", "risk_check"), "danger_now": ("check_danger", "safe_now")}
# Buttons that answer a risk question (any other button is a choice to do something else).
PAYLOAD_READINGS: dict[str, Reading] = {"feeling_ok": "safe", "feeling_bad": "risk", "urgent_risk": "risk"}
OUTCOMES: dict[Reading, Callable[[Turn, str], None]] = {
    "risk": at_risk, "safe": lambda turn, q: safe_now(turn) if q == "safe_now" else feelings_ok(turn, q),
    "thoughts_safe": thoughts_but_safe,
}
# Intents that mean the child has moved on to something else, rather than answered unclearly.
MOVING_ON = frozenset({
    *INTENT_TOPICS, "request_human", "help_now", "help", "choose_language", "resume", "inform_country", "inform_age",
})
# Intents whose message is not about the service itself, so a FAQ phrase inside it is not the point.
NOT_FAQ = frozenset({*INTENT_TOPICS, "urgent_risk", "danger_now", "self_harm", "request_human", "help_now", "inform_age",
                     "inform_country", "choose_language", "resume"}) - {"service", "reporting"}
FAQ_INTENTS_ALLOWED = frozenset({"ask_service", "ask_reporting"})


def _reading(turn: Turn, polarity: Polarity) -> Reading | None:
    if turn.is_payload:
        if turn.intent == "feeling_ok" and turn.entities.get("answer") == "thoughts_safe":
            return "thoughts_safe"
        return PAYLOAD_READINGS.get(turn.intent)
    safety = turn.tracker.latest_message.get("safety") or {}
    if safety.get("urgent"):
        return "risk"  # the safety net's own match ("i took the pills") outweighs any "yes" or "ok" beside it
    reading = lexicon().read_answer(turn.text, polarity, turn.language)
    # A crisis the model reads, kept off the urgent route only by laughter, is still one in an answer.
    model_crisis = turn.triage.risk == "urgent" or bool(safety.get("laughed_off"))
    if model_crisis and (reading is None or (
        reading == "safe" and polarity == "yes_is_risk" and not lexicon().is_bare_answer(turn.text, turn.language)
    )):
        return "risk"  # the model reads a crisis in words the lexicon does not know ("no i just wish i wasnt here")
    return reading


def _risk_answer(turn: Turn, question: str) -> bool:
    reading = _reading(turn, RISK_QUESTIONS[question])
    if reading is None:
        if turn.is_payload or turn.intent in MOVING_ON or lexicon().faq_topics(turn.text):
            if question != "safe_now":  # the urgent state stays until the child says they are safe
                turn.set(awaiting=None)
            return False
        if question == "safe_now":  # after a disclosure, an unclear answer to "are you safe?" is not "yes"
            still_at_risk(turn)
        else:
            recheck(turn)
        return True
    OUTCOMES[reading](turn, question)
    return True


def _age_answer(turn: Turn) -> bool:
    if turn.is_payload or turn.triage.risk == "urgent":
        return False
    band = lexicon().find_age_band(turn.text)
    if band is None:
        return False
    set_age(turn, band)
    return True


def _country_answer(turn: Turn) -> bool:
    if turn.is_payload or turn.triage.risk == "urgent":
        return False
    code = lexicon().find_country(turn.text, loose=True)
    if code is None:
        return False
    set_country(turn, code)
    return True


READERS: dict[str, Callable[[Turn], bool]] = {
    **{question: (lambda turn, q=question: _risk_answer(turn, q)) for question in RISK_QUESTIONS},
    "age": _age_answer,
    "country": _country_answer,
}


def answer_faq(turn: Turn) -> bool:
    """"Is it free?", "will you tell my parents?": answered directly, in the first reply."""
    if turn.is_payload or (turn.intent in NOT_FAQ and turn.intent not in FAQ_INTENTS_ALLOWED):
        return False
    said = 0
    for topic in lexicon().faq_topics(turn.text):
        key, values = queue_answer(turn, topic)
        if key:
            turn.say(key, values=values or None)
            said += 1
    if said:
        turn.set(welcomed=True)
    return bool(said)


def handled_by_dialogue(turn: Turn) -> bool:
    """True when the message was an answer to the bot's last question (or a question about the service)."""
    reader = READERS.get(turn.slot("awaiting") or "")
    return bool(reader and reader(turn)) or answer_faq(turn)


def after_respond(turn: Turn) -> None:
    """After the topic is answered: a gentle direct check when the message hinted at a crisis.

    A negated crisis ("im not suicidal, but ...") or a message the model thought might be one
    gets the direct question (which carries the emergency number), not the urgent route.
    """
    if turn.slot("awaiting") in RISK_QUESTIONS:
        return
    if turn.triage.negated:
        turn.say("check_in")
        turn.set(awaiting="risk_check")
    elif turn.triage.possible_urgent:
        message, question = CHECKS[turn.triage.possible_urgent]
        turn.say(message)
        turn.set(awaiting=question)
        if question == "safe_now":
            turn.set(urgent_kind=turn.triage.possible_urgent)
