"""The bot's own questions, then the child's typed answers: read as answers, in both languages.

Each test is a sequence through the trained model, the rules and the real actions (in process):
the bot asks (the feelings check, "are you safe right now?", age, country), then the child types.
"""

from __future__ import annotations

import pytest

from bot.settings import SUPPORTED_LANGUAGES

URGENT = {"msg:urgent", "msg:danger_now", "msg:urgent_again", "msg:danger_now_again"}
GLAD = {"msg:feeling_ok_reply", "msg:deny_reply"}  # "I'm glad to hear that" / "That's OK, I'm here"


def at_feelings_check(chat, language: str = "en"):
    """A sextortion conversation up to the question "...is that how you feel?"."""
    c = chat(language, country="KE", age_band="13_15")
    c.send("/ask_sextortion")
    c.send("/affirm")
    assert c.said("step:sextortion:1") and c.slots["awaiting"] == "feeling"
    return c


def at_safe_question(chat, language: str = "en", text: str = "i want to kill myself"):
    c = chat(language, country="KE", welcomed=True)
    c.send(text)
    assert set(c.keys) & URGENT and c.slots["awaiting"] == "safe_now"
    return c


@pytest.mark.parametrize("answer", [
    "yes", "ya sometimes", "bad", "kind of", "idk", "not really", "sometimes", "yeah", "a bit", "maybe",
    "not good", "i dont know", "yes i want to die", "terrible honestly",
])
def test_feelings_check_risk_answers_take_the_urgent_route(chat, answer: str) -> None:
    c = at_feelings_check(chat)
    c.send(answer)
    assert "msg:urgent" in c.keys, (answer, c.keys)
    assert not set(c.keys) & GLAD
    assert c.slots["awaiting"] == "safe_now" and c.slots["urgent_active"] is True
    assert c.slots["paused_topic"] == "sextortion" and c.slots["paused_step"] == 2  # picked up again later


@pytest.mark.parametrize("answer", ["ndiyo", "ndio", "sijui", "sijisikii poa kabisa", "kiasi", "wakati mwingine", "eeh"])
def test_feelings_check_risk_answers_in_kiswahili(chat, answer: str) -> None:
    c = at_feelings_check(chat, "sw")
    c.send(answer)
    assert "msg:urgent" in c.keys, (answer, c.keys)
    assert not set(c.keys) & GLAD


@pytest.mark.parametrize("answer", ["no", "no im fine", "nah not like that", "hapana", "hapana niko sawa", "/feeling_ok"])
def test_feelings_check_no_is_acknowledged_and_the_flow_goes_on(chat, answer: str) -> None:
    c = at_feelings_check(chat, "sw" if answer.startswith("hapana") else "en")
    c.send(answer)
    assert c.keys[:2] == ["msg:feelings_ack", "step:sextortion:2"], c.keys
    assert not set(c.keys) & (URGENT | GLAD)


@pytest.mark.parametrize(("answer", "language"), [
    ("no, just scared", "en"), ("nah just stressed about the pics", "en"), ("n, so tenho medo dele", "pt"),
    ("gak sih, cuma takut aja", "id"), ("hong có", "vi"), ("hapana, naogopa tu", "sw"),
])
def test_feelings_check_a_no_beside_fear_is_a_no(chat, answer: str, language: str) -> None:
    """Fear is what almost every child being blackmailed feels: "no, just scared" denies the thoughts."""
    c = at_feelings_check(chat, language)
    c.send(answer)
    assert c.keys[:2] == ["msg:feelings_ack", "step:sextortion:2"], (answer, c.keys)
    assert not set(c.keys) & URGENT


@pytest.mark.parametrize("answer", [
    "no i just cant take it anymore", "no just want to disappear", "no i just wish i wasnt here",
    "no lol i just wish i wasnt here 😂",  # laughter keeps a message off the urgent route, never an answer
])
def test_feelings_check_a_no_beside_crisis_words_still_takes_the_urgent_route(chat, answer: str) -> None:
    c = at_feelings_check(chat)
    c.send(answer)
    assert "msg:urgent" in c.keys, (answer, c.keys)


