"""Route by what the child disclosed: danger now, sextortion, grooming told of, abuse in person,
someone else's child, idioms and negations, questions about the service (exact phrases from the
safety issue, and more). In process: the trained model, the safety net, triage, rules, actions."""

from __future__ import annotations

import pytest

from bot.locales import catalog
from bot.triage import triage

URGENT = {"msg:urgent", "msg:danger_now"}


def parse(agent, text: str) -> dict:
    import asyncio

    return asyncio.new_event_loop().run_until_complete(agent.parse_message(text))


@pytest.mark.parametrize(("text", "category"), [
    ("he is forcing me right now help", "abuse.sexual_offline"),
    ("my stepbrother is trying to get into my room right now", None),
    ("a guy from snap is at the bus stop waiting and says i have to go with him", "ocsea.offer_to_meet"),
])
def test_danger_now_is_urgent_with_safety_steps_not_the_suicide_script(chat, agent, text: str, category: str | None) -> None:
    c = chat("en", country="KE", welcomed=True)
    c.send(text)
    assert c.keys[0] == "msg:danger_now", c.keys
    result = triage(parse(agent, text))
    assert result.risk == "urgent" and result.urgent_kind == "danger_now"
    assert "mental_health.suicidal" not in result.categories
    if category:
        assert category in result.categories, result.categories
    rendered = catalog().message("danger_now", "en", country="KE").text
    assert rendered.startswith("Call 999 or 112 now") and "suicide" not in rendered.lower()


@pytest.mark.parametrize("text", [
    "sum1 from roblox sayd he will send my pics to my mum if i dont send more pics",
    "ok so like 3 weeks ago i started talking to this guy on insta, he was really nice and we talked every day and "
    "he said he was 16 too. then he asked for pics and i sent some. now hes saying if i dont send more and pay him "
    "50 dollars hes going to send them to all my followers and my school",
    "someone is blackmailing me with my nudes",
])
def test_sextortion_disclosed_runs_the_sextortion_flow_with_dont_pay_first(chat, text: str) -> None:
    c = chat("en", country="GB", welcomed=True)
    c.send(text)
    assert c.keys[0] == "step:sextortion:0", c.keys
    first = catalog().step("sextortion", 0, "en", age_band="13_15").text
    assert first.splitlines()[0] == "**Right now: don't pay, don't send anything more, and stop replying.**"


def test_sextortion_flow_has_all_seven_key_messages_and_the_feelings_check(chat) -> None:
    c = chat("en", country="GB", age_band="16_17", welcomed=True)
    seen = [*c.send("someone is blackmailing me with my nudes")]
    seen += c.send("/affirm")
    seen += c.send("/feeling_ok")
    while c.slots.get("topic"):
        seen += c.send("/affirm")
    steps = [k for k in seen if k.startswith("step:sextortion:")]
    assert steps == [f"step:sextortion:{i}" for i in range(7)]
    text = "\n".join(catalog().step("sextortion", i, "en", age_band="16_17", country="GB").text for i in range(7)).lower()
    for key_message in ("not your fault", "don't pay", "stop replying", "block", "report", "screenshot",
                        "take it down", "report remove", "stopncii", "tell someone", "suicide"):
        assert key_message in text, key_message


def test_information_is_not_a_disclosure(chat, agent) -> None:
    info = triage(parse(agent, "what is grooming"))
    assert info.risk in ("none", "low") and not info.disclosure
    c = chat("en", country="KE", welcomed=True)
    c.send("what is grooming")
    assert c.keys[0] == "step:grooming:0"


def test_ongoing_grooming_told_is_high_acknowledged_first_with_a_counsellor_offered(chat, agent) -> None:
    text = "the youth leader at church messages me every night, says im his favourite and not to tell anyone"
    result = triage(parse(agent, text))
    assert result.disclosure and result.risk == "high" and "ocsea.grooming" in result.categories
    c = chat("en", country="KE", welcomed=True)
    c.send(text)
    assert c.keys[:2] == ["msg:disclosure_ack", "step:grooming:0"], c.keys
    ack = catalog().message("disclosure_ack", "en")
    assert "not your fault" in ack.text and any(b["payload"] == "/request_human" for b in ack.buttons)


