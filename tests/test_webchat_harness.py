"""The web chat's channel against a small server (tests.support.webchat.Harness): failed turns, leaked tasks, origins, floods."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
import websockets

from bot.channels.failsafe import URGENT_REPLY_WAIT, failsafe_reply
from tests.support.webchat import Child, Harness, raw_event, raw_socket, run

pytestmark = [pytest.mark.e2e]


def test_a_turn_that_fails_or_says_nothing_gets_the_failsafe_reply(harness: Harness) -> None:
    async def scenario() -> None:
        child = Child(harness.url)
        try:
            await child.connect()
            for message in ("raise it please", "silent please", "I want to kill myself"):
                before = len(child.replies)
                message_id = str(uuid.uuid4())
                assert await child.say(message, message_id) == {"ok": True, "id": message_id}
                expected = failsafe_reply(message, "en")
                assert [r["text"] for r in child.replies[before:]] == [expected["text"]], message
                assert child.replies[-1]["metadata"]["urgent"] is expected["urgent"]
                assert child.replies[-1]["id"] == f"{message_id}:0"
            assert child.replies[-1]["metadata"]["urgent"] is True  # an urgent message still gets the numbers
            assert [b["payload"] for b in child.replies[-1]["quick_replies"]]

            # the page's language and a cut message reach Rasa as the turn's metadata
            await child.say("echo " + "word " * 1000, metadata={"language": "sw"})
            assert json.loads(child.replies[-1]["text"]) == {"cut": True, "language": "sw"}
            await child.say("echo short")
            assert json.loads(child.replies[-1]["text"]) == {"language": "en"}
        finally:
            await child.close()
        logs = harness.logs()
        assert "webchat: a turn failed (RuntimeError); the failsafe reply was sent" in logs
        assert logs.count("webchat: a turn produced no reply; the failsafe reply was sent") == 2
        for words in ("raise it", "silent please", "kill myself", "the turn failed"):
            assert words not in logs  # never a child's words in the log

    run(scenario())


def test_an_urgent_message_gets_the_numbers_without_waiting_for_a_slow_turn(harness: Harness) -> None:
    """After URGENT_REPLY_WAIT seconds without a reply the numbers go out and the turn goes on;
    a slow turn that already sent its urgent reply, or a message that is not urgent, just takes its time."""

    async def timed_say(child: Child, message: str) -> tuple[list[str], list[float]]:
        before, started, arrived = len(child.replies), time.monotonic(), []
        saying = asyncio.ensure_future(child.say(message))
        while not saying.done():
            if len(child.replies) > before + len(arrived):
                arrived.append(time.monotonic() - started)
            await asyncio.sleep(0.05)
        assert (await saying)["ok"]
        return [r["text"] for r in child.replies[before:]], arrived

    async def scenario() -> None:
        child = Child(harness.url)
        try:
            await child.connect()
            await child.say("echo")  # a first turn's one-off costs are not part of the timings below
            urgent = "slow i want to kill myself tonight"
            texts, arrived = await timed_say(child, urgent)
            assert texts == [failsafe_reply(urgent, "en")["text"], "ok"], texts
            assert URGENT_REPLY_WAIT <= arrived[0] < URGENT_REPLY_WAIT + 1.5 and arrived[1] >= 6, arrived
            texts, _ = await timed_say(child, "early i want to kill myself tonight")
            assert texts == ["ok"]  # its urgent reply had gone out: the numbers are not sent again
            texts, arrived = await timed_say(child, "first i want to kill myself tonight")
            assert texts == ["first", failsafe_reply(urgent, "en")["text"]], texts  # a reply without the numbers
            assert URGENT_REPLY_WAIT <= arrived[1] < URGENT_REPLY_WAIT + 1.5, arrived
            texts, arrived = await timed_say(child, "slow hello")
            assert texts == ["ok"] and arrived[0] >= 6
        finally:
            await child.close()
        assert harness.logs().count("webchat: an urgent turn took over 3 s; the failsafe reply was sent") == 2
        assert "kill myself" not in harness.logs()

    run(scenario())


def test_no_task_is_left_behind_when_sockets_disconnect(harness: Harness) -> None:
    async def scenario() -> None:
        for i in range(8):
            ws = await raw_socket(harness.url)
            await ws.send('42["session_request",{}]')
            await raw_event(ws, "session_confirm")
            if i % 2:
                await ws.send('42["user_uttered",{"message":"hello","id":"' + str(uuid.uuid4()) + '"}]')
                await raw_event(ws, "bot_uttered")
            if i % 4 < 2:
                await ws.close()
            else:
                ws.transport.abort()  # the connection just drops, as on a phone going out of coverage
            await asyncio.sleep(0.3)  # one at a time: the server sees each go
        child = Child(harness.url)  # and long-polling, connected and gone
        await child.connect()
        await child.close()
        await asyncio.sleep(2)  # the harness collects garbage every 0.2 s

    run(scenario())
    logs = harness.logs()
    assert logs.count("Task was destroyed but it is pending") == 0, logs[-3000:]
    assert "Task exception was never retrieved" not in logs


def test_origins_listed_in_webchat_origins_are_accepted(harness: Harness) -> None:
    async def scenario() -> None:
        for origin in ("https://chat.example.org", "https://help.example.net", harness.url):
            ws = await raw_socket(harness.url, origin=origin)
            await ws.close()
        for origin in ("https://evil.example", "http://chat.example.org", "https://chat.example.org.evil.example"):
            with pytest.raises(websockets.exceptions.InvalidStatusCode):
                await raw_socket(harness.url, origin=origin)

    run(scenario())


def test_a_flooding_session_is_slowed_but_urgent_words_still_get_the_numbers(harness: Harness) -> None:
    """Turns answered at once (the harness), so the messages really come faster than 2 a second."""
    async def scenario() -> tuple[list[dict], dict, list[dict], dict]:
        flooder, calm = Child(harness.url), Child(harness.url)
        await flooder.connect()
        await calm.connect()
        try:
            acks = []
            for _ in range(5):  # batches of 8: engine.io decodes at most 16 packets from one polling payload
                acks += await asyncio.gather(*(flooder.sio.call(
                    "user_uttered", {"message": "spam", "id": str(uuid.uuid4())}, timeout=60,
                ) for _ in range(8)))
            flooder.replies.clear()
            urgent = await flooder.say("i want to die")
            return acks, urgent, list(flooder.replies), await calm.say("hello")
        finally:
            await flooder.close()
            await calm.close()

    acks, urgent, replies, calm = run(scenario())
    slowed = [a for a in acks if a.get("error") == "slow_down"]
    assert len(slowed) >= 10 and all(a["retry_after"] > 0 for a in slowed)
    assert urgent["ok"] and any("112" in (r.get("text") or "") for r in replies)  # over the limit, but urgent
    assert calm["ok"]  # another child is not slowed