def test_thoughts_but_safe_gets_its_own_next_step(chat) -> None:
    c = at_feelings_check(chat)
    c.send("i think about it sometimes but im safe rn")
    assert c.keys[0] == "msg:thoughts_safe"
    c = at_feelings_check(chat)
    c.send('/feeling_ok{"answer":"thoughts_safe"}')
    assert c.keys[0] == "msg:thoughts_safe"


def test_typed_unrelated_question_during_the_feelings_check(chat) -> None:
    c = at_feelings_check(chat)
    c.send("what is grooming")
    assert "step:grooming:0" in c.keys and not set(c.keys) & URGENT
    c = at_feelings_check(chat)
    c.send("huh")  # not an answer and not a new topic: asked again, plainly
    assert c.keys == ["msg:recheck_feelings"] and c.slots["awaiting"] == "feeling"


@pytest.mark.parametrize("answer", ["no", "not really", "idk", "hes still here", "nope", "not safe", "im scared"])
def test_are_you_safe_no_keeps_the_urgent_route(chat, answer: str) -> None:
    c = at_safe_question(chat)
    c.send(answer)
    assert "msg:urgent_again" in c.keys, (answer, c.keys)
    assert not set(c.keys) & GLAD and c.slots["urgent_active"] is True


@pytest.mark.parametrize("answer", [
    "yes", "yes im safe", "ya im at home with my mum", "im safe now", "/feeling_ok", '/feeling_ok{"answer":"safe"}',
])
def test_are_you_safe_yes_is_acknowledged_warmly_never_a_dead_end(chat, answer: str) -> None:
    c = at_safe_question(chat)
    c.send(answer)
    assert c.keys[0] == "msg:safe_ack", (answer, c.keys)
    assert c.slots["urgent_active"] is False and c.slots["awaiting"] is None


def test_kiswahili_safe_question(chat) -> None:
    c = at_safe_question(chat, "sw", "nataka kujiua")
    c.send("hapana")
    assert "msg:urgent_again" in c.keys
    c.send("ndiyo niko salama")
    assert c.keys[0] == "msg:safe_ack"


def test_the_original_question_is_picked_up_once_safe(chat) -> None:
    c = chat("en", country="GB", welcomed=True)
    c.send("he says he will post my nudes unless i pay him and i just want to die")
    assert "msg:urgent" in c.keys
    c.send('/feeling_ok{"answer":"safe"}')
    assert c.keys[:2] == ["msg:safe_ack", "step:sextortion:0"], c.keys


def test_urgent_state_lasts_through_an_unrelated_question(chat) -> None:
    c = at_safe_question(chat)
    c.send("is this chat free")
    assert "msg:faq_cost" in c.keys
    assert c.slots["urgent_active"] is True and c.slots["awaiting"] == "safe_now"
    c.send("ok")
    assert c.keys[0] == "msg:safe_ack"


def test_self_harm_asks_directly_about_suicide_then_reads_the_answer(chat) -> None:
    c = chat("en", country="KE", welcomed=True)
    c.send("i cut myself again last night")
    assert c.keys[0] == "msg:self_harm" and c.slots["awaiting"] == "suicide_check"
    c.send("no")
    assert c.keys[0] == "msg:self_harm_next"
    c = chat("en", country="KE", welcomed=True)
    c.send("i cut myself again last night")
    c.send("kinda")
    assert "msg:urgent" in c.keys


def test_age_and_country_answers_are_read_as_answers(chat) -> None:
    c = chat("en")
    c.send("/greet")
    assert c.slots["awaiting"] == "age"
    c.send("fourteen")
    assert c.slots["age_band"] == "13_15" and c.slots["awaiting"] == "country"
    c.send("keyna")
    assert c.slots["country"] == "KE" and "msg:country_saved" in c.keys


@pytest.mark.parametrize(("answer", "code"), [("tanzaniya", "TZ"), ("south afrika", "ZA"), ("im in nairobi", "KE"), ("bongo", "TZ")])
def test_countries_loosely(chat, answer: str, code: str) -> None:
    c = chat("en", welcomed=True, awaiting="country")
    c.send(answer)
    assert c.slots["country"] == code


