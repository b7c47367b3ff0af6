"""The anonymous contact record, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from bot.contact_log import (
    ContactUpdate,
    contacts,
    end_sessions,
    handoff_requests,
    load_contact,
    record_turn,
    request_handoff,
    session_contact_id,
)
from bot.database import engine


def update(contact_id: str, **fields: object) -> ContactUpdate:
    """A turn of the conversation whose session is this contact (one conversation per contact)."""
    return ContactUpdate(contact_id=contact_id, conversation=f"conversation-{contact_id}", channel="webchat", **fields)


def test_a_contact_adds_up_every_reason_and_keeps_the_highest_risk(db_url: str) -> None:
    cid = uuid.uuid4().hex
    record_turn(update(cid, language="en"), db_url)
    record_turn(update(cid, categories={"ocsea.sextortion": "online"}, risk="high", outcome="info_given",
                       attributes={"platform": "instagram", "perpetrator": "stranger"}), db_url)
    record_turn(update(cid, categories={"ocsea.sextortion": "offline", "mental_health.distress": None},
                       risk="low", outcome="signposted", attributes={"told_anyone": "nobody", "platform": "snapchat"}), db_url)
    record_turn(update(cid, country="KE", age_band="13_15", human_requested=True), db_url)

    stored = load_contact(cid, db_url)
    assert stored["categories"] == {"ocsea.sextortion": "both", "mental_health.distress": None}
    assert stored["highest_risk"] == "high"  # a later low does not lower it
    assert stored["outcome"] == "signposted"
    assert (stored["language"], stored["country"], stored["age_band"]) == ("en", "KE", "13_15")
    assert (stored["platform"], stored["perpetrator"], stored["told_anyone"]) == ("instagram", "stranger", "nobody")
    assert stored["human_requested"] is True
    assert stored["started_hour"].minute == 0



def test_other_counts_only_while_a_contact_has_no_other_reason(db_url: str) -> None:
    greeting_only, later_reason = uuid.uuid4().hex, uuid.uuid4().hex
    record_turn(update(greeting_only, categories={"other": None}), db_url)
    record_turn(update(greeting_only, categories={"other": None}), db_url)
    assert load_contact(greeting_only, db_url)["categories"] == {"other": None}

    record_turn(update(later_reason, categories={"other": None}), db_url)
    record_turn(update(later_reason, categories={"ocsea.sextortion": "online", "other": None}), db_url)
    record_turn(update(later_reason, categories={"other": None}), db_url)  # "thanks, bye" afterwards
    assert load_contact(later_reason, db_url)["categories"] == {"ocsea.sextortion": "online"}

def test_defaults_say_unknown_not_blank(db_url: str) -> None:
    cid = uuid.uuid4().hex
    record_turn(update(cid), db_url)
    stored = load_contact(cid, db_url)
    assert (stored["language"], stored["country"], stored["age_band"], stored["caller"]) == ("unknown", "unknown", "unknown", "self")
    assert stored["outcome"] == "abandoned" and stored["highest_risk"] == "none"


def test_urgent_requests_jump_the_queue_and_repeat_requests_only_raise_priority(db_url: str) -> None:
    normal, urgent = uuid.uuid4().hex, uuid.uuid4().hex
    for cid in (normal, urgent):
        record_turn(update(cid), db_url)
    request_handoff(normal, "conv-a", "none", db_url)
    request_handoff(urgent, "conv-b", "urgent", db_url)
    request_handoff(urgent, "conv-b", "low", db_url)  # does not demote
    with engine(db_url).connect() as conn:
        queue = conn.execute(
            select(handoff_requests.c.contact_id, handoff_requests.c.priority)
            .where(handoff_requests.c.contact_id.in_([normal, urgent]))
            .order_by(handoff_requests.c.priority, handoff_requests.c.requested_at)
        ).all()
    assert [row.contact_id for row in queue] == [urgent, normal]
    assert [row.priority for row in queue] == [0, 2]


def test_a_session_is_one_contact_and_nothing_links_it_to_the_conversation_afterwards(db_url: str) -> None:
    conversation = f"conversation-{uuid.uuid4().hex}"
    first, lost = uuid.uuid4().hex, uuid.uuid4().hex
    record_turn(ContactUpdate(contact_id=first, conversation=conversation, channel="rest", risk="high"), db_url)
    # A crash lost the conversation's own copy of its contact id: the next turn brings a new one.
    record_turn(ContactUpdate(contact_id=lost, conversation=conversation, channel="rest", risk="urgent"), db_url)
    assert session_contact_id(conversation, db_url) == first and load_contact(lost, db_url) is None
    assert load_contact(first, db_url)["highest_risk"] == "urgent"
    with engine(db_url).connect() as conn:
        stored = conn.execute(select(contacts).where(contacts.c.id == first)).one()
    assert conversation not in [str(value) for value in stored]  # the record never holds the conversation's hash
    # A quick exit ends the session: the next message is a new contact.
    record_turn(ContactUpdate(contact_id=first, conversation=conversation, channel="rest", quick_exit=True), db_url)
    assert session_contact_id(conversation, db_url) is None
    second = uuid.uuid4().hex
    record_turn(ContactUpdate(contact_id=second, conversation=conversation, channel="rest"), db_url)
    assert session_contact_id(conversation, db_url) == second
    assert end_sessions(conversation, db_url) == 1 and session_contact_id(conversation, db_url) is None
