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
# A second-ranked intent still counts when the model gives it at least this much.
SECONDARY_INTENT_CONFIDENCE = 0.30


def max_risk(*levels: str) -> str:
    return max(levels, key=RISK_ORDER.index, default="none")


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

    def as_cli_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "categories": sorted(self.categories),
            "risk": self.risk,
        }


def triage(parse_data: dict[str, Any]) -> Triage:
    """Categories, settings, attributes and risk of one NLU parse result."""
    intent = (parse_data.get("intent") or {}).get("name") or "nlu_fallback"
    confidence = float((parse_data.get("intent") or {}).get("confidence") or 0.0)
    safety = parse_data.get("safety") or {}
    attributes = dict(safety.get("attributes") or {})
    if safety.get("platform"):
        attributes["platform"] = safety["platform"]

    codes: list[str] = list(INTENT_CATEGORIES.get(intent, ()))
    # The intent the model chose before the safety net overrode it still tells us something.
    original = safety.get("model_intent")
    if original and original != intent:
        codes += INTENT_CATEGORIES.get(original, ())
    for ranked in (parse_data.get("intent_ranking") or [])[1:2]:
        if ranked.get("confidence", 0) >= SECONDARY_INTENT_CONFIDENCE:
            codes += [c for c in INTENT_CATEGORIES.get(ranked["name"], ()) if c in CATEGORY_RISK]
    codes += safety.get("categories") or []
    if safety.get("urgent") == "suicidal":
        codes.append("mental_health.suicidal")
    if safety.get("self_harm"):
        codes.append("mental_health.self_harm")

    categories = {c: category_setting(c, attributes.get("setting")) for c in dict.fromkeys(codes)}
    risk = max_risk("none", *(CATEGORY_RISK.get(c, "none") for c in categories))
    if attributes.get("time_since_event") == "ongoing" and risk == "low" and any(
        c.startswith(("ocsea.", "abuse.")) for c in categories
    ):
        risk = "high"  # ongoing harm (taxonomy: "ongoing abuse") is high, not low
    if safety.get("urgent"):
        risk = "urgent"
    return Triage(
        language=safety.get("language") or "unknown",
        intent=intent,
        confidence=confidence,
        categories=categories,
        risk=risk,
        attributes={k: v for k, v in attributes.items() if k != "setting"},
    )
