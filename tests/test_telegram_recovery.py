"""Telegram: nothing lost. A process killed after acknowledging an update still answers it after
a restart; a flood from one chat is answered completely, in order, within Telegram's rate
limits; long polling on PostgreSQL stores before it acknowledges and ignores duplicates."""

from __future__ import annotations

import itertools
import json
import os
import signal
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.sql import column, table

from bot.channels.failsafe import URGENT_REPLY_WAIT
from bot.channels.telegram import store as tg
from bot.channels.telegram.store import TelegramStore
from bot.channels.telegram.worker import conversation_of
from tests.conftest import make_server
from tests.fake_telegram import FakeTelegram, callback_update, message_update, sticker_update
from tests.support.services import postgres
from tests.test_failures import pid_on
from tests.test_telegram import Harness, expected, shown, step, telegram_env

pytestmark = pytest.mark.e2e
events = table("events", column("id"), column("sender_id"), column("type_name"), column("data"))  # Rasa's tracker store


@pytest.fixture(scope="module")
def fake(fake_bot_api: FakeTelegram) -> FakeTelegram:
    return fake_bot_api


@pytest.fixture(scope="module")
def hook(tmp_path_factory: pytest.TempPathFactory, fake: FakeTelegram, module_postgres_url: str) -> Iterator[Harness]:
    """Webhook mode on PostgreSQL, in a database of its own (a second Telegram worker on the same
    tables would answer the other one's updates)."""
    server = make_server(tmp_path_factory.mktemp("telegram-recovery"), database_url=module_postgres_url)
    server.env.update(telegram_env(fake))
    server.start()
    harness = Harness(server, fake, module_postgres_url)
    yield harness
    server.stop()
    harness.engine.dispose()


def _kill(harness: Harness) -> None:
    proc = harness.server.proc
    assert proc is not None
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


def test_a_flood_from_one_chat_is_answered_completely_in_order_within_rate_limits(hook: Harness) -> None:
    chat = 8_411_000_001
    texts = [f"hello this is message number {n}" for n in range(100)]
    updates = [message_update(chat, text) for text in texts]
    for update in updates:
        assert hook.post(update) == 200
    conversation = conversation_of(chat)

    def handled() -> bool:
        return hook.count(tg.updates, conversation=conversation, status="done") == 100 and \
            hook.count(tg.outbox, conversation=conversation) == 0

    hook.fake.wait_for(handled, timeout=400, what="all 100 updates handled and answered")
    with hook.engine.connect() as conn:
        rows = conn.execute(
            select(events.c.type_name, events.c.data).where(events.c.sender_id == conversation).order_by(events.c.id)
        ).all()
    said = [json.loads(data)["text"] for kind, data in rows if kind == "user"]
    assert said == texts  # every message reached Rasa once, in the order sent
    bot_said = [shown(json.loads(data)["text"]) for kind, data in rows if kind == "bot"]
    calls = hook.fake.calls_to("sendMessage", chat)
    assert hook.fake.texts_to(chat) == bot_said  # every reply reached the chat once, in order
    gaps = [b.at - a.at for a, b in itertools.pairwise(calls)]
    assert min(gaps) >= 1.0, f"more than one message a second to one chat: {min(gaps):.2f}s"


def test_two_servers_on_one_database_answer_each_update_once_in_order(
    hook: Harness, tmp_path_factory: pytest.TempPathFactory, module_postgres_url: str,
) -> None:
    """Webhook mode behind a load balancer: updates of one chat land on either server."""
    second = make_server(tmp_path_factory.mktemp("telegram-second"), database_url=module_postgres_url)
    second.env.update(telegram_env(hook.fake))
    second.start()
    other = Harness(second, hook.fake, module_postgres_url)
    chats = [8_411_100_000 + n for n in range(4)]
    script = ["hello", None, "what is grooming", None, "thanks", "ok"]
    sent: dict[int, list[str]] = {chat: [] for chat in chats}
    try:
        for turn, text in enumerate(script):
            for n, chat in enumerate(chats):
                update = message_update(chat, text) if text else sticker_update(chat)
                sent[chat].append(text or "/shared_media")
                assert (hook if (turn + n) % 2 else other).post(update) == 200
        conversations = [conversation_of(chat) for chat in chats]

        def all_answered() -> bool:
            return all(hook.count(tg.updates, conversation=c, status="done") == len(script) for c in conversations) and \
                hook.count(tg.outbox) == 0

        hook.fake.wait_for(all_answered, 180, "every update handled and answered")
        for chat in chats:
            with hook.engine.connect() as conn:
                rows = conn.execute(
                    select(events.c.type_name, events.c.data).where(events.c.sender_id == conversation_of(chat)).order_by(events.c.id)
                ).all()
            assert [json.loads(d)["text"] for k, d in rows if k == "user"] == sent[chat]
            assert hook.fake.texts_to(chat) == [shown(json.loads(d)["text"]) for k, d in rows if k == "bot"]
        assert hook.count(tg.leases) == 0  # every lease given back
    finally:
        second.stop()
        other.engine.dispose()


