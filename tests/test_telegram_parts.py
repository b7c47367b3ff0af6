"""The Telegram channel's parts: reading updates, splitting long replies, the durable store on
SQLite and PostgreSQL, settings, and sending through python-telegram-bot to the fake Bot API."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, select

from bot.channels.telegram import store as tg
from bot.channels.telegram.client import make_bot
from bot.channels.telegram.replies import keyboard
from bot.channels.telegram.store import TelegramStore, backoff
from bot.channels.telegram.updates import MAX_MESSAGE_UTF16, classify, minimise, split_message, to_html
from bot.channels.telegram.worker import TelegramWorker, conversation_of
from bot.settings import TelegramSettings, telegram_settings
from tests.fake_telegram import (
    TOKEN,
    FakeTelegram,
    added_to_group_update,
    callback_update,
    message_update,
    photo_update,
    sticker_update,
    voice_update,
)


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --- reading updates -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("update", "kind", "extra"),
    [
        (message_update(1, "hello"), "text", {"text": "hello"}),
        (message_update(1, "hi again", edited=True), "text", {"text": "hi again"}),
        (message_update(1, "/exit"), "command", {"command": "exit"}),
        (message_update(1, "/forget@helper_test_bot"), "command", {"command": "forget"}),
        (message_update(1, "/exit please"), "text", {"text": "/exit please"}),
        (message_update(1, "/start"), "text", {"text": "/start"}),
        (photo_update(1), "media", {"text": None}),
        (photo_update(1, caption="look"), "media", {"text": "look"}),
        (sticker_update(1), "media", {}),
        (voice_update(1), "media", {}),
        (message_update(1, location={"latitude": 1.0, "longitude": 2.0}), "media", {}),
        (message_update(1, pinned_message={}), "ignore", {}),
        (callback_update(1, 7, "next"), "callback", {"callback_data": "next", "callback_message_id": 7}),
        (message_update(-100, "hi", kind="supergroup"), "group", {}),
        (added_to_group_update(-100), "group", {}),
        ({"update_id": 5, "inline_query": {"id": "1"}}, "ignore", {}),
        ({"update_id": 5, "message": {"chat": {"id": "1", "type": "private"}}}, "ignore", {}),
        ({"update_id": 5, "message": "not an object"}, "ignore", {}),
    ],
)
def test_updates_are_read_for_what_they_ask(update: dict, kind: str, extra: dict) -> None:
    incoming = classify(update)
    assert incoming.kind == kind
    for name, value in extra.items():
        assert getattr(incoming, name) == value


@pytest.mark.parametrize(
    "update",
    [message_update(1, "hello"), message_update(1, "hi again", edited=True), photo_update(1, caption="look"), sticker_update(1),
     voice_update(1), callback_update(1, 7, "next", language="sw"), message_update(-100, "hi", kind="supergroup"),
     added_to_group_update(-100), {"update_id": 5, "inline_query": {"id": "1"}}, {"update_id": 6, "message": "odd"}],
)
def test_only_what_is_needed_is_kept_and_it_means_the_same(update: dict) -> None:
    slim = minimise(update)
    assert classify(slim) == classify(update)
    stored = json.dumps(slim)
    for gone in ("username", "first_name", "file_id", "file_unique_id", "Test", "A group"):
        assert gone not in stored


def test_removed_from_a_group_or_blocked_is_ignored() -> None:
    removed = added_to_group_update(-100)
    removed["my_chat_member"]["new_chat_member"]["status"] = "left"
    assert classify(removed).kind == "ignore"
    blocked = added_to_group_update(5)
    blocked["my_chat_member"]["chat"] = {"id": 5, "type": "private"}
    blocked["my_chat_member"]["new_chat_member"]["status"] = "kicked"
    assert classify(blocked).kind == "ignore"


def test_language_hint_comes_from_telegrams_language_code() -> None:
    assert classify(message_update(1, "habari", language="sw")).language_hint == "sw"
    assert classify(message_update(1, "hi", language="en-GB")).language_hint == "en"


# --- long replies -----------------------------------------------------------------------------------------
def test_a_long_reply_is_split_at_paragraphs_and_loses_nothing() -> None:
    paragraphs = [f"Paragraph {n}. " + "word " * 150 for n in range(20)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    parts = split_message(text)
    assert len(parts) > 1 and all(utf16(p) <= MAX_MESSAGE_UTF16 for p in parts)
    assert all(p.startswith("Paragraph") for p in parts)  # never cut inside a paragraph here
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())


def test_emoji_are_counted_as_telegram_counts_them_and_never_cut_in_half() -> None:
    text = "😭" * 5000  # 10,000 UTF-16 units, no spaces
    parts = split_message(text)
    assert [utf16(p) for p in parts] == [4096, 4096, 1808]
    assert "".join(parts) == text


def test_short_and_empty_replies() -> None:
    assert split_message("Hi there") == ["Hi there"]
    assert split_message("   ") == []


def test_html_is_escaped_and_bold_kept() -> None:
    assert to_html("**It is not your fault** <script>&") == "<b>It is not your fault</b> &lt;script&gt;&amp;"


def test_keyboard_rows() -> None:
    short = keyboard([{"id": "age_13_15", "title": "13 to 15"}, {"id": "age_16_17", "title": "16 or 17"},
                      {"id": "skip_age", "title": "Skip"}])
    assert [[b.callback_data for b in row] for row in short.inline_keyboard] == [["age_13_15", "age_16_17"], ["skip_age"]]
    long = keyboard([{"id": "talk_to_person", "title": "Talk to a person now please"}, {"id": "menu", "title": "Menu"}])
    assert len(long.inline_keyboard) == 2
    assert keyboard([]) is None


# --- settings ---------------------------------------------------------------------------------------------
def test_telegram_settings() -> None:
    assert telegram_settings({}) is None
    polling = telegram_settings({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert polling.mode == "polling" and polling.api_base_url == "https://api.telegram.org"
    assert TOKEN not in repr(polling)
    with pytest.raises(SystemExit, match="TELEGRAM_MODE"):
        telegram_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_MODE": "push"})
    with pytest.raises(SystemExit, match="TELEGRAM_WEBHOOK_URL"):
        telegram_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_SECRET": "x" * 20})
    with pytest.raises(SystemExit, match="TELEGRAM_WEBHOOK_SECRET"):
        telegram_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_URL": "https://x.org/h",
                           "TELEGRAM_WEBHOOK_SECRET": "short"})
    with pytest.raises(SystemExit, match="TELEGRAM_WEBHOOK_SECRET"):
        telegram_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_URL": "https://x.org/h",
                           "TELEGRAM_WEBHOOK_SECRET": "has spaces and ! marks"})


# --- the store, on SQLite and PostgreSQL ------------------------------------------------------------------
def test_store_dedupes_orders_per_chat_and_retries_later(db_url: str) -> None:
    store = TelegramStore(db_url)
    a, b = conversation_of(101), conversation_of(102)
    ids = itertools.count(int(time.time() * 1000) % 10**9)
    first, second, other = next(ids), next(ids), next(ids)
    assert store.add_update(second, a, message_update(101, "second", update_id=second))
    assert store.add_update(first, a, message_update(101, "first", update_id=first))
    assert store.add_update(other, b, message_update(102, "other", update_id=other))
    assert not store.add_update(first, a, message_update(101, "first", update_id=first))  # a duplicate

    pending, _ = store.next_update(a)
    assert pending.update_id == first and pending.update["message"]["text"] == "first"
    store.retry_update(first, 1)
    assert store.next_update(a) == (None, pytest.approx(time.time() + backoff(1), abs=2))  # its chat waits: order is kept
    assert store.next_update(b)[0].update_id == other  # other chats don't
    assert {c for c, _ in store.busy_conversations()} >= {a, b}


def test_store_finishing_an_update_queues_replies_and_encrypts_the_chat_id(db_url: str) -> None:
    store = TelegramStore(db_url)
    chat = 987_654_321_0
    conversation = conversation_of(chat)
    update_id = int(time.time() * 1000) % 10**9 + 5000
    store.add_update(update_id, conversation, message_update(chat, "a secret message", update_id=update_id))
    replies = [{"text": "one", "buttons": [], "language": "sw"}, {"text": "two", "buttons": [{"id": "next", "title": "Next"}]}]
    store.finish_update(update_id, conversation, replies, chat_id=chat, language="sw")
    assert store.next_update(conversation) == (None, None)
    assert store.chat(conversation) == (chat, "sw")

    engine = create_engine(db_url, future=True)
    with engine.connect() as conn:
        raw = [bytes(r[0]) for r in conn.execute(select(tg.chats.c.chat_id).where(tg.chats.c.conversation == conversation))]
        raw += [bytes(r[0]) for r in conn.execute(select(tg.outbox.c.payload).where(tg.outbox.c.conversation == conversation))]
        assert conn.execute(select(tg.updates.c.payload).where(tg.updates.c.update_id == update_id)).scalar() is None
    engine.dispose()
    assert raw and all(str(chat).encode() not in r and b"one" not in r and b"Next" not in r for r in raw)

    first, _ = store.next_reply(conversation)
    assert first.message["text"] == "one"
    store.reply_sent(first.id, conversation, [11], [])
    second, _ = store.next_reply(conversation)
    assert second.message["text"] == "two"
    store.reply_sent(second.id, conversation, [12], ["next"])
    assert store.offered_buttons(conversation, 12) == ["next"]
    assert store.offered_buttons(conversation, 11) == []
    assert store.recent_messages(conversation) == [11, 12]
    assert store.recent_messages(conversation, now=time.time() + 49 * 3600) == []  # too old to delete


def test_store_forget_and_retention(db_url: str) -> None:
    store = TelegramStore(db_url)
    chat = 555_000_111
    conversation = conversation_of(chat)
    update_id = int(time.time() * 1000) % 10**9 + 9000
    store.add_update(update_id, conversation, message_update(chat, "hi", update_id=update_id))
    store.finish_update(update_id, conversation, [{"text": "hello", "buttons": []}], chat_id=chat, language="en")
    later = update_id + 1
    store.add_update(later, conversation, message_update(chat, "after forget", update_id=later))

    store.forget_chat(conversation, update_id)
    assert store.chat(conversation) is None
    assert store.next_reply(conversation) == (None, None)
    assert store.next_update(conversation)[0].update_id == later  # sent after /forget: still handled
    assert not store.add_update(update_id, conversation, {})  # and a late duplicate still recognised

    store.finish_update(later, conversation, [], chat_id=chat)
    assert store.purge(30, now=time.time() + 8 * 86400) >= 2  # handled update ids after a week
    assert store.purge(30, now=time.time() + 31 * 86400) >= 1  # the chat mapping after the retention period
    assert store.chat(conversation) is None


def test_one_process_at_a_time_works_a_chat(db_url: str) -> None:
    store = TelegramStore(db_url)
    chat = conversation_of(int(time.time() * 1000) % 10**9)
    assert store.claim(chat, "server-a")
    assert not store.claim(chat, "server-b")  # held
    assert store.claim(chat, "server-a")  # renewed by its holder
    store.release(chat, "server-b")  # only the holder can release
    assert not store.claim(chat, "server-b")
    assert store.claim(chat, "server-b", now=time.time() + tg.LEASE_SECONDS + 1)  # a crashed holder's lease runs out
    assert not store.claim(chat, "server-a")
    store.release(chat, "server-b")
    assert store.claim(chat, "server-a")
    store.release(chat, "server-a")


# --- sending through python-telegram-bot to the fake Bot API --------------------------------------------
@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    yield server
    server.stop()


async def _sending_worker(fake: FakeTelegram, store: TelegramStore) -> TelegramWorker:
    """A worker with a real python-telegram-bot client against the fake, for replies already queued."""
    bot = make_bot(TOKEN, fake.url)
    await bot.initialize()

    async def no_rasa(_message: object) -> None:
        raise AssertionError("only sending is exercised here")

    worker = TelegramWorker(TelegramSettings(token=TOKEN), store, bot, no_rasa)
    worker._running = True
    return worker


async def _drain(fake: FakeTelegram, db_url: str, chat: int, replies: list[dict]) -> TelegramStore:
    store = TelegramStore(db_url)
    conversation = conversation_of(chat)
    update_id = int(time.time() * 1000) % 10**9 + chat % 1000
    store.add_update(update_id, conversation, {})
    store.finish_update(update_id, conversation, replies, chat_id=chat, language="en")
    worker = await _sending_worker(fake, store)
    deadline = time.monotonic() + 60
    while (store.next_reply(conversation)[0] or store.next_reply(conversation)[1]) and time.monotonic() < deadline:
        await worker._work_chat(conversation)
        await asyncio.sleep(0.2)
    await worker.bot.shutdown()
    return store


def test_a_long_reply_goes_out_in_parts_with_buttons_on_the_last(fake: FakeTelegram, tmp_path) -> None:
    chat = 4_000_001
    text = "\n\n".join(f"**Part {n}** " + "x" * 1500 for n in range(7))  # about 10,600 characters
    buttons = [{"id": "next", "title": "Next"}, {"id": "menu", "title": "Menu"}]
    store = asyncio.run(_drain(fake, f"sqlite:///{tmp_path / 't.db'}", chat, [{"text": text, "buttons": buttons}]))
    calls = fake.calls_to("sendMessage", chat)
    assert len(calls) == 4
    assert all(c.result and utf16(c.result["text"]) <= 4096 for c in calls)
    assert [bool(c.params.get("reply_markup")) for c in calls] == [False, False, False, True]
    assert "".join(fake.texts_to(chat)).replace("\n", "") == text.replace("**", "").replace("\n", "")
    last = calls[-1].result["message_id"]
    assert store.offered_buttons(conversation_of(chat), last) == ["next", "menu"]


def test_one_message_a_second_per_chat(fake: FakeTelegram, tmp_path) -> None:
    chat = 4_000_002
    asyncio.run(_drain(fake, f"sqlite:///{tmp_path / 't.db'}", chat, [{"text": f"reply {n}", "buttons": []} for n in range(4)]))
    calls = fake.calls_to("sendMessage", chat)
    assert fake.texts_to(chat) == [f"reply {n}" for n in range(4)]
    assert all(b.at - a.at >= 1.0 for a, b in itertools.pairwise(calls))


def test_telegram_errors_are_retried_and_a_blocked_chat_is_given_up(fake: FakeTelegram, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    chat = 4_000_003
    fake.failures["sendMessage"] = [500, 429]  # a server error, then "too many requests"
    asyncio.run(_drain(fake, url, chat, [{"text": "still arrives", "buttons": []}]))
    assert fake.texts_to(chat) == ["still arrives"]

    blocked = 4_000_004
    fake.failures["sendMessage"] = [403]
    store = asyncio.run(_drain(fake, url, blocked, [{"text": "a", "buttons": []}, {"text": "b", "buttons": []}]))
    assert fake.texts_to(blocked) == []
    assert store.next_reply(conversation_of(blocked)) == (None, None)


def test_about_thirty_messages_a_second_for_the_whole_bot(fake: FakeTelegram, tmp_path) -> None:
    store = TelegramStore(f"sqlite:///{tmp_path / 't.db'}")
    chats = [4_100_000 + n for n in range(90)]
    for n, chat in enumerate(chats):
        store.add_update(50_000 + n, conversation_of(chat), {})
        store.finish_update(50_000 + n, conversation_of(chat), [{"text": f"hello {n}", "buttons": []}], chat_id=chat)

    async def run() -> None:
        worker = await _sending_worker(fake, store)
        await asyncio.gather(*(worker._work_chat(conversation_of(chat)) for chat in chats))
        await worker.bot.shutdown()

    asyncio.run(run())
    sends = fake.calls_to("sendMessage")
    assert len(sends) == 90
    busiest = max(sum(1 for c in sends if s.at <= c.at < s.at + 1.0) for s in sends)
    assert busiest <= 30
    assert sends[-1].at - sends[0].at >= 2.5  # 90 messages took at least three seconds


def test_the_worker_keeps_trying_until_the_bot_api_answers(fake: FakeTelegram, tmp_path) -> None:
    fake.failures["getMe"] = [502, 502]  # Telegram unreachable at start-up
    settings = TelegramSettings(token=TOKEN, mode="webhook", webhook_url="https://x.org/hook", webhook_secret="s" * 20,
                                api_base_url=fake.url)

    async def run() -> None:
        async def no_rasa(_message: object) -> None:
            raise AssertionError("no updates here")

        worker = TelegramWorker(settings, TelegramStore(f"sqlite:///{tmp_path / 't.db'}"), make_bot(TOKEN, fake.url), no_rasa)
        worker.start()
        await asyncio.wait_for(worker.ready.wait(), timeout=20)
        await worker.stop()

    asyncio.run(run())
    assert len(fake.calls_to("getMe")) == 3
    assert fake.webhook == {"url": "https://x.org/hook", "secret_token": "s" * 20, "max_connections": 40,
                            "allowed_updates": ["message", "edited_message", "callback_query", "my_chat_member"]}
