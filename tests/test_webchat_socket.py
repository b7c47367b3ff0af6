"""The web chat's socket.io channel, driven like the page drives it, against the real service.

python-socketio's AsyncClient talks long-polling here (its websocket client needs a newer aiohttp
than Rasa allows); the websocket transport is driven directly with `websockets` where it matters.
Turns that must fail (the failsafe reply) and the check for tasks left behind on disconnect run
against a small server instead: tests/test_webchat_harness.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import socketio
import websockets
from sqlalchemy import create_engine, select, text

from bot.channels.webchat import sign_session
from bot.tables import handoff_requests
from tests.conftest import LiveServer
from tests.support.console import on_duty
from tests.support.webchat import Child, raw_ack, raw_event, raw_socket, run

pytestmark = [pytest.mark.e2e]


def user_turns(server_db: Path, conversation: str) -> int:
    """How many user messages Rasa's tracker holds for a conversation."""
    eng = create_engine(f"sqlite:///{server_db}", future=True)
    try:
        with eng.connect() as conn:
            return conn.execute(
                text("SELECT COUNT(*) FROM events WHERE sender_id = :s AND type_name = 'user'"), {"s": conversation}
            ).scalar()
    finally:
        eng.dispose()


def handoff_status(server_db: Path, conversation: str, want: str, timeout: float = 20) -> str | None:
    """The conversation's handoff status, waiting up to `timeout` for it to become `want`."""
    eng = create_engine(f"sqlite:///{server_db}", future=True)
    deadline = time.monotonic() + timeout
    status = None
    try:
        while time.monotonic() < deadline:
            with eng.connect() as conn:
                status = conn.execute(
                    select(handoff_requests.c.status).where(handoff_requests.c.conversation == conversation)
                ).scalar()
            if status == want:
                break
            time.sleep(0.3)
    finally:
        eng.dispose()
    return status


