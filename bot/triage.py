"""Triage: category codes, settings, attributes and risk level for one parsed message.

One function, `triage(parse_data)`, turns the NLU result (intent ranking plus the safety net's
findings, see bot.nlu_components) into taxonomy codes. The bot's actions and
`python -m bot triage` both call it, so what the CLI reports is what the bot decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RISK_ORDER = ("none", "low", "high", "urgent")

# intent -> taxonomy categories it signals
INTENT_CATEGORIES: dict[str, tuple[str, ...]] = {
    "ask_sextortion": ("ocsea.sextortion",),
    "ask_images_shared": ("ocsea.images_shared",),
    "ask_offer_for_images": ("ocsea.offer_for_images",),
    "ask_offer_to_meet": ("ocsea.offer_to_meet",),
    "ask_grooming": ("ocsea.grooming",),
    "ask_unwanted_content": ("ocsea.unwanted_content",),
    "ask_csam_encountered": ("ocsea.csam_encountered",),
    "ask_livestream": ("ocsea.livestream",),
    "abuse_offline": ("abuse.sexual_offline",),
    "bullying": ("bullying",),
    "urgent_risk": ("mental_health.suicidal",),
    "self_harm": ("mental_health.self_harm",),
    "feeling_bad": ("mental_health.distress",),
    "ask_consent": ("info.consent",),
    "ask_reporting": ("info.reporting",),
    "ask_image_removal": ("info.image_removal",),
    "ask_online_safety": ("info.online_safety",),
    "ask_service": ("info.service",),
    "request_human": ("support.human",),
    "out_of_scope": ("other",),
}

# category -> the risk it carries on its own (taxonomy.md "Risk levels")
CATEGORY_RISK: dict[str, str] = {
    "ocsea.sextortion": "high",
    "ocsea.images_shared": "high",
    "ocsea.livestream": "high",
    "ocsea.offer_to_meet": "high",
    "abuse.sexual_offline": "high",
    "mental_health.self_harm": "high",
    "mental_health.suicidal": "urgent",
    "ocsea.offer_for_images": "low",
    "ocsea.grooming": "low",
    "ocsea.unwanted_content": "low",
    "ocsea.csam_encountered": "low",
    "abuse.other": "low",
    "bullying": "low",
    "mental_health.distress": "low",
}
# Categories that carry a setting (online / offline / both / unknown).
SETTING_DEFAULTS = {
    "ocsea": "online",
    "abuse.sexual_offline": "offline",
    "abuse.other": "unknown",
    "bullying": "unknown",
}
# The model's own urgent intents and the urgent kind each stands for.
MODEL_URGENT = {"urgent_risk": "suicidal", "danger_now": "danger_now"}
DEFAULT_DANGER_CATEGORY = "abuse.other"
HARM_PREFIXES = ("ocsea.", "abuse.")
FALLBACK_INTENT = "nlu_fallback"
# A second-ranked intent still counts when the model gives it at least this much.
SECONDARY_INTENT_CONFIDENCE = 0.30
# The taxonomy's "anything else": a turn that names no reason (a greeting, a yes, a joke).
OTHER = "other"
# Topic intents whose bare question ("what is sextortion?") is information, not a disclosure.
INFO_TOPIC_INTENTS = frozenset({
    "ask_sextortion", "ask_images_shared", "ask_offer_for_images", "ask_offer_to_meet", "ask_grooming",
    "ask_unwanted_content", "ask_csam_encountered", "ask_livestream",
})
# Attributes that show a message tells of something that happened, not a general question.
EVENT_ATTRIBUTES = ("time_since_event", "perpetrator", "platform", "told_anyone")


def max_risk(*levels: str) -> str:
    return max(levels, key=RISK_ORDER.index, default="none")


def _likely(ranked: dict[str, Any]) -> bool:
    """A ranked intent the model gives enough weight to count, other than its urgent guesses."""
    return ranked.get("confidence", 0) >= SECONDARY_INTENT_CONFIDENCE and ranked.get("name") not in MODEL_URGENT


def category_setting(code: str, stated: str | None) -> str | None:
    """The setting recorded for a category: None for categories without one."""
    default = SETTING_DEFAULTS.get(code) or SETTING_DEFAULTS.get(code.split(".")[0])
    if default is None:
        return None
    if stated is None or stated == default:
        return default
    if default == "unknown":
        return stated
    return "both"  # an online category with offline harm stated, or the reverse


@dataclass
class Triage:
    language: str
    intent: str
    confidence: float
    categories: dict[str, str | None] = field(default_factory=dict)  # code -> setting
    risk: str = "none"
    attributes: dict[str, str] = field(default_factory=dict)
    urgent_kind: str | None = None  # "suicidal" or "danger_now" when risk is urgent
    disclosure: bool = False  # the child tells of harm to themself (or to someone they write about)
    negated: bool = False  # "im not suicidal, but ...": a gentle check question, not the urgent route
    caller_role: str | None = None  # "parent" or "friend" when someone writes about another child
    # The model saw some chance of a crisis, too little for the urgent route: ask the child directly.
    possible_urgent: str | None = None  # "suicidal" or "danger_now"

    def as_cli_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "categories": sorted(self.categories),
            "risk": self.risk,
        }


def _danger_codes(codes: list[str], context: list[str]) -> list[str]:
    """What is happening in a danger now: a harm the phrases or the model named; violence they named
    ("đang đánh e") and whatever the words around it add; else those words alone ("his hand under my
    shirt": sexual abuse); else violence (abuse.other), for now."""
    harms = {c for c in codes if c.startswith(HARM_PREFIXES)}
    if harms - {DEFAULT_DANGER_CATEGORY}:
        return codes
    if harms:
        return [*codes, *context]
    return [*codes, *(context or [DEFAULT_DANGER_CATEGORY])]


def triage(parse_data: dict[str, Any]) -> Triage:
    """Categories, settings, attributes and risk of one NLU parse result."""
    intent = (parse_data.get("intent") or {}).get("name") or FALLBACK_INTENT
    confidence = float((parse_data.get("intent") or {}).get("confidence") or 0.0)
    safety = parse_data.get("safety") or {}
    attributes = dict(safety.get("attributes") or {})
    if safety.get("platform"):
        attributes["platform"] = safety["platform"]

    urgent_kind = safety.get("urgent") or MODEL_URGENT.get(intent)
    # Danger now is recorded as what is happening, never as suicidal.
    codes: list[str] = [] if urgent_kind == "danger_now" and intent == "urgent_risk" else list(INTENT_CATEGORIES.get(intent, ()))
    # The intent the model chose before the safety net overrode it still tells us something.
    original = safety.get("model_intent")
    # The model's urgent guess, overruled (danger now, or an idiom / negation), is not a category.
    overruled = original in MODEL_URGENT and (urgent_kind == "danger_now" or not safety.get("urgent"))
    if original and original != intent and not overruled:
        codes += INTENT_CATEGORIES.get(original, ())
    # The model's own ranking, without the fallback's entry that heads it when the model was unsure.
    best, *others = [r for r in parse_data.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT] or [{}]
    if intent == FALLBACK_INTENT and _likely(best):
        # Too unsure to answer by, the model's best guess still names what the contact is about.
        codes += INTENT_CATEGORIES.get(best["name"], ())
    for ranked in others[:1]:
        if _likely(ranked):  # a likely second guess counts when it is a harm
            codes += [c for c in INTENT_CATEGORIES.get(ranked["name"], ()) if c in CATEGORY_RISK]
    codes += safety.get("categories") or []
    codes += safety.get("danger_categories") or []
    if urgent_kind == "danger_now":
        codes = _danger_codes(codes, safety.get("danger_context") or [])
    if safety.get("urgent") == "suicidal":
        codes.append("mental_health.suicidal")
    if safety.get("self_harm"):
        codes.append("mental_health.self_harm")

    categories = {c: category_setting(c, attributes.get("setting")) for c in dict.fromkeys(codes)}
    harm = [c for c in categories if c.startswith(HARM_PREFIXES)]
    told_of_event = any(attributes.get(a) for a in EVENT_ATTRIBUTES)
    disclosure = bool(harm) and bool(safety.get("first_person") or attributes.get("caller")) and (
        not safety.get("info_question") or told_of_event
    )
    if harm and not disclosure and not safety.get("urgent") and intent in INFO_TOPIC_INTENTS and (
        safety.get("info_question") or not (safety.get("first_person") or told_of_event)
    ):
        # "what is grooming": a question about a harm, not a case of it (taxonomy: info.online_safety).
        # A statement that names where, when or who ("dikirimin link bokep di wa") tells of a case,
        # even in a language whose children leave out "I".
        categories = {c: s for c, s in categories.items() if c not in harm} | {"info.online_safety": None}
        harm = []
    if not categories:
        categories = {OTHER: None}
    risk = max_risk("none", *(CATEGORY_RISK.get(c, "none") for c in categories))
    ongoing = attributes.get("time_since_event") == "ongoing" or (disclosure and attributes.get("perpetrator") == "known_adult")
    if ongoing and risk == "low" and harm:
        risk = "high"  # ongoing harm (taxonomy: "ongoing abuse"): offers, grooming, abuse still going on
    if urgent_kind and (safety.get("urgent") or intent in MODEL_URGENT):
        risk = "urgent"
    else:
        urgent_kind = None
    return Triage(
        language=safety.get("language") or "unknown",
        intent=intent,
        confidence=confidence,
        categories=categories,
        risk=risk,
        attributes={k: v for k, v in attributes.items() if k not in ("setting", "caller_role")},
        urgent_kind=urgent_kind,
        disclosure=disclosure,
        negated=bool(safety.get("negated")) and risk != "urgent",
        caller_role=attributes.get("caller_role"),
        possible_urgent=safety.get("possible_urgent") if risk != "urgent" else None,
    )
