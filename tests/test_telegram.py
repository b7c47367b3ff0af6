"""End to end on Telegram: the real service (Rasa, action server, SQLite) with python-telegram-bot
as the client of a local fake Bot API server (tests/fake_telegram.py), in webhook mode.

Polling mode, crash recovery and the flood test are in test_telegram_recovery.py.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Table, create_engine, func, select
from sqlalchemy.engine import Engine

from bot.buttons import BUTTON_PAYLOADS
from bot.channels.telegram import store as tg
from bot.channels.telegram.worker import conversation_of
from bot.locales import catalog
from bot.retention import events
from bot.tables import contact_categories, contacts, handoff_requests
from tests.conftest import LiveServer, make_server
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
from tests.support.console import on_duty
from tests.support.services import contact_of

pytestmark = pytest.mark.e2e
SECRET = "test-webhook-secret-0123456789"
WEBHOOK_URL = "https://helper.example.org/webhooks/telegram/webhook"
_chat_ids = iter(range(8_311_900_001, 8_311_999_999))


def new_chat() -> int:
    return next(_chat_ids)


def shown(text: str) -> str:
    """A locale text as the child sees it on Telegram: **bold** is formatting, not asterisks."""
    return re.sub(r"\*\*(.+?)\*\*", r"\1", text, flags=re.DOTALL)


def expected(key: str, lang: str = "en", country: str | None = None, age: str | None = None) -> str:
    return shown(catalog().message(key, lang, age_band=age, country=country).text)


def step(topic: str, n: int, lang: str = "en", country: str | None = None, age: str | None = None) -> str:
    return shown(catalog().step(topic, n, lang, age_band=age, country=country).text)


def telegram_text(key: str, lang: str = "en") -> str:
    return shown(catalog().telegram[lang][key]).strip()


def telegram_env(fake: FakeTelegram, mode: str = "webhook") -> dict[str, str]:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_MODE": mode, "TELEGRAM_API_BASE_URL": fake.url}
    if mode == "webhook":
        env.update(TELEGRAM_WEBHOOK_URL=WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET=SECRET)
    return env


class Harness:
    """The service and the fake Bot API together, with a child's-eye view of a chat."""

    def __init__(self, server: LiveServer, fake: FakeTelegram, database_url: str | None = None) -> None:
        self.server = server
        self.fake = fake
        self.db_url = database_url or f"sqlite:///{server.data_dir / 'ocsea.db'}"
        self.engine: Engine = create_engine(self.db_url, future=True)

    def post(self, body: bytes | dict, secret: str | None = SECRET) -> int:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(f"{self.server.url}/webhooks/telegram/webhook", data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                return resp.status
        except urllib.error.HTTPError as err:
            return err.code

    def turn(self, chat: int, update: dict, replies: int, timeout: float = 60) -> list[str]:
        """Deliver an update and return the texts of the next `replies` messages to the chat."""
        before = len(self.fake.calls_to("sendMessage", chat))
        assert self.post(update) == 200
        self.fake.wait_for_messages(chat, before + replies, timeout)
        return self.fake.texts_to(chat)[before:before + replies]

    def say(self, chat: int, text: str, replies: int = 1, language: str = "en") -> list[str]:
        return self.turn(chat, message_update(chat, text, language=language), replies)

    def press(self, chat: int, button_id: str, replies: int = 1) -> list[str]:
        message_id = self.fake.message_with_button(chat, button_id)
        return self.turn(chat, callback_update(chat, message_id, button_id), replies)

    def settle(self, chat: int, seconds: float = 2.5) -> list[str]:
        """All texts sent to the chat, once nothing new has arrived for `seconds`."""
        count = -1
        while count != len(self.fake.calls_to("sendMessage", chat)):
            count = len(self.fake.calls_to("sendMessage", chat))
            time.sleep(seconds)
        return self.fake.texts_to(chat)

    def contact(self, chat: int, contact_id: str | None = None) -> dict:
        """The chat's contact record, through its active session (or by id once the session ended)."""
        with self.engine.connect() as conn:
            if contact_id is None:
                row = contact_of(conn, conversation_of(chat))
            else:
                row = conn.execute(select(contacts).where(contacts.c.id == contact_id)).mappings().first()
            assert row, "no contact record"
            row = dict(row)
            row["categories"] = dict(conn.execute(
                select(contact_categories.c.code, contact_categories.c.setting).where(contact_categories.c.contact_id == row["id"])
            ).all())
            row["handoff"] = conn.execute(
                select(handoff_requests.c.priority, handoff_requests.c.status).where(handoff_requests.c.contact_id == row["id"])
            ).first()
        return row

    def count(self, table: Table, **where: object) -> int:
        query = select(func.count()).select_from(table)
        for name, value in where.items():
            query = query.where(table.c[name] == value)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()


@pytest.fixture(scope="module")
def fake(fake_bot_api: FakeTelegram) -> FakeTelegram:
    return fake_bot_api


def serve_telegram(tmp_path: Path, fake: FakeTelegram) -> Iterator[Harness]:
    """The service in webhook mode against the fake Bot API, once Telegram has its webhook."""
    server = make_server(tmp_path)
    server.env.update(telegram_env(fake))
    server.start()
    fake.wait_for(lambda: fake.webhook.get("url"), 30, "setWebhook")
    yield Harness(server, fake)
    server.stop()


@pytest.fixture(scope="module")
def tgs(tmp_path_factory: pytest.TempPathFactory, fake: FakeTelegram) -> Iterator[Harness]:
    yield from serve_telegram(tmp_path_factory.mktemp("telegram"), fake)


# --- set-up and the webhook's gate -------------------------------------------------------------------
def test_webhook_registered_with_secret_and_localised_commands(tgs: Harness) -> None:
    assert tgs.fake.webhook["url"] == WEBHOOK_URL
    assert tgs.fake.webhook["secret_token"] == SECRET
    assert set(tgs.fake.webhook["allowed_updates"]) == {"message", "edited_message", "callback_query", "my_chat_member"}
    commands = {c.params.get("language_code"): c.params["commands"] for c in tgs.fake.calls_to("setMyCommands")}
    assert [c["command"] for c in commands[None]] == ["sos", "start", "help", "language", "exit", "forget"]
    assert commands["sw"][4]["description"] == catalog().telegram["sw"]["commands"]["exit"]
    assert commands[None][4]["description"] == catalog().telegram["en"]["commands"]["exit"]
    assert commands[None][0]["description"] == catalog().telegram["en"]["commands"]["sos"]  # the numbers, first


@pytest.mark.parametrize("secret", [None, "", "wrong-secret-0123456789", SECRET + "x", SECRET[:-1]])
def test_wrong_or_missing_secret_is_refused_and_touches_nothing(tgs: Harness, secret: str | None) -> None:
    chat = new_chat()
    update = message_update(chat, "hello")
    assert tgs.post(update, secret=secret) == 403
    assert tgs.count(tg.updates, update_id=update["update_id"]) == 0
    time.sleep(1.0)
    assert tgs.fake.calls_to("sendMessage", chat) == []


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"[1, 2]", b'"text"', b'{"message": {"text": "hi"}}', b'{"update_id": "12"}', b'{"update_id": true}',
     b"\xff\xfe\x00", b'{"update_id": 1, "message": ' + b"[" * 1000 + b"]" * 1000 + b"}"],
)
def test_malformed_bodies_get_a_clean_400(tgs: Harness, body: bytes) -> None:
    assert tgs.post(body) == 400