def post_exit(server_url: str, body: bytes, origin: str | None = None) -> int:
    headers = {"Content-Type": "text/plain"}
    if origin:
        headers["Origin"] = origin
    request = urllib.request.Request(f"{server_url}/webhooks/webchat/exit", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code



# --- sessions: issued, signed and bound to the socket ------------------------------------------
def test_sessions_are_issued_signed_and_bound_to_one_socket(live_server: LiveServer) -> None:
    async def scenario() -> None:
        a, b, c, d = (Child(live_server.url) for _ in range(4))
        try:
            first = await a.connect({"session_id": "chosen-by-the-page"})  # a client's own id is never used
            assert first["session_id"] != "chosen-by-the-page" and len(first["session_id"]) == 43
            assert len(first["signature"]) == 64 and first["resumed"] is False
            await b.connect()
            assert b.session_id != a.session_id

            # hijack: B names A's session in its messages; they go into B's own conversation
            ack = await b.say("/greet", session_id=a.session_id)
            assert ack["ok"] is True
            assert b.replies and not a.replies  # A saw nothing of it
            assert await b.sio.call("quick_exit", {"session_id": a.session_id}, timeout=15) == {"ok": True}
            assert (await b.say("hello"))["error"] == "no_session"  # B ended its own session
            assert (await a.say("/greet"))["ok"] is True and a.replies  # A's goes on
            db = live_server.data_dir / "ocsea.db"
            assert user_turns(db, a.conversation) == 1  # only A's own message

            # presenting A's session needs A's signature
            signature = a.session["signature"]
            for presented in (
                {"session_id": a.session_id},
                {"session_id": a.session_id, "signature": signature[:-1] + ("1" if signature.endswith("0") else "0")},
                {"session_id": a.session_id, "signature": hmac.new(b"guess", a.session_id.encode(), hashlib.sha256).hexdigest()},
                {"session_id": a.session_id, "signature": sign_session(a.session_id, b"another-key")},
            ):
                got = await c.connect(presented) if not c.sio.connected else await c.request_session(presented)
                assert got["session_id"] != a.session_id and got["resumed"] is False, presented

            # with it (the same tab reloaded, or a duplicate of it), the newest socket takes the session over
            resumed = await d.connect({"session_id": a.session_id, "signature": a.session["signature"]})
            assert resumed == {**a.session, "resumed": True}
            deadline = time.monotonic() + 10
            while a.sio.connected and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert "session_taken" in a.events and not a.sio.connected
            before = len(a.replies)
            assert (await d.say("/help"))["ok"] is True and d.replies
            assert len(a.replies) == before
            assert user_turns(db, a.conversation) == 2
            logs = live_server.logs()
            for secret in (a.session_id, a.session["signature"], a.conversation, b.session_id, b.conversation):
                assert secret not in logs  # no session id, signature or hash in the log
        finally:
            for child in (a, b, c, d):
                await child.close()

    run(scenario())


def test_every_message_is_acknowledged_and_a_resent_one_is_answered_once(live_server: LiveServer) -> None:
    async def scenario() -> None:
        child = Child(live_server.url)
        try:
            await child.connect()
            message_id = str(uuid.uuid4())
            ack = await child.say("/greet", message_id)
            assert ack == {"ok": True, "id": message_id}
            first = [r for r in child.replies]
            assert len(first) >= 2 and [r["id"] for r in first] == [f"{message_id}:{i}" for i in range(len(first))]

            # the ack was lost, the page sends the message again: not a second turn, the same answer
            again = await child.say("/greet", message_id)
            assert again == {"ok": True, "id": message_id, "duplicate": True}
            assert child.replies[len(first):] == first
            assert user_turns(live_server.data_dir / "ocsea.db", child.conversation) == 1

            for message in ("13", "Kenya"):  # one ack per message, each after its answer
                before = len(child.replies)
                message_id = str(uuid.uuid4())
                assert await child.say(message, message_id) == {"ok": True, "id": message_id}
                assert len(child.replies) > before
            assert user_turns(live_server.data_dir / "ocsea.db", child.conversation) == 3
        finally:
            await child.close()

    run(scenario())


def test_events_without_data_or_with_garbage_get_a_clean_answer(live_server: LiveServer) -> None:
    garbage: list[tuple] = [(), (None,), (5,), ("text",), ([1, 2],), ({"message": 5},), ({"session_id": 7, "signature": []},)]

    async def scenario() -> None:
        child = Child(live_server.url)
        try:
            await child.sio.connect(live_server.url, transports=["polling"], wait_timeout=15)
            for args in garbage:  # before any session: refused cleanly
                assert await child.sio.call("user_uttered", *args, timeout=15) == {"ok": False, "error": "no_session"}
                assert await child.sio.call("quick_exit", *args, timeout=15) == {"ok": False, "error": "no_session"}
            for args in garbage:  # anything at all asks for a session: a fresh one
                confirm = await child.sio.call("session_request", *args, timeout=15)
                assert confirm["resumed"] is False and len(confirm["session_id"]) == 43
            child.session = confirm
            for args in [(), (None,), (5,), ("text",), ([1, 2],), ({"id": "../../etc"},), ({"id": 12},)]:
                assert await child.sio.call("user_uttered", *args, timeout=15) == {"ok": False, "error": "bad_message"}
            ack = await child.say({"not": "text"})  # not text: an empty message, answered
            assert ack["ok"] is True
            before = len(child.replies)
            assert (await child.say("/greet"))["ok"] is True and len(child.replies) > before  # still answering
        finally:
            await child.close()
        assert "TypeError" not in live_server.logs()

    run(scenario())


def test_quick_exit_takes_a_waiting_child_out_of_the_queue(live_server: LiveServer) -> None:
    db = live_server.data_dir / "ocsea.db"

    async def queued_child() -> Child:
        child = Child(live_server.url)
        await child.connect()
        for message in ("/greet", "/request_human"):
            assert (await child.say(message))["ok"] is True
        assert handoff_status(db, child.conversation, "waiting") == "waiting"
        return child

    async def scenario() -> None:
        child = await queued_child()
        try:
            assert await child.sio.call("quick_exit", timeout=30) == {"ok": True}
            assert handoff_status(db, child.conversation, "cancelled") == "cancelled"
            assert (await child.say("hello"))["error"] == "no_session"
            # the ended session is never resumed, even with its signature
            ended = dict(child.session)
            again = await child.request_session({"session_id": ended["session_id"], "signature": ended["signature"]})
            assert again["resumed"] is False and again["session_id"] != ended["session_id"]
        finally:
            await child.close()

        # the page's beacon, for when the socket is down: needs the signature too
        child = await queued_child()
        await child.close()
        forged = json.dumps({"session_id": child.session_id, "signature": "0" * 64}).encode()
        assert post_exit(live_server.url, forged) == 400
        assert post_exit(live_server.url, b"\xff not json") == 400
        body = json.dumps({"session_id": child.session_id, "signature": child.session["signature"]}).encode()
        assert post_exit(live_server.url, body, origin="https://evil.example") == 403
        assert handoff_status(db, child.conversation, "cancelled", timeout=1) == "waiting"
        assert post_exit(live_server.url, body, origin=live_server.url) == 202
        assert handoff_status(db, child.conversation, "cancelled") == "cancelled"

    with on_duty(f"sqlite:///{db}"):  # someone can come, so the child is queued
        run(scenario())


def test_a_socket_from_another_site_is_refused(live_server: LiveServer) -> None:
    async def scenario() -> None:
        other = Child(live_server.url, origin="https://evil.example")
        with pytest.raises(socketio.exceptions.ConnectionError):
            await other.connect()
        await other.close()
        with pytest.raises(websockets.exceptions.InvalidStatusCode):
            await raw_socket(live_server.url, origin="https://evil.example")
        with pytest.raises(websockets.exceptions.InvalidStatusCode):
            await raw_socket(live_server.url, origin="null")

        own = Child(live_server.url, origin=live_server.url)  # the page's own origin
        try:
            assert (await own.connect())["resumed"] is False
            assert (await own.say("/greet"))["ok"] is True
        finally:
            await own.close()
        # behind a proxy that ends TLS, the page's origin is https:// with the same Host
        ws = await raw_socket(live_server.url, origin=live_server.url.replace("http://", "https://"))
        await ws.close()

    run(scenario())


def test_an_oversized_message_closes_the_socket_and_a_long_one_is_answered(live_server: LiveServer) -> None:
    async def scenario() -> None:
        ws = await raw_socket(live_server.url)
        await ws.send('42["session_request",{}]')
        await raw_event(ws, "session_confirm")
        message_id = str(uuid.uuid4())
        long_text = "word " * 600  # 3,000 characters: longer than the page sends, within the cap
        await ws.send("421" + json.dumps(["user_uttered", {"id": message_id, "message": long_text}]))
        assert await raw_ack(ws, 1) == [{"ok": True, "id": message_id}]
        await ws.send("42" + json.dumps(["user_uttered", {"message": "x" * 20_000}]))  # over 16 KiB
        with pytest.raises(websockets.exceptions.ConnectionClosed):
            for _ in range(100):
                frame = await asyncio.wait_for(ws.recv(), 10)
                if frame == "2":
                    await ws.send("3")

    run(scenario())