def test_killed_after_acknowledging_still_answers_after_restart(hook: Harness) -> None:
    chat = 8_411_000_002
    fake = hook.fake
    fake.hold("sendMessage")
    update = sticker_update(chat)
    assert hook.post(update) == 200  # acknowledged: Telegram would not send it again
    assert fake.hung.wait(60), "the reply was never attempted"
    _kill(hook)  # SIGKILL while the reply is on its way
    fake.release()
    assert fake.texts_to(chat) == []

    hook.server.start()
    fake.wait_for(lambda: fake.texts_to(chat), 120, "the reply after the restart")
    assert hook.settle(chat) == [expected("media_received")]
    assert hook.count(tg.updates, update_id=update["update_id"], status="done") == 1


def test_stored_but_not_yet_handled_is_handled_after_restart(hook: Harness) -> None:
    chat = 8_411_000_003
    hook.server.stop()
    # what a crash right after storing (and acknowledging) leaves behind
    update = message_update(chat, "i want to kill myself")
    url = hook.server.env["DATABASE_URL"]
    assert TelegramStore(url).add_update(update["update_id"], conversation_of(chat), update) is True
    hook.server.start()
    hook.fake.wait_for_messages(chat, 1, 120)
    assert hook.fake.texts_to(chat)[0] == expected("urgent")


# --- long polling, on PostgreSQL ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def polling(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> Iterator[Harness]:
    fake = FakeTelegram().start()
    server = make_server(tmp_path_factory.mktemp("telegram-polling"), database_url=postgres_url)
    server.env.update(telegram_env(fake, mode="polling"))
    server.start()
    harness = Harness(server, fake, postgres_url)
    yield harness
    server.stop()
    harness.engine.dispose()
    fake.stop()


def test_polling_on_postgresql_answers_and_ignores_duplicates(polling: Harness) -> None:
    fake = polling.fake
    fake.wait_for(lambda: fake.calls_to("deleteWebhook"), 30, "deleteWebhook")
    assert fake.calls_to("setWebhook") == []
    chat = 8_511_000_001
    fake.push_update(message_update(chat, "/start"))
    fake.wait_for_messages(chat, 2)
    assert fake.texts_to(chat) == [expected("welcome"), expected("ask_age")]

    sticker = sticker_update(chat)
    fake.push_update(sticker)
    fake.push_update(sticker)  # Telegram sending the same update again
    fake.wait_for_messages(chat, 3)
    assert polling.settle(chat)[2:] == [expected("media_received")]
    assert polling.count(tg.updates, conversation=conversation_of(chat)) == 2


def test_polling_killed_after_acknowledging_still_answers_after_restart(polling: Harness) -> None:
    fake = polling.fake
    chat = 8_511_000_002
    fake.hold("sendMessage")
    update = message_update(chat, "nataka kujiua", language="sw")
    fake.push_update(update)
    assert fake.hung.wait(60)
    # the update was stored, then acknowledged by the next getUpdates offset
    fake.wait_for(lambda: any(int(c.params.get("offset") or 0) > update["update_id"] for c in fake.calls_to("getUpdates")),
                  30, "the acknowledging getUpdates")
    _kill(polling)
    fake.release()
    polling.server.start()
    fake.wait_for(lambda: fake.texts_to(chat), 120, "the reply after the restart")
    assert fake.texts_to(chat)[0] == expected("urgent", "sw")


def test_webhook_during_a_database_outage_answers_503_and_loses_nothing(hook: Harness) -> None:
    chat = 8_411_000_004
    update = message_update(chat, "someone is blackmailing me with my pics")
    postgres("stop")
    try:
        assert hook.post(update) == 503  # not stored, so not acknowledged: Telegram will send it again
    finally:
        postgres("start")
    deadline = time.monotonic() + 60
    while hook.post(update) != 200:  # Telegram's redelivery
        assert time.monotonic() < deadline
        time.sleep(1)
    hook.fake.wait_for_messages(chat, 1, 120)
    # a first message telling of sextortion: the help first, then who the bot is, then the country
    assert hook.settle(chat) == [step("sextortion", 0), expected("welcome_short"), expected("ask_country_short")]


