"""Rasa NLU pipeline component: the safety net and the language guess, after the classifier.

It runs last in config.yml's pipeline. When the phrase lists find urgent risk or self-harm it
overrides the model's intent (keeping the model's choice as `safety.model_intent`), so the
urgent route never depends on the model alone. Its findings travel in the parse result under
`safety`, where bot.triage reads them.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language import guess_language
from bot.safety import safety_net

OVERRIDES = {"suicidal": "urgent_risk", "danger_now": "urgent_risk"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyNet(GraphComponent):
    """Adds `safety` findings to every parsed message and forces the urgent route."""

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyNet:
        safety_net()  # compile the phrase lists now, not on the first message
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._process_one(message)
        return messages

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        findings = safety_net().check(text)
        safety = findings.as_dict()
        safety["language"] = guess_language(text)
        model_intent = (message.get(INTENT) or {}).get("name")
        forced = OVERRIDES.get(findings.urgent or "") or ("self_harm" if findings.self_harm else None)
        if forced and forced != model_intent and not (forced == "self_harm" and model_intent == "urgent_risk"):
            safety["model_intent"] = model_intent
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != forced]
            message.set(INTENT, {"name": forced, "confidence": 1.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [{"name": forced, "confidence": 1.0}, *ranking], add_to_output=True)
        message.set("safety", safety, add_to_output=True)
