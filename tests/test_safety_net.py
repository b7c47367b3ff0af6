"""The deterministic safety net: normalisation and phrase lists, in English and Kiswahili."""

from __future__ import annotations

import pytest

from bot.safety import safety_net, tokens

URGENT = {
    "i want to kill myself": "suicidal", "kms": "suicidal", "i wanna k1ll mys3lf": "suicidal",
    "im gonna unalive myself tonight": "suicidal", "I don't want to live anymore": "suicidal",
    "i took a bunch of pills": "suicidal", "i am thinking about sucide": "suicidal",
    "everyone would be better off without me": "suicidal", "i want to jump off a bridge": "suicidal",
    "I WANT TO KIIIIILL MYSELF": "suicidal", "i want to kill\u200b myself": "suicidal", "i wanna die.....": "suicidal",
    "nataka kujiuaaa": "suicidal", "ntajiua leo": "suicidal", "sitaki kuishi tena": "suicidal",
    "nimechoka kuishi": "suicidal", "nimekunywa vidonge vingi": "suicidal", "nitajinyonga": "suicidal",
    "maisha hayana maana": "suicidal", "xitaki kuishi": "suicidal",
    "he's outside my house right now": "danger_now", "someone is following me": "danger_now",
    "i'm in danger": "danger_now", "he locked me in his room": "danger_now", "niko hatarini": "danger_now",
    "amenifungia ndani ya chumba": "danger_now", "yuko nje ya nyumba yetu": "danger_now",
}
HARMLESS = [
    "i'm dying of laughter", "this homework is killing me", "my mum will kill me if she finds out",
    "i hurt myself playing football", "i took my pills this morning", "i cut my hair yesterday",
    "he keeps following me on insta", "my dad is outside in the car", "i want to live in london",
    "baba yuko nje ya nchi", "ananifuata instagram", "ananipiga simu kila siku", "najipiga picha",
    "nimejiumiza nikicheza mpira", "hello", "what is consent", "im 14", "😭😭😭",
]


def test_normalisation() -> None:
    assert tokens("I WANT TO K1LLLL my$elf!!!") == tokens("i want to kill myself")
    assert tokens("kil\u200bl me") == tokens("kill me")
    assert tokens("im 14") == ["im", "14"]  # plain numbers are not leetspeak
    assert tokens("before 10pm") == ["before", "10pm"]  # nor are times ("10pm" is not "iopm")


@pytest.mark.parametrize(("message", "kind"), sorted(URGENT.items()))
def test_urgent_messages_are_caught(message: str, kind: str) -> None:
    assert safety_net().check(message).urgent == kind


@pytest.mark.parametrize("message", HARMLESS)
def test_everyday_messages_do_not_raise_alarms(message: str) -> None:
    found = safety_net().check(message)
    assert found.urgent is None and not found.self_harm


def test_self_harm_in_both_languages() -> None:
    assert safety_net().check("i cut myself last night").self_harm
    assert safety_net().check("najikata mkono kila siku").self_harm


def test_attributes_for_the_contact_log() -> None:
    found = safety_net().check("he is blackmailing me on snap, threatening to post my nudes unless i pay. havent told anyone")
    assert "ocsea.sextortion" in found.categories
    assert found.platform == "snapchat"
    assert found.attributes["told_anyone"] == "nobody"
    other = safety_net().check("my friend is being blackmailed by someone she met on roblox")
    assert other.attributes["caller"] == "other_person"
    assert other.platform == "game"
    known = safety_net().check("mwalimu alinigusa vibaya shuleni wiki iliyopita")
    assert known.attributes["perpetrator"] == "known_adult"
    assert "abuse.sexual_offline" in known.categories


def test_a_ten_thousand_character_message_is_scanned_whole() -> None:
    message = "blah " * 2000 + "i want to kill myself"
    assert len(message) > 10_000
    assert safety_net().check(message).urgent == "suicidal"


# Urgent messages that neither the model nor the phrase lists caught in 5-fold cross-validation
# (2026-11-23); the lists were extended, and these keep them caught.
MISSED_IN_CROSS_VALIDATION = [
    "im locked in and he wont let me leave", "im not safe right now", "anakuja kunichukua sasa",
    "nimechukua dawa zote za mama", "nimejificha kwa bafu anagonga", "i have a rope ready", "i wrote my goodbye letter",
    "i just cut really deep and theres so much blood", "nina kamba tayari", "sitaki kuamka kesho", "im standing on the bridge",
    "he said hes on his way to my school to find me", "damu haiachi kutoka nimejikata sana", "hii ndio siku yangu ya mwisho",
    "im bleeding a lot and cant stop it", "help me now please hes here", "kesho sitakuwepo",
]


