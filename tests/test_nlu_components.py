"""The safety net as a pipeline component: what it does with the model's ranking (bot.nlu_components).

Messages are built as the classifier and FallbackClassifier leave them, then processed by the
component itself; the phrase lists are the real ones.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu_components import FALLBACK_THRESHOLDS, SafetyNet
from bot.settings import PROJECT_ROOT
from bot.triage import triage

FALLBACK = {"name": "nlu_fallback", "confidence": 0.40}


def parsed(text: str, ranking: list[tuple[str, float]], fallback: bool = False) -> dict[str, Any]:
    """Run the component on `text` with this model ranking; return the parse result."""
    ranked = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    top = FALLBACK if fallback else ranked[0]
    message = Message(data={TEXT: text, INTENT: top, INTENT_RANKING_KEY: ([FALLBACK] if fallback else []) + ranked})
    SafetyNet(SafetyNet.get_default_config()).process([message])
    return {"text": text, "intent": message.get(INTENT), "intent_ranking": message.get(INTENT_RANKING_KEY),
            "safety": message.get("safety")}


def test_a_split_urgent_score_takes_the_urgent_route() -> None:
    # Neither urgent intent wins, but together they do: the likelier one is the route.
    result = parsed("the water is really fast here", [("out_of_scope", 0.30), ("urgent_risk", 0.28), ("danger_now", 0.14)], fallback=True)
    assert result["intent"]["name"] == "urgent_risk" and result["safety"]["model_intent"] == "nlu_fallback"
    t = triage(result)
    assert t.risk == "urgent" and t.urgent_kind == "suicidal" and t.possible_urgent is None


def test_danger_now_keeps_the_topic_the_model_saw() -> None:
    result = parsed("he sent a car and its outside", [("ask_offer_to_meet", 0.42), ("danger_now", 0.33), ("urgent_risk", 0.08)])
    t = triage(result)
    assert t.risk == "urgent" and t.urgent_kind == "danger_now"
    assert "ocsea.offer_to_meet" in t.categories and "mental_health.suicidal" not in t.categories


@pytest.mark.parametrize(("ranking", "kind"), [
    ([("feeling_bad", 0.55), ("urgent_risk", 0.20), ("out_of_scope", 0.10)], "suicidal"),
    ([("ask_grooming", 0.60), ("danger_now", 0.17), ("ask_sextortion", 0.10)], "danger_now"),
])
def test_some_chance_of_a_crisis_asks_directly(ranking: list[tuple[str, float]], kind: str) -> None:
    t = triage(parsed("things are hard", ranking))
    assert t.risk != "urgent" and t.possible_urgent == kind
    assert t.intent == ranking[0][0]  # the topic is still answered


def test_little_chance_of_a_crisis_changes_nothing() -> None:
    t = triage(parsed("how do i block someone", [("ask_online_safety", 0.88), ("urgent_risk", 0.05), ("danger_now", 0.03)]))
    assert t.risk != "urgent" and t.possible_urgent is None and t.intent == "ask_online_safety"


def test_an_idiom_blocks_the_score() -> None:
    text = "this homework is killing me"
    result = parsed(text, [("urgent_risk", 0.35), ("out_of_scope", 0.30), ("danger_now", 0.20)], fallback=True)
    assert result["safety"]["idiom"] and triage(result).risk != "urgent"
    assert "possible_urgent" not in result["safety"]


def test_a_help_now_request_is_not_second_guessed() -> None:
    result = parsed("numbers please", [("help_now", 0.50), ("urgent_risk", 0.30), ("danger_now", 0.15)])
    assert result["intent"]["name"] == "help_now" and "possible_urgent" not in result["safety"]


def test_a_phrase_match_outweighs_the_score() -> None:
    result = parsed("i want to kill myself", [("feeling_bad", 0.90), ("urgent_risk", 0.05), ("danger_now", 0.01)])
    assert result["intent"]["name"] == "urgent_risk" and triage(result).risk == "urgent"


def test_button_payloads_are_left_alone() -> None:
    result = parsed("/feeling_ok", [("feeling_ok", 1.0), ("urgent_risk", 0.0)])
    assert result["intent"]["name"] == "feeling_ok" and "possible_urgent" not in result["safety"]


@pytest.mark.parametrize("text", ["i have all the pills in my hand", "tous les cachets sont dans ma main"])
def test_one_risk_signal_alone_asks_directly(text: str) -> None:
    """A method, an intent or a goodbye alone is too little for the urgent route, and the model may
    see nothing: the child is asked whether they are safe (the check question), in any language."""
    t = triage(parsed(text, [("out_of_scope", 0.62), ("feeling_bad", 0.20), ("urgent_risk", 0.03)]))
    assert t.risk != "urgent" and t.possible_urgent == "suicidal"


@pytest.mark.parametrize("text", ["the pills are for my flu", "how do i block someone"])
def test_no_signal_or_an_idiom_asks_nothing(text: str) -> None:
    t = triage(parsed(text, [("out_of_scope", 0.62), ("feeling_bad", 0.20), ("urgent_risk", 0.03)]))
    assert t.possible_urgent is None


def test_the_language_the_child_writes_in_decides_its_own_first_person_words() -> None:
    # Too short for langdetect: the language the page (or the Telegram app) is set to decides.
    ranking = [{"name": "ask_images_shared", "confidence": 0.7}]
    for hint, disclosure in (("vi", True), ("pt", False), (None, False)):
        message = Message(data={TEXT: "đăng ảnh e", INTENT: ranking[0], INTENT_RANKING_KEY: ranking,
                                "metadata": {"language": hint} if hint else {}})
        SafetyNet(SafetyNet.get_default_config()).process([message])
        t = triage({"text": message.get(TEXT), "intent": message.get(INTENT), "intent_ranking": ranking, "safety": message.get("safety")})
        assert t.disclosure is disclosure, hint
        assert ("ocsea.images_shared" in t.categories) is disclosure and ("info.online_safety" in t.categories) is not disclosure


@pytest.mark.parametrize(("text", "intent", "category"), [
    ("dikirimin link bokep sm nomor gak dikenal di wa", "ask_unwanted_content", "ocsea.unwanted_content"),  # where: a case
    ("om di fb nawarin pulsa 100rb buat foto", "ask_offer_for_images", "ocsea.offer_for_images"),
    ("ada yg kirim video bokep di grup kelas", "ask_unwanted_content", "ocsea.unwanted_content"),  # who: a classmate
    ("may nagpost ng bastos na pic sa gc ng section namin", "ask_unwanted_content", "ocsea.unwanted_content"),
    ("apa itu sextortion di instagram?", "ask_sextortion", "info.online_safety"),  # a question, even naming a platform
    ("sextortion", "ask_sextortion", "info.online_safety"),
])
def test_a_statement_naming_where_when_or_who_is_a_case_not_a_question(text: str, intent: str, category: str) -> None:
    assert category in triage(parsed(text, [(intent, 0.8)])).categories


def test_an_unsure_model_still_names_the_reasons_it_saw() -> None:
    # Too unsure to answer by (the fallback replies), but the contact is coded by the model's best
    # guess, information included, and by a likely second harm; a weak third guess adds nothing.
    result = parsed("onde denuncio um perfil q tem fotos de criancas",
                    [("ask_reporting", 0.36), ("ask_csam_encountered", 0.33), ("ask_grooming", 0.12)], fallback=True)
    t = triage(result)
    assert t.intent == "nlu_fallback"
    assert set(t.categories) == {"info.reporting", "ocsea.csam_encountered"}
    unsure = triage(parsed("quem vai ler isto", [("ask_service", 0.25), ("greet", 0.20)], fallback=True))
    assert set(unsure.categories) == {"other"}


@pytest.mark.parametrize(("text", "intent"), [
    ("🤣🤣 that goat video, im dead", "urgent_risk"),  # the model's own top intent
    ("wkwkwk tadi aku dibanting di game", "out_of_scope"),  # a share that reaches the route score
    ("=)) bị cô giáo xử đẹp rồi", "danger_now"),
])
def test_laughter_turns_the_models_crisis_reading_into_a_question(text: str, intent: str) -> None:
    """No phrase behind it and the child is laughing: asked directly (the emergency number is in the
    question), not sent down the urgent route."""
    # The urgent share clears the route score (0.32) in every case: only the laughter keeps it off the route.
    ranking = [(intent, 0.55), ("urgent_risk" if intent != "urgent_risk" else "feeling_bad", 0.36), ("greet", 0.05)]
    t = triage(parsed(text, ranking))
    assert t.risk != "urgent" and t.possible_urgent in ("suicidal", "danger_now")
    assert t.intent not in ("urgent_risk", "danger_now")
    assert parsed(text, ranking)["safety"]["laughed_off"]  # an answer to a risk question still counts it


@pytest.mark.parametrize("text", [
    "lol i want to kill myself",  # a phrase routes whatever the laughter
    "wkwk tapi serius aku udah gak kuat",  # "but seriously": the laughter is cancelled
    "she thinks im joking. im not",  # a report of what others think is not laughter
])
def test_laughter_never_outweighs_a_phrase_or_a_serious_word(text: str) -> None:
    t = triage(parsed(text, [("urgent_risk", 0.70), ("feeling_bad", 0.20)]))
    assert t.risk == "urgent"


@pytest.mark.parametrize("text", [
    "yesterday a man followed me home from the bus stop. made it home safe but im shaking",
    "jana jamaa alinifuata hadi nyumbani, nimefika nyumbani salama ila naogopa",
])
def test_a_danger_that_has_passed_turns_the_models_crisis_reading_into_a_question(text: str) -> None:
    """The child says the danger has passed: the model's crisis reading alone asks (the emergency
    number is in the question) instead of routing, and is not counted as laughed off."""
    for ranking in ([("danger_now", 0.60), ("abuse_offline", 0.25)], [("abuse_offline", 0.55), ("danger_now", 0.40)]):
        result = parsed(text, ranking)
        t = triage(result)
        assert result["safety"]["safe_now"] and not result["safety"].get("laughed_off")
        assert t.risk != "urgent" and t.possible_urgent == "danger_now"


@pytest.mark.parametrize("text", [
    "made it home safe but hes outside my gate now banging on the door",  # a danger phrase stands
    "got home safe. tonight i will kill myself",  # so does a suicide phrase
])
def test_a_danger_that_has_passed_never_outweighs_a_phrase(text: str) -> None:
    result = parsed(text, [("danger_now", 0.60), ("urgent_risk", 0.30)])
    assert triage(result).risk == "urgent" and not result["safety"]["safe_now"]


@pytest.mark.parametrize(("text", "category"), [
    ("ổng vừa cho e uống gì đó, giờ ổng bảo nằm xuống đi", "abuse.sexual_offline"),  # the model's danger now
    ("il m'a coincee dans l'escalier, sa main sous mon t-shirt", "abuse.sexual_offline"),
    ("kakalaslas ko lang, ang lalim", "mental_health.self_harm"),
    ("the guy who promised me money is parked outside my school", "ocsea.offer_to_meet"),
    ("niko chini ya kitanda, anakuja", "abuse.other"),  # hiding under a bed says nothing of what is happening
    ("chú e đang đập cửa, e sợ lắm", "abuse.other"),  # "sợ" (afraid) folds like "sờ" (touch): not a cue
    ("im hiding under my bed hes looking for me", "abuse.other"),  # a hiding place, not what is happening
    ("niko chini ya kitanda changu, anakuja", "abuse.other"),
    ("bố đang đánh e nữa", "abuse.other"),  # "nữa" (again) folds like Portuguese "nua" (naked)
])
def test_the_words_around_a_danger_now_say_what_is_happening(text: str, category: str) -> None:
    t = triage(parsed(text, [("danger_now", 0.80), ("abuse_offline", 0.10)]))
    assert t.risk == "urgent" and t.urgent_kind == "danger_now"
    assert category in t.categories
    named = {"abuse.other", "abuse.sexual_offline", "mental_health.self_harm", "ocsea.offer_to_meet"}
    assert (named - {category}) & set(t.categories) == set()


def test_danger_words_code_nothing_outside_a_danger_now() -> None:
    t = triage(parsed("my mum booked me a massage for my birthday", [("out_of_scope", 0.80), ("greet", 0.10)]))
    assert "abuse.sexual_offline" not in t.categories and t.risk != "urgent"


def test_a_negated_crisis_leaves_the_rest_of_the_models_belief_to_name_the_topic() -> None:
    text = "im not suicidal, how do i report his account"
    ranking = [("urgent_risk", 0.45), ("ask_reporting", 0.30), ("ask_online_safety", 0.10)]
    result = parsed(text, ranking, fallback=True)
    assert result["safety"]["negated"] and result["intent"]["name"] == "ask_reporting"
    assert result["intent"]["confidence"] == pytest.approx(0.30 / 0.55)
    # Two topics still too close to tell apart: the fallback stays, as it would for the model.
    close = parsed(text, [("urgent_risk", 0.45), ("ask_reporting", 0.26), ("ask_online_safety", 0.25)], fallback=True)
    assert close["intent"]["name"] == "nlu_fallback"


def test_the_rescaled_topic_meets_the_fallback_classifiers_own_thresholds() -> None:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    fallback = next(c for c in config["pipeline"] if c["name"] == "FallbackClassifier")
    assert fallback["threshold"] == FALLBACK_THRESHOLDS["fallback_threshold"]
    assert fallback["ambiguity_threshold"] == FALLBACK_THRESHOLDS["ambiguity_threshold"]
