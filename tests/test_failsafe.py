"""The failsafe reply and the urgent wait (bot/channels/failsafe.py), and the tracker store's
threads (bot/tracker_store.py), in process: real coroutines and timers, no server."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from bot import tracker_store
from bot.buttons import BUTTON_PAYLOADS
from bot.channels import failsafe
from bot.channels.failsafe import answered_in_time, failsafe_key, failsafe_reply
from bot.channels.inbound import inbound_text

URGENT = "i want to kill myself tonight"


@pytest.mark.parametrize(("text", "key"), [
    (URGENT, "urgent"),
    ("hello", "failed"),
    (BUTTON_PAYLOADS["help_now"], "urgent"),  # "get help now" and /sos
    (inbound_text("/sos"), "urgent"),
    (BUTTON_PAYLOADS["not_safe"], "urgent"),
    (BUTTON_PAYLOADS["feel_unsafe"], "urgent"),
    (BUTTON_PAYLOADS["safe_yes"], "failed"),
    ("/greet", "failed"),
    (None, "failed"),
])
def test_failsafe_key(text: object, key: str) -> None:
    assert failsafe_key(text) == key


def test_the_sos_command_gets_the_numbers() -> None:
    assert "112" in failsafe_reply(inbound_text("/sos"), "en")["text"]


async def _slow(seconds: float, done: list[str]) -> str:
    await asyncio.sleep(seconds)
    done.append("finished")
    return "replies"


def test_an_urgent_turn_is_waited_for_only_so_long(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(failsafe, "URGENT_REPLY_WAIT", 0.2)

    async def scenario() -> None:
        done: list[str] = []
        turn = asyncio.ensure_future(_slow(0.6, done))
        started = time.monotonic()
        assert await answered_in_time(turn, URGENT) is False
        assert 0.2 <= time.monotonic() - started < 0.5 and not turn.done()
        assert await turn == "replies"  # it went on
        fast = asyncio.ensure_future(_slow(0.05, done))
        assert await answered_in_time(fast, URGENT) is True
        calm = asyncio.ensure_future(_slow(0.6, done))
        started = time.monotonic()
        assert await answered_in_time(calm, "hello") is True  # not urgent: it takes its time
        assert time.monotonic() - started >= 0.6
        assert done == ["finished"] * 3

    asyncio.run(scenario())


def test_a_caller_that_hangs_up_leaves_the_turn_to_finish(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(failsafe, "URGENT_REPLY_WAIT", 5)

    async def scenario() -> None:
        for text in (URGENT, "hello"):
            done: list[str] = []
            turn = asyncio.ensure_future(_slow(0.3, done))
            waiting = asyncio.ensure_future(answered_in_time(turn, text))
            await asyncio.sleep(0.05)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            assert not turn.cancelled()
            await asyncio.sleep(0.4)
            assert done == ["finished"], text

    asyncio.run(scenario())


def test_a_cancelled_store_call_still_waits_for_its_thread() -> None:
    """Rasa lets go of the conversation's lock when a turn is cancelled: the save must be over by then."""
    release, finished = threading.Event(), []

    async def blocking_save() -> str:  # never suspends, like Rasa's SQL store methods
        release.wait(5)
        finished.append(time.monotonic())
        return "saved"

    async def scenario() -> None:
        call = asyncio.ensure_future(tracker_store._in_thread(blocking_save))
        await asyncio.sleep(0.1)
        call.cancel()
        threading.Timer(0.3, release.set).start()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert finished, "the cancelled call returned while its thread was still writing"
        assert await tracker_store._in_thread(blocking_save) == "saved"

    asyncio.run(scenario())


def test_a_store_method_that_suspends_is_refused() -> None:
    async def suspends() -> None:
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="cannot run in a worker thread"):
        asyncio.run(tracker_store._in_thread(suspends))