@pytest.mark.parametrize("message", MISSED_IN_CROSS_VALIDATION)
def test_indirect_urgent_messages_are_caught(message: str) -> None:
    assert safety_net().check(message).urgent


@pytest.mark.parametrize("message", ["none of my friends know", "im locked in on this game", "my dad is here to pick me up"])
def test_new_phrases_do_not_fire_on_everyday_words(message: str) -> None:
    assert safety_net().check(message).urgent is None


# Everyday Kiswahili that a bare "I've decided" / "I'll do it" plus a time word made urgent, and
# idioms (a football score, a goodbye till tomorrow) that were raising alarms.
@pytest.mark.parametrize("message", [
    "nitafanya homework kesho", "nimepanga kwenda sokoni kesho", "nimeamua kusoma leo usiku",
    "wamenifunga magoli matatu", "kwaheri tutaongea kesho", "kesho sitakuwepo kwa class",
])
def test_everyday_kiswahili_plans_and_idioms_raise_no_alarm(message: str) -> None:
    assert safety_net().check(message).urgent is None, message


@pytest.mark.parametrize("message", [
    "nimeamua kujiua leo usiku", "nina mpango wa kunywa vidonge leo", "leo usiku nitajinyonga",
    "nitajitoa roho", "mama ataniua nikifeli, bora nife",
])
def test_kiswahili_intent_with_its_object_is_still_urgent(message: str) -> None:
    assert safety_net().check(message).urgent == "suicidal", message


def test_first_person_words_of_one_language_count_only_in_that_language() -> None:
    # Vietnamese children write "e" (em) for "I"; in Portuguese "e" is "and".
    assert safety_net().check("nó gửi ảnh của e cho cả lớp", "vi").first_person
    assert not safety_net().check("nó gửi ảnh của e cho cả lớp").first_person  # language unknown
    assert not safety_net().check("o joao e a maria mandaram fotos", "pt").first_person
    assert safety_net().check("ny cũ đăng ảnh nóng của em", None).first_person  # "em" says "I" wherever


@pytest.mark.parametrize(("message", "joking"), [
    ("🤣🤣 nimekufa mara mbili", True), ("that had me dead 💀", True), ("=)) chết cười", True),
    ("ptdr le prof", True), ("kwkw", False), ("pengen mati wkwk tapi serius", False),
    ("mdr sans rire je suis mal", False), ("la lola ko", False), ("😭😭😭", False),
])
def test_laughter_is_found_in_words_and_emoji_unless_something_says_it_is_meant(message: str, joking: bool) -> None:
    assert safety_net().check(message).joking is joking


def test_gaming_words_for_dying_are_a_goodbye() -> None:
    # "log out forever" is a goodbye (finality): with a time it is urgent, alone the child is asked.
    assert safety_net().check("tonight im logging out forever. no respawn").urgent == "suicidal"
    alone = safety_net().check("log out forever")
    assert alone.urgent is None and alone.lone_signal


def test_one_step_from_a_height_is_risk_but_one_step_at_a_time_is_not() -> None:
    assert safety_net().check("mở cửa sổ tầng 9 r, chỉ cần bước 1 bước thôi", "vi").urgent == "suicidal"
    # On the roof (a method since the twelfth session's checklist) and one step from the end: urgent.
    assert safety_net().check("im on the roof, one step and its over").urgent == "suicidal"
    assert safety_net().check("one step and its over").lone_signal
    assert not safety_net().check("one step at a time, im fixing my grades").lone_signal
    assert not safety_net().check("tapos na problema ko sa math, salamat", "tl").lone_signal


def test_rather_disappear_asks_alone_and_is_urgent_with_a_time() -> None:
    # "I'd rather disappear" after a blackmailer's deadline: an intent signal, not a wish for a file to go.
    assert safety_net().check("thà em biến mất còn hơn", "vi").lone_signal
    assert safety_net().check("tha e bien mat cho r, toi nay e di day", "vi").urgent == "suicidal"
    assert safety_net().check("he posts it at 9 so id rather disappear before then").lone_signal
    assert not safety_net().check("i want that video to disappear").lone_signal


