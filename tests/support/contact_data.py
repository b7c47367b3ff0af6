"""A small contact log whose every figure is worked out by hand (tests/test_review.py says how)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert

from bot.database import engine
from bot.tables import contact_categories, contacts, counsellor_categories, counsellor_codings, handoff_requests

BASE = {"language": "en", "country": "KE", "age_band": "13_15", "caller": "self", "perpetrator": "unknown",
        "platform": "unknown", "time_since_event": "unknown", "told_anyone": "unknown", "highest_risk": "none",
        "human_requested": False, "quick_exit": False, "outcome": "info_given", "topics_covered": ""}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


CONTACTS = [
    # c1: a sextortion the bot coded; c2: urgent, a counsellor coded it with more than the bot saw
    {"id": "c1", "started_hour": _at("2026-03-02 10:00"), "channel": "webchat", "highest_risk": "high",
     "outcome": "signposted", "perpetrator": "stranger", "platform": "instagram", "told_anyone": "nobody",
     "time_since_event": "under_a_week"},
    {"id": "c2", "started_hour": _at("2026-03-02 20:00"), "channel": "telegram", "language": "sw", "country": "TZ",
     "age_band": "16_17", "highest_risk": "urgent", "outcome": "counselled", "human_requested": True},
    {"id": "c3", "started_hour": _at("2026-03-09 15:00"), "channel": "webchat", "age_band": "under_13",
     "highest_risk": "low", "quick_exit": True, "perpetrator": "known_adult", "platform": "game"},
    {"id": "c4", "started_hour": _at("2026-03-15 08:00"), "channel": "webchat", "country": "unknown"},
    {"id": "c5", "started_hour": _at("2026-03-31 23:00"), "channel": "telegram", "country": "UG", "age_band": "16_17",
     "highest_risk": "high", "outcome": "abandoned", "human_requested": True},
    {"id": "c6", "started_hour": _at("2026-04-01 00:00"), "channel": "webchat"},  # after March
    {"id": "c7", "started_hour": _at("2026-02-28 23:00"), "channel": "webchat"},  # before March
    {"id": "c8", "started_hour": _at("2026-03-20 12:00"), "channel": "webchat", "highest_risk": "high",
     "outcome": "counselled", "human_requested": True, "perpetrator": "stranger"},
]
BOT_CATEGORIES = [
    ("c1", "ocsea.sextortion", "online"), ("c1", "info.reporting", None),
    ("c2", "ocsea.sextortion", "online"), ("c2", "mental_health.suicidal", None),
    ("c3", "ocsea.grooming", "online"), ("c4", "info.consent", None), ("c5", "ocsea.offer_for_images", "online"),
    ("c6", "bullying", None), ("c7", "bullying", None), ("c8", "ocsea.grooming", "online"),
]
CODINGS = [
    {"contact_id": "c2", "caller": "self", "perpetrator": "known_peer", "platform": "whatsapp",
     "time_since_event": "ongoing", "told_anyone": "friend", "gender": "girl", "outcome": "counselled",
     "coded_on": _at("2026-03-02 00:00")},
    # c8: the counsellor left the attributes unknown, so the bot's stand
    {"contact_id": "c8", "caller": "self", "perpetrator": "unknown", "platform": "unknown",
     "time_since_event": "unknown", "told_anyone": "unknown", "gender": "boy", "outcome": "counselled",
     "coded_on": _at("2026-03-20 00:00")},
]
COUNSELLOR_CATEGORIES = [
    ("c2", "ocsea.sextortion", "both"), ("c2", "mental_health.suicidal", None), ("c2", "ocsea.images_shared", "online"),
    ("c8", "ocsea.grooming", "both"),
]
HANDOFFS = [  # c2 waited 4 min and talked 30; c8 waited 10 and talked 10; c5 left the queue
    {"contact_id": "c2", "priority": 0, "status": "ended", "requested_at": _at("2026-03-02 20:05"),
     "taken_at": _at("2026-03-02 20:09"), "ended_at": _at("2026-03-02 20:39"), "counsellor": "neema"},
    {"contact_id": "c8", "priority": 1, "status": "ended", "requested_at": _at("2026-03-20 12:00"),
     "taken_at": _at("2026-03-20 12:10"), "ended_at": _at("2026-03-20 12:20"), "counsellor": "neema"},
    {"contact_id": "c5", "priority": 1, "status": "cancelled", "requested_at": _at("2026-03-31 23:10"),
     "taken_at": None, "ended_at": _at("2026-03-31 23:20"), "counsellor": None},
]


def load_known_log(url: str) -> None:
    with engine(url).begin() as conn:
        conn.execute(insert(contacts), [{**BASE, **row} for row in CONTACTS])
        conn.execute(insert(contact_categories), [
            {"contact_id": c, "code": code, "setting": setting} for c, code, setting in BOT_CATEGORIES])
        conn.execute(insert(counsellor_codings), CODINGS)
        conn.execute(insert(counsellor_categories), [
            {"contact_id": c, "code": code, "setting": setting} for c, code, setting in COUNSELLOR_CATEGORIES])
        conn.execute(insert(handoff_requests), [{"conversation": "", "flagged": False, **row} for row in HANDOFFS])
