"""bot.handoff.store on SQLite and PostgreSQL: the queue order and places, the typical wait, the
atomic take, and what ending and forgetting leave behind."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import create_engine, select, update

from bot.contact_log import ContactUpdate, record_turn
from bot.handoff import store
from bot.staff import utc_now
from bot.tables import handoff_messages, handoff_requests


def queued(url: str, risk: str = "high") -> tuple[str, int]:
    contact, conversation = uuid.uuid4().hex, f"conv-{uuid.uuid4().hex}"
    record_turn(ContactUpdate(contact_id=contact, conversation=conversation, channel="webchat", language="en",
                              risk=risk, queue_for_counsellor=True, categories={"ocsea.grooming": "online"}), url)
    with create_engine(url).connect() as conn:
        request = conn.execute(select(handoff_requests.c.id).where(handoff_requests.c.contact_id == contact)).scalar_one()
    return conversation, request


def test_places_in_line_follow_risk_then_arrival_and_a_child_can_leave(empty_db_url: str) -> None:
    db_url = empty_db_url  # a database of its own: places and waits depend on everything in it
    first, _ = queued(db_url, "high")
    second, _ = queued(db_url, "none")
    urgent, _ = queued(db_url, "urgent")
    assert [store.waiting_position(c, db_url) for c in (urgent, first, second)] == [1, 2, 3]
    assert store.cancel_waiting(first, db_url) is True and store.cancel_waiting(first, db_url) is False
    assert store.waiting_position(second, db_url) == 2 and store.waiting_position(first, db_url) is None


def test_the_typical_wait_needs_three_chats_and_is_their_median(empty_db_url: str) -> None:
    db_url = empty_db_url  # a database of its own: places and waits depend on everything in it
    assert store.typical_wait_minutes(db_url) is None
    now = utc_now()
    for seconds in (30, 200, 1000):
        _, request = queued(db_url)
        with create_engine(db_url).begin() as conn:
            conn.execute(update(handoff_requests).where(handoff_requests.c.id == request).values(
                status="ended", requested_at=now - timedelta(seconds=seconds), taken_at=now))
    assert store.typical_wait_minutes(db_url) == 4  # the median, 200 s, in whole minutes rounded up


def test_take_is_atomic_and_ending_deletes_the_words_but_keeps_the_coding(empty_db_url: str) -> None:
    db_url = empty_db_url  # a database of its own: places and waits depend on everything in it
    conversation, request = queued(db_url)
    assert store.take(request, "a", [("child", "my words"), ("bot", "the bot's words")], db_url) is True
    assert store.take(request, "b", [], db_url) is False
    assert store.live_chat(conversation, db_url).counsellor == "a"
    seq = store.add_message(request, "child", "more words", "urgent_risk", db_url)
    assert [m.text for m in store.messages_after(request, 0, url=db_url)][-1] == "more words" and seq
    assert store.end(request, "b", store.Coding({}, {}, "counselled"), db_url) is None  # not b's to end
    ended = store.end(request, "a", store.Coding({"ocsea.grooming": "both"}, {"gender": "girl"}, "counselled"), db_url)
    assert ended is not None and ended.conversation == conversation
    with create_engine(db_url).connect() as conn:
        assert conn.execute(select(handoff_messages).where(handoff_messages.c.request_id == request)).first() is None
        row = conn.execute(select(handoff_requests).where(handoff_requests.c.id == request)).mappings().one()
        assert (row["status"], row["conversation"], row["flagged"]) == ("ended", "", True)
    assert store.add_message(request, "counsellor", "too late", url=db_url, only_if_live=True) is None


def test_asking_again_after_the_chat_ended_queues_the_child_again(empty_db_url: str) -> None:
    db_url = empty_db_url
    conversation, request = queued(db_url)
    contact = store.chat(request, db_url).contact_id
    assert store.take(request, "a", [], db_url)
    assert store.end(request, "a", store.Coding({}, {}, "counselled"), db_url)
    record_turn(ContactUpdate(contact_id=contact, conversation=conversation, channel="webchat", risk="urgent",
                              queue_for_counsellor=True), db_url)  # the child was told a counsellor is asked for
    again = store.chat(request, db_url)
    assert (again.status, again.counsellor, again.conversation) == ("waiting", None, conversation)
    assert store.waiting_position(conversation, db_url) == 1
