"""Button ids (used in locales/flows.yml) and the Rasa payloads they send.

Payloads are the only `/intent` texts a channel lets through to Rasa: typed text that starts
with `/` is neutralised unless it is exactly one of these (see bot.channels.inbound).
"""

from __future__ import annotations

import json

from bot.settings import SUPPORTED_LANGUAGES

COUNTRY_BUTTONS = ("KE", "TZ", "UG", "ZA", "NA", "MZ", "ET", "GB", "US", "EU", "PH", "ID", "MY", "TH", "VN", "KH")
TOPIC_INTENTS = {
    "sextortion": "ask_sextortion",
    "images_shared": "ask_images_shared",
    "offer_for_images": "ask_offer_for_images",
    "offer_to_meet": "ask_offer_to_meet",
    "grooming": "ask_grooming",
    "unwanted_content": "ask_unwanted_content",
    "csam_encountered": "ask_csam_encountered",
    "livestream": "ask_livestream",
    "consent": "ask_consent",
    "reporting": "ask_reporting",
    "online_safety": "ask_online_safety",
    "service": "ask_service",
    "image_removal": "ask_image_removal",
    "abuse_offline": "abuse_offline",
    "bullying": "bullying",
}
INTENT_TOPICS = {intent: topic for topic, intent in TOPIC_INTENTS.items()}


def _payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities, separators=(',', ':'))}" if entities else f"/{intent}"


def _build() -> dict[str, str]:
    payloads = {
        "next": _payload("affirm"),
        "menu": _payload("help"),
        "talk_to_person": _payload("request_human"),
        "change_language": _payload("choose_language"),
        "resume": _payload("resume"),
        "skip_age": _payload("inform_age", age_band="unknown"),
        "skip_country": _payload("inform_country", country="unknown"),
        "feel_ok": _payload("feeling_ok"),
        "feel_bad": _payload("feeling_bad"),
        "feel_unsafe": _payload("urgent_risk"),
        "safe_yes": _payload("feeling_ok", answer="safe"),
        "answer_no": _payload("feeling_ok", answer="no"),
        "not_safe": _payload("urgent_risk", answer="not_safe"),
        "thoughts_safe": _payload("feeling_ok", answer="thoughts_safe"),
        "help_now": _payload("help_now"),
        "grounding": _payload("help_now", answer="grounding"),
        # "Was this chat helpful?" after a live chat: answered before the bot (bot.handoff.relay), never by Rasa.
        "helpful_yes": _payload("live_feedback", helpful="yes"),
        "helpful_no": _payload("live_feedback", helpful="no"),
    }
    for band in ("under_13", "13_15", "16_17", "adult"):
        payloads[f"age_{band}"] = _payload("inform_age", age_band=band)
    for code in COUNTRY_BUTTONS:
        payloads[f"country_{code}"] = _payload("inform_country", country=code)
    for lang in SUPPORTED_LANGUAGES:  # the folders of locales/
        payloads[f"language_{lang}"] = _payload("choose_language", language=lang)
    for topic, intent in TOPIC_INTENTS.items():
        payloads[f"topic_{topic}"] = _payload(intent)
    return payloads


BUTTON_PAYLOADS: dict[str, str] = _build()
# Every button its own payload: Telegram maps a pressed payload back to the button that offered it.
assert len(set(BUTTON_PAYLOADS.values())) == len(BUTTON_PAYLOADS), "two buttons share a payload"
ALLOWED_PAYLOADS: frozenset[str] = frozenset(BUTTON_PAYLOADS.values())
COUNTRY_PAYLOADS: dict[str, str] = {BUTTON_PAYLOADS[f"country_{code}"]: code for code in COUNTRY_BUTTONS}
LANGUAGE_BUTTONS: tuple[str, ...] = tuple(f"language_{lang}" for lang in SUPPORTED_LANGUAGES)
FEEDBACK_PAYLOADS: dict[str, str] = {BUTTON_PAYLOADS["helpful_yes"]: "yes", BUTTON_PAYLOADS["helpful_no"]: "no"}
