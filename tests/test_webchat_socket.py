"""The web chat's socket.io channel, driven like the page drives it, against the real service.

python-socketio's AsyncClient talks long-polling here (its websocket client needs a newer aiohttp
than Rasa allows); the websocket transport is driven directly with `websockets` where it matters.
Turns that must fail (the failsafe reply) and the check for tasks left behind on disconnect run
against a small server: the real channel (bot.channels.webchat) in Sanic, with a stand-in for
Rasa that fails on demand, and garbage collected often so a leaked task is reported at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import socketio
import websockets
from sqlalchemy import create_engine, select, text

from bot.channels.failsafe import failsafe_reply
from bot.channels.webchat import sign_session
from bot.contact_log import handoff_requests
from bot.pseudonym import pseudonymise
from tests.conftest import ROOT, TEST_KEY, LiveServer, free_port

pytestmark = [pytest.mark.e2e]
TURN_TIMEOUT = 90


def run(work: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine in a thread of its own (an event loop may already run in this one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


def conversation_of(session_id: str) -> str:
    return pseudonymise("webchat", session_id)


class Child:
    """One browser tab's socket, as chat.js uses it."""

    def __init__(self, url: str, origin: str | None = None) -> None:
        self.url = url
        self.origin = origin
        self.sio = socketio.AsyncClient(reconnection=False)
        self.replies: list[dict] = []
        self.events: list[str] = []
        self.session: dict = {}
        self.sio.on("bot_uttered", self.replies.append)
        for event in ("session_taken", "session_error", "disconnect"):
            self.sio.on(event, lambda *_, name=event: self.events.append(name))

    async def connect(self, presented: dict | None = None) -> dict:
        headers = {"Origin": self.origin} if self.origin else {}
        await self.sio.connect(self.url, transports=["polling"], headers=headers, wait_timeout=15)
        return await self.request_session(presented or {})

    async def request_session(self, presented: object) -> dict:
        self.session = await self.sio.call("session_request", presented, timeout=15)
        return self.session

    @property
    def session_id(self) -> str:
        return self.session["session_id"]

    @property
    def conversation(self) -> str:
        return conversation_of(self.session_id)

    async def say(self, message: object, message_id: str | None = None, **extra: object) -> dict:
        data = {"message": message, "id": message_id or str(uuid.uuid4()), "metadata": {"language": "en"}, **extra}
        ack = await self.sio.call("user_uttered", data, timeout=TURN_TIMEOUT)
        await asyncio.sleep(0.3)  # the replies came before the ack; let their handlers run
        return ack

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.sio.disconnect()


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


async def raw_socket(url: str, origin: str | None = None) -> websockets.WebSocketClientProtocol:
    """An engine.io websocket with the default namespace joined (what the page's socket.io does)."""
    ws = await websockets.connect(
        url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket", origin=origin, open_timeout=15
    )
    assert (await ws.recv()).startswith("0")
    await ws.send("40")
    assert (await ws.recv()).startswith("40")
    return ws


async def raw_ack(ws: websockets.WebSocketClientProtocol, ack_id: int, timeout: float = TURN_TIMEOUT) -> object:
    """The arguments of the acknowledgement `ack_id` (answering the server's pings meanwhile)."""
    deadline = time.monotonic() + timeout
    while True:
        frame = await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.monotonic()))
        if frame == "2":
            await ws.send("3")
        elif frame.startswith(f"43{ack_id}["):
            return json.loads(frame[2 + len(str(ack_id)):])


async def raw_event(ws: websockets.WebSocketClientProtocol, name: str, timeout: float = 30) -> object:
    """The data of the next event called `name` (answering the server's pings meanwhile)."""
    deadline = time.monotonic() + timeout
    while True:
        frame = await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.monotonic()))
        if frame == "2":
            await ws.send("3")
        elif frame.startswith("42"):
            event = json.loads(frame[2:])
            if event[0] == name:
                return event[1] if len(event) > 1 else None


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


def test_quick_exit_marks_a_queued_handoff_child_left(live_server: LiveServer) -> None:
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
            assert handoff_status(db, child.conversation, "child_left") == "child_left"
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
        assert handoff_status(db, child.conversation, "child_left", timeout=1) == "waiting"
        assert post_exit(live_server.url, body, origin=live_server.url) == 202
        assert handoff_status(db, child.conversation, "child_left") == "child_left"

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


# --- against a small server: failures behind Rasa, and tasks left behind ----------------------
HARNESS = r'''
import asyncio, gc, json, logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
for noisy in ("sanic", "engineio", "socketio"):
    logging.getLogger(noisy).setLevel(logging.WARNING)
from sanic import Sanic, response
from bot.channels.webchat import WebChatInput

async def on_new_message(message):
    """A stand-in for Rasa: fails, stays silent or echoes the metadata, as the text asks."""
    if message.text.startswith("raise"):
        raise RuntimeError("the turn failed: " + message.text)
    if message.text.startswith("silent") or "kill" in message.text:
        return
    reply = json.dumps(message.metadata or {}, sort_keys=True) if message.text.startswith("echo") else "ok"
    await message.output_channel.send_response(message.sender_id, {"text": reply})

app = Sanic("webchat_harness", configure_logging=False)
app.blueprint(WebChatInput().blueprint(on_new_message), url_prefix="/webhooks/webchat")

@app.get("/health")
async def health(_request):
    return response.json({"status": "ok"})

async def collect(_app):
    while True:  # collect garbage often: a task left pending is reported at once
        await asyncio.sleep(0.2)
        gc.collect()

app.add_task(collect)
app.run("127.0.0.1", int(sys.argv[1]), workers=1, access_log=False, motd=False)
'''


class Harness:
    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / "harness.log"
        script = tmp / "harness.py"
        script.write_text(HARNESS)
        env = {**os.environ, "PSEUDONYM_KEY": TEST_KEY, "DATA_DIR": str(tmp / "var"), "PYTHONPATH": str(ROOT),
               "WEBCHAT_ORIGINS": " https://chat.example.org, https://Help.Example.net/ "}
        self.proc = subprocess.Popen(
            [sys.executable, str(script), str(self.port)], cwd=ROOT, env=env,
            stdout=self.log_path.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.logs()[-3000:]
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.url}/health", timeout=2):
                    return
            time.sleep(0.3)
        raise RuntimeError("the harness did not start:\n" + self.logs()[-3000:])

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    server = Harness(tmp_path_factory.mktemp("webchat-harness"))
    yield server
    server.stop()


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
