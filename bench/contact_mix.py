"""The shape of the synthetic contact log (bench/synthetic_contacts.py): weights for every value a
contact record can hold, as data. Change a proportion here, not in the generator."""

from __future__ import annotations

# --- proportions ----------------------------------------------------------------------------------
# Weights, not exact shares. Their shape follows, from general knowledge rather than exact figures,
# UNICEF/ECPAT/INTERPOL "Disrupting Harm" (2022: forms of OCSEA, online/offline overlap, offenders
# mostly known to the child, a third told nobody and friends most often told, platforms) and Child
# Helpline International's annual data reports (OCSEA a minority of helpline contacts beside mental
# health, violence, bullying and information; several reasons per contact; mostly 13-17 year olds).

# The reason a contact opens with (taxonomy.md codes). OCSEA is about a fifth of contacts.
PRIMARY = {
    "mental_health.distress": 18, "mental_health.suicidal": 3, "mental_health.self_harm": 3,
    "abuse.other": 10, "abuse.sexual_offline": 4, "bullying": 8,
    "ocsea.offer_for_images": 4, "ocsea.sextortion": 4, "ocsea.images_shared": 3, "ocsea.grooming": 3,
    "ocsea.unwanted_content": 2, "ocsea.offer_to_meet": 1, "ocsea.livestream": 0.5, "ocsea.csam_encountered": 0.5,
    "info.consent": 5, "info.online_safety": 6, "info.reporting": 4, "info.image_removal": 1.5, "info.service": 8,
    "support.human": 3, "other": 10,
}
# How many more categories a contact carries (plus support.human when a person was asked for): ~1.4 in all.
EXTRA_COUNT = {0: 69, 1: 23, 2: 7, 3: 1}
# What comes up beside the opening reason, by its group.
COMPANIONS: dict[str, dict[str, float]] = {
    "ocsea": {"ocsea.sextortion": 8, "ocsea.images_shared": 8, "ocsea.offer_for_images": 6, "ocsea.grooming": 5,
              "ocsea.offer_to_meet": 2, "ocsea.unwanted_content": 3, "ocsea.livestream": 1, "info.reporting": 12,
              "info.image_removal": 9, "info.online_safety": 6, "mental_health.distress": 14,
              "mental_health.suicidal": 3, "mental_health.self_harm": 2, "abuse.sexual_offline": 3, "bullying": 2},
    "abuse": {"abuse.other": 6, "abuse.sexual_offline": 5, "mental_health.distress": 14, "mental_health.self_harm": 3,
              "mental_health.suicidal": 3, "info.reporting": 8, "ocsea.grooming": 2, "info.service": 3},
    "bullying": {"mental_health.distress": 14, "info.online_safety": 6, "abuse.other": 4, "mental_health.self_harm": 2,
                 "ocsea.images_shared": 2, "ocsea.unwanted_content": 2, "info.reporting": 3},
    "mental_health": {"mental_health.distress": 8, "mental_health.self_harm": 4, "mental_health.suicidal": 3,
                      "abuse.other": 5, "bullying": 4, "info.service": 4, "ocsea.sextortion": 1, "other": 3},
    "info": {"info.online_safety": 6, "info.reporting": 5, "info.consent": 4, "info.image_removal": 2,
             "info.service": 5, "ocsea.unwanted_content": 2, "ocsea.offer_for_images": 1, "mental_health.distress": 4},
    "other": {"info.service": 6, "mental_health.distress": 5, "other": 2, "info.online_safety": 2, "bullying": 1},
}
# Setting of OCSEA and violence categories: mostly online, a real share both (Disrupting Harm's overlap).
SETTINGS: dict[str, dict[str, float]] = {
    "ocsea": {"online": 68, "both": 22, "offline": 3, "unknown": 7},
    "abuse.sexual_offline": {"offline": 72, "both": 16, "online": 2, "unknown": 10},
    "abuse.other": {"offline": 45, "both": 8, "online": 4, "unknown": 43},
    "bullying": {"online": 30, "offline": 22, "both": 20, "unknown": 28},
}
COUNSELLOR_SETTINGS = {"online": 60, "offline": 20, "both": 20}  # a counsellor never codes "unknown"
# Share of contacts where the bot never learns an attribute, by the contact's kind.
UNKNOWN: dict[str, dict[str, float]] = {
    "ocsea": {"perpetrator": 0.45, "platform": 0.40, "time_since_event": 0.50, "told_anyone": 0.55},
    "violence": {"perpetrator": 0.55, "platform": 0.85, "time_since_event": 0.70, "told_anyone": 0.70},
    "other": {"perpetrator": 0.97, "platform": 0.95, "time_since_event": 0.92, "told_anyone": 0.92},
}
# When known: someone the child knows more often than a stranger.
PERPETRATOR: dict[str, dict[str, float]] = {
    "ocsea": {"known_adult": 28, "known_peer": 34, "stranger": 38},
    "violence": {"known_adult": 60, "known_peer": 30, "stranger": 10},
    "other": {"known_adult": 40, "known_peer": 40, "stranger": 20},
}
PLATFORM = {"facebook": 18, "messenger": 14, "whatsapp": 20, "instagram": 14, "tiktok": 12, "snapchat": 6,
            "telegram": 5, "discord": 2, "game": 3, "dating_app": 2, "other": 4}