def test_unknown_update_types_are_acknowledged_and_ignored(tgs: Harness) -> None:
    before = tgs.count(tg.updates)
    inline = {"update_id": 990001, "inline_query": {"id": "1", "from": {"id": 5, "is_bot": False, "first_name": "x"}, "query": "q"}}
    poll = {"update_id": 990002, "poll": {"id": "p", "question": "?", "options": [], "total_voter_count": 0}}
    assert tgs.post(inline) == 200
    assert tgs.post(poll) == 200
    assert tgs.count(tg.updates) == before


def test_the_same_update_twice_gets_one_reply(tgs: Harness) -> None:
    chat = new_chat()
    update = sticker_update(chat)
    assert tgs.post(update) == 200
    assert tgs.post(update) == 200
    tgs.fake.wait_for_messages(chat, 1)
    assert tgs.post(update) == 200  # again, after it was handled
    assert tgs.settle(chat) == [expected("media_received")]
    assert tgs.count(tg.updates, update_id=update["update_id"]) == 1


# --- conversations ---------------------------------------------------------------------------------------
def test_whole_sextortion_conversation_in_english_with_inline_buttons(tgs: Harness) -> None:
    chat = new_chat()
    assert tgs.say(chat, "/start", replies=2) == [expected("welcome"), expected("ask_age")]
    assert tgs.press(chat, "age_13_15", replies=2) == [expected("age_saved"), expected("ask_country")]
    assert tgs.press(chat, "country_KE", replies=2)[0] == expected("country_saved", country="KE")

    seen = tgs.say(chat, "this guy says he will send my nudes to my family unless i pay him")
    assert seen == [step("sextortion", 0, country="KE", age="13_15")]
    assert tgs.press(chat, "next") == [step("sextortion", 1, country="KE", age="13_15")]
    replies = tgs.say(chat, "no im ok, just scared", replies=2)  # an answer to the check: thanks, then on
    assert replies == [expected("feelings_ack", country="KE"), step("sextortion", 2, country="KE", age="13_15")]
    seen += replies
    for n in range(3, 7):
        replies = tgs.say(chat, "ok")
        assert replies == [step("sextortion", n, country="KE", age="13_15")]
        seen += replies
    whole = "\n".join(seen)
    assert "116" in whole and "Take It Down" in whole and "999" in whole

    record = tgs.contact(chat)
    assert (record["channel"], record["country"], record["age_band"], record["language"]) == ("telegram", "KE", "13_15", "en")
    assert record["categories"]["ocsea.sextortion"] == "online"
    assert record["highest_risk"] == "high"


