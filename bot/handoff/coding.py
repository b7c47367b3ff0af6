"""The wrap-up form's choices (taxonomy.md) and the check of what a counsellor submits."""

from __future__ import annotations

from typing import Any

from bot.handoff.store import Coding

CATEGORIES = {
    "ocsea.sextortion": "Threatened or blackmailed with sexual images (sextortion)",
    "ocsea.images_shared": "Sexual images shared without consent",
    "ocsea.offer_for_images": "Offered money or gifts for sexual images",
    "ocsea.offer_to_meet": "Offered money or gifts to meet for sex",
    "ocsea.grooming": "Grooming",
    "ocsea.unwanted_content": "Unwanted sexual content or harassment",
    "ocsea.csam_encountered": "Came across sexual images of children",
    "ocsea.livestream": "Sexual acts on live video",
    "abuse.sexual_offline": "Sexual abuse in person",
    "abuse.other": "Physical or emotional abuse, neglect",
    "bullying": "Bullying (not sexual)",
    "mental_health.suicidal": "Suicidal thoughts or attempts",
    "mental_health.self_harm": "Self-harm",
    "mental_health.distress": "Fear, shame, anxiety, sadness",
    "info.consent": "Consent and relationships",
    "info.reporting": "Reporting",
    "info.image_removal": "Image removal",
    "info.online_safety": "Online safety",
    "info.service": "About the service",
    "support.human": "Asked for a counsellor",
    "other": "Other",
}
SETTINGS = ("online", "offline", "both")
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "caller": ("self", "other_person"),
    "perpetrator": ("known_adult", "known_peer", "stranger", "unknown"),
    "platform": ("facebook", "messenger", "whatsapp", "instagram", "tiktok", "snapchat", "telegram", "discord", "game",
                 "dating_app", "other", "unknown"),
    "time_since_event": ("ongoing", "under_a_week", "under_a_month", "longer", "unknown"),
    "told_anyone": ("nobody", "friend", "sibling", "caregiver", "other_adult", "professional", "unknown"),
    "gender": ("girl", "boy", "another", "unknown"),  # as CHI reports it
}
OUTCOMES = ("counselled", "referred", "emergency_referral", "signposted", "info_given", "abandoned")


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def options() -> dict[str, Any]:
    """What the console's wrap-up form offers."""
    return {
        "categories": [{"code": code, "label": label} for code, label in CATEGORIES.items()],
        "settings": list(SETTINGS),
        "attributes": {name: [{"value": v, "label": _label(v)} for v in values] for name, values in ATTRIBUTES.items()},
        "outcomes": [{"value": v, "label": _label(v)} for v in OUTCOMES],
    }


def parse_coding(body: object) -> Coding | str:
    """The counsellor's coding, or what is wrong with it (in words for the form)."""
    if not isinstance(body, dict):
        return "Send the wrap-up as a JSON object."
    categories = body.get("categories") or {}
    attributes = body.get("attributes") or {}
    if not isinstance(categories, dict) or not isinstance(attributes, dict):
        return "Categories and attributes must be objects."
    unknown = sorted(set(categories) - set(CATEGORIES))
    if unknown:
        return f"Unknown category: {', '.join(unknown)[:100]}"
    if any(setting not in (*SETTINGS, None) for setting in categories.values()):
        return "A category's setting must be online, offline or both."
    chosen: dict[str, str] = {}
    for name, values in ATTRIBUTES.items():
        value = attributes.get(name, "self" if name == "caller" else "unknown")
        if value not in values:
            return f"{_label(name)}: choose one of the options."
        chosen[name] = value
    if set(attributes) - set(ATTRIBUTES):
        return "Unknown attribute in the wrap-up."
    outcome = body.get("outcome")
    if outcome not in OUTCOMES:
        return "Choose an outcome."
    return Coding(categories=dict(categories), attributes=chosen, outcome=outcome)