@pytest.mark.parametrize("answer", ["nigeria", "india"])
def test_unlisted_country_gets_international_routes_never_goodbye(chat, answer: str) -> None:
    c = chat("en", welcomed=True, awaiting="country")
    c.send(answer)
    assert "msg:country_not_listed" in c.keys and "msg:goodbye" not in c.keys


def test_kiswahili_first_is_still_asked_age_and_country(chat) -> None:
    c = chat("en")
    c.send("/greet")
    c.send('/choose_language{"language":"sw"}')
    assert c.keys[:2] == ["msg:language_changed", "msg:ask_age"] and c.slots["language"] == "sw"
    c.send("nina miaka kumi na nne")
    assert c.slots["age_band"] == "13_15" and "msg:ask_country" in c.keys


def test_urgent_with_no_country_asks_it_in_the_same_reply(chat) -> None:
    c = chat("sw", welcomed=True)
    c.send("nataka kujiua")
    assert c.keys == ["msg:urgent"] and c.slots["awaiting"] == "safe_now"
    c.send("/inform_country{\"country\":\"TZ\"}")
    assert c.keys == ["msg:urgent_country_saved"] and c.slots["country"] == "TZ" and c.slots["awaiting"] == "safe_now"


HARD_TIMES = {"en": "everything is so hard lately", "sw": "mambo ni magumu sana siku hizi"}


def at_possible_crisis(chat, kind: str = "suicidal", language: str = "en", text: str | None = None):
    """A message the model thought might be a crisis, too unsure for the urgent route: the direct check."""
    c = chat(language, country="KE", age_band="13_15", welcomed=True)
    c.send_with(text or HARD_TIMES[language], possible_urgent=kind)
    assert c.keys[-1] == ("msg:check_possible" if kind == "suicidal" else "msg:check_danger"), c.keys
    assert not set(c.keys) & URGENT
    return c


@pytest.mark.parametrize(("answer", "language"), [
    ("yes", "en"), ("kind of", "en"), ("sometimes", "en"), ("ndiyo", "sw"), ("i want to die", "en"),
])
def test_possible_crisis_check_yes_takes_the_urgent_route(chat, answer: str, language: str) -> None:
    c = at_possible_crisis(chat, language=language)
    c.send(answer)
    assert "msg:urgent" in c.keys and c.slots["urgent_active"] is True, c.keys


@pytest.mark.parametrize("answer", ["no", "nope im ok", "hapana"])
def test_possible_crisis_check_no_is_thanked_and_never_a_dead_end(chat, answer: str) -> None:
    c = at_possible_crisis(chat, language="sw" if answer == "hapana" else "en")
    c.send(answer)
    assert c.keys[0] == "msg:feelings_ack" and len(c.keys) >= 2, c.keys  # a next step follows
    assert not set(c.keys) & (URGENT | GLAD) and c.slots["awaiting"] is None


def test_possible_crisis_check_unclear_answer_is_asked_again(chat) -> None:
    c = at_possible_crisis(chat)
    c.send("hmm")
    assert c.keys == ["msg:recheck_feelings"] and c.slots["awaiting"] == "risk_check"


def test_possible_danger_asks_if_the_child_is_safe(chat) -> None:
    c = at_possible_crisis(chat, kind="danger_now", text="a guy from insta keeps asking where i live")
    assert c.slots["awaiting"] == "safe_now" and c.slots["urgent_kind"] == "danger_now"
    assert not c.slots.get("urgent_active")
    c.send("no")
    assert "msg:danger_now_again" in c.keys and c.slots["urgent_active"] is True
    c = at_possible_crisis(chat, kind="danger_now", text="a guy from insta keeps asking where i live")
    c.send("yes im safe")
    assert c.keys[0] == "msg:safe_ack"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("key", ["check_possible", "check_danger", "self_harm"])  # self_harm: bot.evaluate counts it as asked
def test_the_check_carries_the_emergency_number(language: str, key: str) -> None:
    from bot.locales import catalog
    from bot.nlg import render

    for country in ("KE", None):  # the child's country, and none known (home or international numbers)
        text = render(catalog(), f"msg:{key}", {"language": language, "country": country})["text"]
        emergency = catalog().signposts(language, country)["emergency"]
        assert "{" not in text and emergency in text and any(ch.isdigit() for ch in emergency), (language, key, country, text)