def test_urgent_message_in_english_then_exit_deletes_the_bots_messages(tgs: Harness) -> None:
    with on_duty(tgs.db_url):  # a counsellor can come, so the child is queued
        chat = new_chat()
        tgs.say(chat, "/start", replies=2)
        first, coming = tgs.say(chat, "i just want to kill myself", replies=2)
        assert coming == expected("counsellor_coming")
        assert first == expected("urgent")
        record = tgs.contact(chat)
        assert record["highest_risk"] == "urgent" and record["handoff"] == (0, "waiting")
        contact_id = record["id"]  # after /exit the session's link is gone: the record is found by its id

        bot_messages = [c.result["message_id"] for c in tgs.fake.calls_to("sendMessage", chat)]
        assert tgs.say(chat, "/exit") == [telegram_text("exit_done", "en")]
        deleted = [m for c in tgs.fake.calls_to("deleteMessages", chat) for m in c.params["message_ids"]]
        assert sorted(deleted) == sorted(bot_messages)
        record = tgs.contact(chat, contact_id)
        assert record["quick_exit"] is True or record["quick_exit"] == 1
        assert record["handoff"] == (0, "cancelled")  # out of the queue: a counsellor sees the child left


def test_urgent_message_in_kiswahili_gets_numbers_first(tgs: Harness) -> None:
    chat = new_chat()
    replies = tgs.say(chat, "nataka kujiua leo usiku", language="sw")
    assert replies[0] == expected("urgent", "sw")
    assert tgs.contact(chat)["highest_risk"] == "urgent"