def test_webhook_urgent_during_a_database_outage_gets_the_numbers_at_once_and_the_turn_later(hook: Harness) -> None:
    chat = 8_411_000_005
    update = message_update(chat, "i want to kill myself tonight")
    postgres("stop")
    try:
        assert hook.post(update) == 503  # not stored: Telegram will send it again...
        assert hook.fake.texts_to(chat) == [expected("urgent")]  # ...but the numbers went out now
        assert hook.post(update) == 503  # a redelivery during the outage: not sent twice
        assert hook.fake.texts_to(chat) == [expected("urgent")]
    finally:
        postgres("start")
    deadline = time.monotonic() + 60
    while hook.post(update) != 200:
        assert time.monotonic() < deadline
        time.sleep(1)
    hook.fake.wait_for_messages(chat, 2, 120)
    texts = hook.settle(chat)
    assert texts[:2] == [expected("urgent"), expected("urgent")], texts  # the full turn, once stored


def test_polling_during_a_database_outage_acknowledges_nothing_and_loses_nothing(polling: Harness) -> None:
    fake = polling.fake
    chat = 8_511_000_003
    postgres("stop")
    try:
        update = message_update(chat, "someone is blackmailing me with my pics")
        fake.push_update(update)
        time.sleep(6)
        offsets = [int(c.params.get("offset") or 0) for c in fake.calls_to("getUpdates")]
        assert max(offsets) <= update["update_id"]  # not stored, so not acknowledged
    finally:
        postgres("start")
    fake.wait_for_messages(chat, 1, 120)
    assert polling.settle(chat) == [step("sextortion", 0), expected("welcome_short"), expected("ask_country_short")]


def test_polling_urgent_during_a_database_outage_gets_the_numbers_at_once(polling: Harness) -> None:
    fake = polling.fake
    chats = (8_511_000_004, 8_511_000_005)  # one batch: the second is not held up behind the first
    postgres("stop")
    try:
        for chat in chats:
            fake.push_update(message_update(chat, "i want to kill myself tonight"))
        for chat in chats:
            fake.wait_for_messages(chat, 1, 30)
        time.sleep(4)  # fetched again while the database is down: not sent twice
        assert [fake.texts_to(chat) for chat in chats] == [[expected("urgent")]] * 2
    finally:
        postgres("start")
    for chat in chats:
        fake.wait_for_messages(chat, 2, 120)
        assert polling.settle(chat)[:2] == [expected("urgent"), expected("urgent")]


def test_a_slow_turn_sends_the_numbers_straight_away(hook: Harness) -> None:
    """The action server stops answering (SIGSTOP): the stored update's turn hangs, but the
    numbers go straight to the chat after URGENT_REPLY_WAIT; the turn's own replies follow."""
    chat = 8_411_000_006
    actions = pid_on(int(hook.server.env["ACTION_PORT"]))
    assert actions
    os.kill(actions, signal.SIGSTOP)
    try:
        started = time.monotonic()
        assert hook.post(message_update(chat, "i want to kill myself tonight")) == 200
        hook.fake.wait_for_messages(chat, 1, 60)
        took = time.monotonic() - started
        assert hook.fake.texts_to(chat) == [expected("urgent")]
        assert took < URGENT_REPLY_WAIT + 5, f"the numbers waited for the turn: {took:.1f} s"
    finally:
        os.kill(actions, signal.SIGCONT)
    hook.fake.wait_for_messages(chat, 2, 180)
    assert hook.settle(chat)[1] == expected("urgent")  # the turn, once the action server answered


def test_a_slow_turn_after_the_not_safe_button_sends_the_numbers_straight_away(hook: Harness) -> None:
    """The same for a pressed button: "I'm not safe" is as urgent as the typed words."""
    chat = 8_411_000_007
    hook.post(message_update(chat, "i cut myself again last night"))
    hook.fake.wait_for_messages(chat, 1, 60)
    before = len(hook.settle(chat))
    actions = pid_on(int(hook.server.env["ACTION_PORT"]))
    assert actions
    os.kill(actions, signal.SIGSTOP)
    try:
        started = time.monotonic()
        message_id = hook.fake.message_with_button(chat, "feel_unsafe")
        assert hook.post(callback_update(chat, message_id, "feel_unsafe")) == 200
        hook.fake.wait_for_messages(chat, before + 1, 60)
        took = time.monotonic() - started
        assert hook.fake.texts_to(chat)[before:] == [expected("urgent")]
        assert took < URGENT_REPLY_WAIT + 5, f"the numbers waited for the turn: {took:.1f} s"
    finally:
        os.kill(actions, signal.SIGCONT)
    hook.fake.wait_for_messages(chat, before + 2, 180)
    assert len(hook.settle(chat)) > before + 1  # the turn's own replies, once the action server answered