TIME_SINCE_EVENT = {"ongoing": 30, "under_a_week": 30, "under_a_month": 15, "longer": 25}  # most within a week
TOLD_ANYONE = {"nobody": 33, "friend": 38, "sibling": 7, "caregiver": 12, "other_adult": 5, "professional": 5}
CALLER = {"self": 88, "other_person": 12}
AGE_BAND = {"under_13": 14, "13_15": 40, "16_17": 31, "adult": 5, "unknown": 10}
CHANNEL = {"webchat": 55, "telegram": 45}
GENDER = {"girl": 56, "boy": 34, "another": 3, "unknown": 7}  # counsellor's coding, as CHI reports it
# Country, then the language the child writes in there.
COUNTRY = {"KE": 18, "TZ": 8, "UG": 7, "NG": 6, "ZA": 5, "GB": 4, "PH": 7, "ID": 4, "MY": 3, "VN": 3, "KH": 3,
           "TH": 3, "MZ": 2, "ET": 3, "NA": 2, "unknown": 22}
_EN_SW = {"en": 55, "sw": 40, "unknown": 5}
LANGUAGE: dict[str, dict[str, float]] = {
    "KE": _EN_SW, "TZ": {"sw": 70, "en": 25, "unknown": 5}, "UG": {"en": 75, "sw": 20, "unknown": 5},
    "MZ": {"pt": 55, "en": 35, "unknown": 10}, "VN": {"vi": 35, "en": 60, "unknown": 5},
    "TH": {"th": 35, "en": 60, "unknown": 5}, "KH": {"km": 20, "en": 70, "unknown": 10},
    "ID": {"id": 30, "en": 65, "unknown": 5}, "ET": {"am": 20, "en": 70, "unknown": 10},
    "unknown": {"en": 55, "sw": 20, "unknown": 25},
}
DEFAULT_LANGUAGE = {"en": 93, "unknown": 7}
# Outcome by the contact's highest risk, before a handoff or a quick exit changes it.
OUTCOME: dict[str, dict[str, float]] = {
    "none": {"info_given": 62, "abandoned": 28, "signposted": 10},
    "low": {"info_given": 40, "signposted": 35, "abandoned": 20, "referred": 5},
    "high": {"signposted": 50, "info_given": 18, "referred": 17, "abandoned": 15},
    "urgent": {"emergency_referral": 90, "signposted": 10},
}
DANGER_NOW = 0.06  # share of abuse.other contacts that are "in danger now" (urgent)
QUICK_EXIT = 0.03
HUMAN_REQUESTED = {"urgent": 0.30, "high": 0.11, "low": 0.05, "none": 0.02}  # with support.human openers: ~10%
HANDOFF_STATUS = {"ended": 82, "cancelled": 15, "waiting": 3}
PRIORITY = {"urgent": 0, "high": 1}  # else 2, as bot.contact_log queues it
WAIT_MEDIAN_MINUTES = {0: 1.5, 1: 3.0, 2: 4.5}  # log-normal, sigma below: skewed, median ~4 min overall
WAIT_SIGMA = 0.8
CODED = 0.80  # answered handoffs a counsellor codes
COUNSELLORS = ("amina", "baraka", "chloe", "david", "esther", "farah", "grace", "hassan", "imani", "joseph")
# Daily rhythm (more after school, into the evening) and weekly rhythm (Monday first).
HOUR = (2.0, 1.4, 1.0, 0.7, 0.5, 0.6, 1.0, 1.6, 2.4, 3.0, 3.2, 3.4, 3.6, 3.8, 4.2, 4.8, 5.6, 6.6, 7.6, 8.6, 9.0,
        8.4, 6.4, 4.0)
WEEKDAY = (1.0, 1.0, 1.0, 1.0, 0.95, 0.85, 0.95)