def test_kiswahili_sextortion_conversation_with_buttons_and_exit(tgs: Harness) -> None:
    chat = new_chat()
    # Telegram's language_code ("sw") is the first hint; the child can still choose
    assert tgs.say(chat, "/start", replies=2, language="sw") == [expected("welcome", "sw"), expected("ask_age", "sw")]
    assert tgs.press(chat, "age_16_17", replies=2) == [expected("age_saved", "sw"), expected("ask_country", "sw")]
    assert tgs.press(chat, "country_TZ", replies=2)[0] == expected("country_saved", "sw", country="TZ")
    replies = tgs.say(chat, "kuna mtu ananitishia kusambaza picha zangu za uchi nisipomtumia pesa", language="sw")
    assert replies == [step("sextortion", 0, "sw", country="TZ", age="16_17")]
    assert tgs.press(chat, "next") == [step("sextortion", 1, "sw", country="TZ", age="16_17")]
    assert tgs.press(chat, "feel_ok", replies=2)[1] == step("sextortion", 2, "sw", country="TZ", age="16_17")
    assert tgs.say(chat, "/language", language="sw") == [expected("choose_language", "sw")]
    assert tgs.press(chat, "language_en", replies=2) == [expected("language_changed", "en"), expected("menu", "en")]
    assert tgs.press(chat, "language_sw", replies=2) == [expected("language_changed", "sw"), expected("menu", "sw")]
    contact_id = tgs.contact(chat)["id"]
    assert tgs.say(chat, "/exit", language="sw") == [telegram_text("exit_done", "sw")]
    record = tgs.contact(chat, contact_id)
    assert record["language"] == "sw" and record["categories"]["ocsea.sextortion"] == "online"


def test_forget_erases_what_the_service_holds_about_the_chat(tgs: Harness) -> None:
    with on_duty(tgs.db_url):
        chat = new_chat()
        conversation = conversation_of(chat)
        tgs.say(chat, "/start", replies=2)
        tgs.say(chat, "i want to talk to a real person", replies=1)
        assert tgs.count(handoff_requests, conversation=conversation) == 1
        assert tgs.count(tg.chats, conversation=conversation) == 1
        assert tgs.count(events, sender_id=conversation) > 0
        contact_id = tgs.contact(chat)["id"]

        assert tgs.say(chat, "/forget") == [telegram_text("forget_done", "en")]
        time.sleep(0.5)
        assert tgs.count(tg.chats, conversation=conversation) == 0
        assert tgs.count(tg.sent, conversation=conversation) == 0
        assert tgs.count(tg.outbox, conversation=conversation) == 0
        assert tgs.count(tg.updates, conversation=conversation) == 0
        assert tgs.count(events, sender_id=conversation) == 0
        assert tgs.count(handoff_requests, conversation=conversation) == 0
        assert tgs.count(contacts, id=contact_id) == 1  # the anonymous record stays

        # the child can start again
        assert tgs.say(chat, "/start", replies=2) == [expected("welcome"), expected("ask_age")]


# --- what else arrives on Telegram -----------------------------------------------------------------
def test_photos_stickers_and_voice_notes_are_never_fetched(tgs: Harness) -> None:
    chat = new_chat()
    assert tgs.turn(chat, photo_update(chat), 1) == [expected("media_received")]
    assert tgs.turn(chat, voice_update(chat), 1) == [expected("media_received")]
    # a caption is read as words: here, after the kind answer about pictures, the urgent route
    replies = tgs.turn(chat, photo_update(chat, caption="he says he'll post this unless i pay, i want to die"), 2)
    assert replies == [expected("media_received"), expected("urgent")]
    assert tgs.fake.calls_to("getFile") == []