@pytest.mark.parametrize("text", ["my uncle touches me when my parents are not home", "my coach makes me do sexual things after practice"])
def test_abuse_in_person_gets_its_own_pathway(chat, text: str) -> None:
    c = chat("en", country="KE", welcomed=True)
    c.send(text)
    assert "step:abuse_offline:0" in c.keys and "step:grooming:0" not in c.keys, c.keys


def test_friend_and_parent_pathways(chat, agent) -> None:
    c = chat("en", country="KE", welcomed=True)
    c.send("my friend is being blackmailed by some guy who has her nudes, she made me promise not to tell")
    assert "step:help_a_friend:0" in c.keys, c.keys
    assert triage(parse(agent, "my friend is being blackmailed by some guy who has her nudes")).attributes["caller"] == "other_person"
    while c.slots.get("topic"):
        c.send("/affirm")
    assert "promise" in catalog().step("help_a_friend", 1, "en").text
    c = chat("en", country="GB", welcomed=True)
    c.send("my daughter is being blackmailed with pictures she sent to someone online")
    assert "step:parent_carer:0" in c.keys, c.keys


def test_adults_get_stop_ncii_first() -> None:
    adult = catalog().step("image_removal", 0, "en", age_band="adult", country="KE").text
    child = catalog().step("image_removal", 0, "en", age_band="13_15", country="KE").text
    assert adult.index("StopNCII (stopncii.org)") < adult.index("Take It Down (takeitdown")
    assert "StopNCII (stopncii.org)" not in child


@pytest.mark.parametrize("text", [
    "my mum will kill me if she finds out", "i could die of embarrassment", "this homework is killing me",
    "dying of laughter at this video", "im writing a school essay about suicide prevention",
])
def test_everyday_idioms_are_not_urgent(chat, agent, text: str) -> None:
    assert triage(parse(agent, text)).risk != "urgent"
    c = chat("en", country="KE", welcomed=True)
    c.send(text)
    assert not set(c.keys) & URGENT, c.keys


def test_a_negated_crisis_gets_a_gentle_check_and_its_topic_answered(chat, agent) -> None:
    text = "im not suicidal or anything, i just want him to leave me alone"
    assert triage(parse(agent, text)).risk != "urgent"
    c = chat("en", country="KE", welcomed=True)
    c.send(text)
    assert c.keys[-1] == "msg:check_in" and not set(c.keys) & URGENT and len(c.keys) >= 2, c.keys
    c.send("no")
    assert not set(c.keys) & URGENT


@pytest.mark.parametrize(("text", "key"), [
    ("how long will i wait", "faq_wait_time"), ("is anyone there", "faq_anyone_there"),
    ("will you tell my parents", "faq_confidential"), ("will you tell the police", "faq_confidential"),
    ("is it free", "faq_cost"), ("are you open at night", "faq_hours"),
    ("whats the difference between a hotline and a helpline", "faq_hotline_helpline"),
    ("mtawaambia wazazi wangu?", "faq_confidential"), ("ni bure?", "faq_cost"),
])
def test_questions_about_the_service_are_answered_in_the_first_reply(chat, text: str, key: str) -> None:
    c = chat("sw" if text.endswith("?") else "en")
    c.send(text)
    assert c.keys[0] == f"msg:{key}", c.keys


# Said only when a counsellor can come (queued, or in a live chat): tests/test_handoff.py, test_hours.py
# and test_conversation_http.py check that nobody is promised when nobody can come.
WHEN_ONE_CAN_COME = {"human_queued", "counsellor_coming", "faq_waiting", "faq_waiting_unknown", "live_joined",
                     "live_joined_named", "queue_moved"}


def test_the_bot_never_promises_a_counsellor_it_does_not_have() -> None:
    values = {"counsellor": "Amina", "position": "2", "minutes": "6"}
    for lang in catalog().texts:
        for key in set(catalog().flows["messages"]) - WHEN_ONE_CAN_COME:
            for age in ("under_13", "13_15", "16_17"):
                text = catalog().message(key, lang, age_band=age, country="KE", values=values).text.lower()
                assert "asking a counsellor" not in text and "i've noted" not in text and "asked a counsellor" not in text, (
                    lang, key)
