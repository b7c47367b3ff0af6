"""Words for the codes in the contact log, for people reading statistics and exports: category
labels from the wrap-up form, the CHI column of taxonomy.md (chi.yml), country and language names
from CLDR (Babel), and every attribute's values in their taxonomy order."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel import Locale

from bot.handoff.coding import ATTRIBUTES, CATEGORIES, OUTCOMES
from bot.review.query import AGE_BANDS
from bot.triage import RISK_ORDER
from bot.yaml_files import read_yaml

CHI_FILE = Path(__file__).with_name("chi.yml")
SETTINGS = ("online", "offline", "both", "unknown")
# The four Disrupting Harm indicators of OCSEA, as the survey words them.
DISRUPTING_HARM = {
    "ocsea.offer_for_images": "Offered money or gifts in return for sexual images or videos",
    "ocsea.offer_to_meet": "Offered money or gifts to meet in person to do something sexual",
    "ocsea.images_shared": "Sexual images or videos shared with others without permission",
    "ocsea.sextortion": "Threatened or blackmailed to engage in sexual activities",
}
CHANNELS = {"webchat": "Web chat", "telegram": "Telegram", "rest": "Partner app (REST)"}

# Every value a figure can show, in the order tables list them (taxonomy.md).
VALUES: dict[str, tuple[str, ...]] = {
    "age_band": AGE_BANDS,
    "gender": ATTRIBUTES["gender"],
    "platform": ATTRIBUTES["platform"],
    "perpetrator": ATTRIBUTES["perpetrator"],
    "time_since_event": ATTRIBUTES["time_since_event"],
    "told_anyone": ATTRIBUTES["told_anyone"],
    "caller": ATTRIBUTES["caller"],
    "risk": RISK_ORDER[::-1],
    "outcome": ("emergency_referral", "referred", "counselled", "handed_off", *[o for o in OUTCOMES if o not in (
        "emergency_referral", "referred", "counselled")]),
    "setting": SETTINGS,
}
_SPECIAL = {
    "unknown": "Not known", "under_13": "Under 13", "13_15": "13 to 15", "16_17": "16 to 17", "adult": "Adult (18+)",
    "known_adult": "An adult they know", "known_peer": "Someone their age they know", "stranger": "Someone they did not know",
    "other_adult": "Another adult", "professional": "A professional (teacher, doctor, police)",
    "dating_app": "Dating app", "game": "Online game", "under_a_week": "Under a week", "under_a_month": "Under a month",
    "longer": "Longer", "other_person": "Someone writing about another child", "self": "The child themself",
    "emergency_referral": "Emergency referral", "handed_off": "Handed to a counsellor", "info_given": "Information given",
    "abandoned": "Left before any help", "another": "Another gender",
}


@lru_cache(maxsize=1)
def chi_categories() -> dict[str, tuple[str, str]]:
    """code -> (CHI main category, subcategory), for every code of the taxonomy."""
    raw = read_yaml(CHI_FILE)
    missing = set(CATEGORIES) - set(raw)
    if missing:
        raise ValueError(f"{CHI_FILE.name} has no CHI category for {', '.join(sorted(missing))}")
    return {code: (main, sub) for code, (main, sub) in raw.items()}


def value_label(value: str) -> str:
    return _SPECIAL.get(value) or value.replace("_", " ").capitalize()


def category_label(code: str) -> str:
    return CATEGORIES.get(code, code)


def channel_label(channel: str) -> str:
    return CHANNELS.get(channel, value_label(channel))


@lru_cache(maxsize=256)
def country_label(code: str) -> str:
    if code == "unknown":
        return "Not known"
    name = Locale("en").territories.get(code)
    return f"{name} ({code})" if name else code


@lru_cache(maxsize=64)
def language_label(code: str) -> str:
    if code == "unknown":
        return "Not known"
    name = Locale("en").languages.get(code)
    return f"{name} ({code})" if name else code


LABELLERS = {"channel": channel_label, "country": country_label, "language": language_label,
             "category": category_label}


def label(dimension: str, value: str) -> str:
    return LABELLERS.get(dimension, value_label)(value)