def test_buttons_are_checked_against_what_the_bot_sent(tgs: Harness) -> None:
    chat = new_chat()
    tgs.say(chat, "/start", replies=2)
    age_message = tgs.fake.message_with_button(chat, "age_13_15")
    forged = [
        callback_update(chat, age_message, "topic_sextortion"),  # a real button, but not on that message
        callback_update(chat, age_message, BUTTON_PAYLOADS["feel_unsafe"]),  # a raw intent
        callback_update(chat, age_message + 50, "age_13_15"),  # a message the bot never sent
        callback_update(chat, age_message, "x" * 64),
    ]
    for update in forged:
        assert tgs.post(update) == 200
    expired = catalog().telegram["en"]["button_expired"]
    tgs.fake.wait_for(lambda: len(tgs.fake.calls_to("answerCallbackQuery")) >= 4, 30, "callback answers")
    time.sleep(1.5)
    assert len(tgs.fake.calls_to("sendMessage", chat)) == 2  # nothing was taken as a choice
    ids = {u["callback_query"]["id"] for u in forged}
    answers = [c for c in tgs.fake.calls_to("answerCallbackQuery") if c.params["callback_query_id"] in ids]
    assert len(answers) == 4 and all(c.params.get("text") == expired for c in answers)
    # the real button still works
    assert tgs.press(chat, "age_13_15", replies=2) == [expected("age_saved"), expected("ask_country")]


@pytest.mark.parametrize("typed", ["/urgent_risk", BUTTON_PAYLOADS["feel_unsafe"], "/restart", '/inform_age{"age_band":"adult"}'])
def test_typed_slash_text_is_never_an_intent(tgs: Harness, typed: str) -> None:
    chat = new_chat()
    replies = tgs.say(chat, typed)
    assert expected("urgent") not in replies
    time.sleep(0.5)
    assert tgs.contact(chat)["highest_risk"] != "urgent"


def test_edited_message_is_handled_as_new_text(tgs: Harness) -> None:
    chat = new_chat()
    tgs.turn(chat, sticker_update(chat), 1)
    replies = tgs.turn(chat, message_update(chat, "i want to kill myself", edited=True), 1)
    assert replies == [expected("urgent")]


@pytest.mark.parametrize("kind", ["added", "message"])
def test_in_a_group_it_says_it_is_for_private_chats_and_leaves(tgs: Harness, kind: str) -> None:
    group = -new_chat()
    update = added_to_group_update(group) if kind == "added" else message_update(group, "hello bot", kind="supergroup")
    assert tgs.post(update) == 200
    tgs.fake.wait_for(lambda: tgs.fake.calls_to("leaveChat", group), 30, "leaveChat")
    assert tgs.fake.texts_to(group) == [telegram_text("group_only", "en")]
    assert tgs.count(tg.chats, conversation=conversation_of(group)) == 0  # no mapping kept for groups


@pytest.mark.parametrize("text", ["", "\u200b\u200d", "😭😭😭", "x" * 10_000, "I'm scared Я боюсь 我很害怕 naogopa"])
def test_odd_messages_get_an_answer(tgs: Harness, text: str) -> None:
    chat = new_chat()
    replies = tgs.say(chat, text)
    assert replies and replies[0]


def test_logs_hold_no_text_chat_id_username_or_token(tgs: Harness) -> None:
    logs = tgs.server.logs()
    assert "telegram: connected in webhook mode" in logs
    for secret in (TOKEN, SECRET, "kill myself", "nudes", "child8311900001", "8311900001", "Take It Down"):
        assert secret not in logs, secret


def test_chat_ids_and_texts_are_encrypted_at_rest(tgs: Harness) -> None:
    raw = Path(tgs.server.data_dir / "ocsea.db").read_bytes()
    for wal in Path(tgs.server.data_dir).glob("ocsea.db-wal"):
        raw += wal.read_bytes()
    assert b"8311900001" not in raw  # the first chat's id
    assert b"child8311900001" not in raw  # its username


def test_without_a_token_the_service_runs_and_says_so_once(live_server: LiveServer) -> None:
    logs = live_server.logs()
    assert logs.count("Telegram:   off (TELEGRAM_BOT_TOKEN not set)") == 1  # in the ready banner, once
    request = urllib.request.Request(f"{live_server.url}/webhooks/telegram/webhook", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 404  # no Telegram route at all

