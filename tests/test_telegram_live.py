"""A live chat on Telegram: python-telegram-bot against the local fake Bot API, a counsellor on the
console's JSON API, the real service between them."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.locales import catalog
from tests.fake_telegram import FakeTelegram, message_update
from tests.support.console import Console, add_counsellor
from tests.test_telegram import Harness, expected, new_chat, serve_telegram, telegram_text


@pytest.fixture(scope="module")
def tgs(tmp_path_factory: pytest.TempPathFactory, fake_bot_api: FakeTelegram) -> Iterator[Harness]:
    yield from serve_telegram(tmp_path_factory.mktemp("telegram-live"), fake_bot_api)


def test_a_counsellor_takes_a_telegram_chat_and_they_talk_both_ways_until_the_child_exits(tgs: Harness) -> None:
    add_counsellor(tgs.db_url, "tg.counsellor", display_name="Wanjiru")
    console = Console(tgs.server.console_port)
    assert console.sign_in("tg.counsellor") == 200
    console.available()
    chat = new_chat()
    tgs.say(chat, "/start", replies=2)
    assert tgs.say(chat, "i want to talk to a real person") == [expected("human_queued")]
    request = console.queue()["waiting"][0]
    assert request["channel"] == "telegram"
    before = len(tgs.fake.calls_to("sendMessage", chat))
    assert console.take(request["id"]) == 200
    tgs.fake.wait_for_messages(chat, before + 1, 30)
    joined = catalog().message("live_joined_named", "en", values={"counsellor": "Wanjiru"}).text
    assert tgs.fake.texts_to(chat)[before] == joined
    seen = console.messages(request["id"])["messages"]
    assert ("child", "i want to talk to a real person") in [(m["from"], m["text"]) for m in seen]

    sent = len(tgs.fake.calls_to("sendMessage", chat))
    assert tgs.post(message_update(chat, "he says he will post my pics tonight")) == 200
    got = console.wait_for(request["id"], lambda m: m["from"] == "child" and "post my pics" in m["text"], seen[-1]["seq"])
    assert any(m["text"] == "he says he will post my pics tonight" for m in got)
    time.sleep(1.5)
    assert len(tgs.fake.calls_to("sendMessage", chat)) == sent  # the bot stayed quiet

    console.send(request["id"], "That sounds frightening. You did the right thing telling us.")
    tgs.fake.wait_for_messages(chat, sent + 1, 30)
    assert tgs.fake.texts_to(chat)[sent] == "Counsellor: That sounds frightening. You did the right thing telling us."

    assert tgs.say(chat, "/exit") == [telegram_text("exit_done", "en")]
    assert console.messages(request["id"])["status"] == "child_left"
    assert console.end(request["id"], {"ocsea.sextortion": "online"}, "counselled")[0] == 200
    assert "post my pics" not in tgs.server.logs()