def test_hiding_from_someone_is_danger_of_no_stated_kind_not_an_offer_to_meet() -> None:
    # The danger's kind comes from the words around it: a beating here, not a meeting.
    found = safety_net().check("ma mere me frappe, je me suis cachee sous le lit", "fr")
    assert found.urgent == "danger_now" and list(found.danger_categories) == ["abuse.other"]


@pytest.mark.parametrize(("denial", "danger", "language"), [
    ("its not like im in danger but my pic is on a porn site", "help im in danger", "en"),
    ("aku gk lagi dalam bahaya kok, cuma mau nanya soal akun palsu", "aku lagi dalam bahaya", "id"),
    ("hakuna mtu ananilazimisha sasa hivi, nauliza tu kuhusu live", "ananilazimisha sasa hivi", "sw"),
    ("hindi po ako suicidal, may tanong lang po ako sa report", "suicidal po ako ngayon", "tl"),
])
def test_a_denial_before_a_question_is_negated_but_the_plain_words_still_alarm(denial: str, danger: str, language: str) -> None:
    # Found when the language check read the training examples of "im safe, but ..." questions.
    said = safety_net().check(denial, language)
    assert said.urgent is None and said.negated
    assert safety_net().check(danger, language).urgent is not None


def test_a_contraction_stands_for_the_words_it_shortens() -> None:
    spelling = safety_net().spelling
    assert tokens("sige mamatay nlng ako", spelling) == tokens("sige mamatay na lang ako", spelling)
    assert safety_net().check("pagod na ko, mamatay nalang ako", "tl").urgent == "suicidal"


@pytest.mark.parametrize(("message", "language"), [
    ("he said 10pm or he posts it. id rather disappear before 10pm", "en"),
    ("nó bảo gửi trước 21h. thà em biến mất trước 21h còn hơn", "vi"),
    ("ipopost daw nya pag d aq nagsend. mawala nalang ako bago mag 11pm", "tl"),
])
def test_a_wish_to_disappear_before_a_clock_time_is_urgent(message: str, language: str) -> None:
    assert safety_net().check(message, language).urgent == "suicidal"


@pytest.mark.parametrize("message", [
    "i need to finish this essay before 10pm, im so done", "bago mag 9 tapos na assignment ko",
    "le match commence avant 21h", "sebelum jam 9 aku harus pulang",
])
def test_a_clock_time_alone_or_beside_everyday_words_raises_nothing(message: str) -> None:
    found = safety_net().check(message)
    assert found.urgent is None and not found.lone_signal


def test_what_was_done_before_names_the_danger_now() -> None:
    # "He touched me yesterday" beside a danger now: sexual abuse, not violence of no stated kind.
    assert "abuse.sexual_offline" in safety_net().check("ele ja me tocou ontem e agora quer q eu tire a roupa", "pt").danger_context
    assert not safety_net().check("o meu pai ta a bater na porta e diz q me mata", "pt").danger_context


@pytest.mark.parametrize(("message", "language", "urgent"), [
    ("my best friend says she will kill herself tonight, he shared her pics", "en", "suicidal"),
    ("ma copine dit qu elle va se tuer ce soir, il a partagé ses photos", "fr", "suicidal"),
    ("a minha amiga disse que se vai matar hoje por causa das fotos", "pt", "suicidal"),
    ("rafiki yangu anasema atajinyonga leo usiku kwa sababu ya picha zake", "sw", "suicidal"),
    ("i wont make it through the night, i wrote a letter to my mum", "en", "suicidal"),
    ("j ai planifié ma fin pour vendredi", "fr", "suicidal"),
    ("kinulong ako ni tito sa kwarto, di ako makalabas", "tl", "danger_now"),
])
def test_a_friend_in_crisis_a_plan_made_and_a_locked_door_are_urgent(message: str, language: str, urgent: str) -> None:
    # The checklist of crisis expressions (third person, preparations, not lasting the night, confinement).
    assert safety_net().check(message, language).urgent == urgent


@pytest.mark.parametrize(("message", "language"), [
    ("honestly better dead than everyone seeing that video", "en"),
    ("bora kufa kuliko picha zangu zionekane shule", "sw"),
    ("mending aku ngilang aja daripada fotoku kesebar", "id"),
    ("em chuẩn bị dây rồi", "vi"),
])
def test_rather_dead_or_a_rope_made_ready_asks_alone(message: str, language: str) -> None:
    # Also everyday exaggeration ("better dead than wear this"): the child is asked, with the emergency number.
    found = safety_net().check(message, language)
    assert found.urgent is None and found.lone_signal
