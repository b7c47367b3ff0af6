"""Rasa NLU pipeline component: the safety net and the language guess, after the classifier.

It runs last in config.yml's pipeline. When the phrase lists find urgent risk or self-harm it
overrides the model's intent (keeping the model's choice as `safety.model_intent`), so the
urgent route never depends on the model alone. The model's own reading of risk is its urgent
score: the probability it gives the two urgent intents together, whichever intent won. Missing a
crisis costs far more than asking, so a score of `urgent_route_score` takes the urgent route and
a lower one, from `urgent_check_score`, asks the child directly (with the emergency number in
the question). Its findings travel in the parse result under `safety`, where bot.triage reads them.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME as FALLBACK_INTENT
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language import guess_language
from bot.safety import safety_net
from bot.settings import SUPPORTED_LANGUAGES

OVERRIDES = {"suicidal": "urgent_risk", "danger_now": "danger_now"}
URGENT_KIND = {intent: kind for kind, intent in OVERRIDES.items()}
URGENT_INTENTS = frozenset({"urgent_risk", "danger_now"})
# An overruled urgent guess falls to the best intent that is not another crisis reading of the same words.
CRISIS_INTENTS = URGENT_INTENTS | {"self_harm"}
# What the child disclosed decides the flow over the model's topic guess: a threat to share
# images is sextortion whatever else the message says; abuse in person is not "grooming".
# First listed wins. An intent already in the disclosure's own flow is left alone.
DISCLOSURE_OVERRIDES = (
    ("ocsea.sextortion", "ask_sextortion", frozenset()),
    ("abuse.sexual_offline", "abuse_offline", frozenset({"ask_livestream", "ask_offer_to_meet"})),
)
# The model's guess never outranks these (the urgent route, or an answer the dialogue reads itself).
KEEP_INTENTS = frozenset({"urgent_risk", "danger_now", "self_harm", "help_now"})
# Tuned on tests/dev/ (never on tests/eval/): see README, "Evaluation".
DEFAULT_SCORES = {"urgent_route_score": 0.32, "urgent_check_score": 0.09}
# The FallbackClassifier's own thresholds in config.yml (tests/test_nlu_components.py holds them equal).
FALLBACK_THRESHOLDS = {"fallback_threshold": 0.40, "ambiguity_threshold": 0.05}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyNet(GraphComponent):
    """Adds `safety` findings to every parsed message and forces the urgent route."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DEFAULT_SCORES, **FALLBACK_THRESHOLDS}

    def __init__(self, config: dict[str, Any]) -> None:
        self.route_score = float(config["urgent_route_score"])
        self.check_score = float(config["urgent_check_score"])
        self.fallback_threshold = float(config["fallback_threshold"])
        self.ambiguity_threshold = float(config["ambiguity_threshold"])

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyNet:
        safety_net()  # compile the phrase lists now, not on the first message
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._process_one(message)
        return messages

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        guessed = guess_language(text)
        hint = (message.get("metadata") or {}).get("language")  # the page's or the Telegram app's language
        findings = safety_net().check(text, guessed or (hint if hint in SUPPORTED_LANGUAGES else None))
        safety = findings.as_dict()
        safety["language"] = guessed
        model_intent = (message.get(INTENT) or {}).get("name")
        if text.startswith("/"):  # a button payload: the child chose, nothing to second-guess
            message.set("safety", safety, add_to_output=True)
            return
        forced = OVERRIDES.get(findings.urgent or "") or ("self_harm" if findings.self_harm else None)
        blocked = findings.negated or findings.idiom
        # Laughter ("nimekufa 🤣🤣") makes the model's crisis reading, with no phrase behind it, a
        # question to the child (with the emergency number) instead of the urgent route.
        joking = findings.joking and not (findings.urgent or findings.self_harm)
        # "yesterday he followed me home ... im home safe now": the danger told of has passed, so the
        # model's crisis reading alone asks the child (the emergency number is in the question).
        downplayed = joking or (findings.safe_now and not findings.self_harm)
        shares = {r["name"]: r.get("confidence", 0.0) for r in message.get(INTENT_RANKING_KEY) or []
                  if r.get("name") in URGENT_INTENTS}
        score = sum(shares.values())
        likeliest = max(shares, key=shares.__getitem__) if shares else None
        scored = bool(likeliest) and not blocked and model_intent not in KEEP_INTENTS  # the score may speak
        if forced and forced != model_intent and not (forced == "self_harm" and model_intent in URGENT_INTENTS):
            self._force(message, safety, forced)
        elif model_intent in URGENT_INTENTS and not findings.urgent and (blocked or downplayed):
            # "my mum will kill me", "im not suicidal": the words, not a crisis. The next intent speaks.
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") not in CRISIS_INTENTS]
            if ranking:
                self._force(message, safety, ranking[0]["name"], ranking[0].get("confidence", 0.0))
            if not blocked:
                safety["possible_urgent"] = URGENT_KIND[model_intent]
                if joking:  # an answer to a risk question still reads it as risk (actions/dialogue.py)
                    safety["laughed_off"] = True
        elif scored and score >= self.route_score and not downplayed:
            self._force(message, safety, likeliest, score)
        else:
            if scored and score >= self.check_score:
                safety["possible_urgent"] = URGENT_KIND[likeliest]
                if score >= self.route_score and joking:  # only the laughter kept it off the urgent route
                    safety["laughed_off"] = True
            elif findings.lone_signal and model_intent not in KEEP_INTENTS:  # "i got the pills": ask
                safety["possible_urgent"] = "suicidal"
            if blocked and model_intent == FALLBACK_INTENT:
                model_intent = self._topic_after_overruled(message, safety) or model_intent
            if model_intent not in KEEP_INTENTS:
                for category, intent, also_kept in DISCLOSURE_OVERRIDES:
                    if category in findings.categories and model_intent != intent and model_intent not in also_kept:
                        self._force(message, safety, intent)
                        break
        message.set("safety", safety, add_to_output=True)

    def _topic_after_overruled(self, message: Message, safety: dict[str, Any]) -> str | None:
        """A negation or an idiom overruled the crisis reading ("suicidio nem pensar, mas ..."): the
        model's other intents share what is left of its belief. Rescaled, the best of them answers
        when it clears the fallback threshold by the same margins the model's own answer must."""
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != FALLBACK_INTENT]
        crisis = sum(r.get("confidence", 0.0) for r in ranking if r.get("name") in CRISIS_INTENTS)
        rest = [r for r in ranking if r.get("name") not in CRISIS_INTENTS]
        if not rest or crisis >= 1.0:
            return None
        shares = [r.get("confidence", 0.0) / (1.0 - crisis) for r in rest[:2]]
        best, second = shares[0], (shares[1] if len(shares) > 1 else 0.0)
        if best < self.fallback_threshold or best - second < self.ambiguity_threshold:
            return None
        self._force(message, safety, rest[0]["name"], best)
        return str(rest[0]["name"])

    @staticmethod
    def _force(message: Message, safety: dict[str, Any], intent: str, confidence: float = 1.0) -> None:
        """Replace the model's intent, keeping its choice as `safety.model_intent`."""
        safety["model_intent"] = (message.get(INTENT) or {}).get("name")
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent]
        message.set(INTENT, {"name": intent, "confidence": confidence}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence}, *ranking], add_to_output=True)
