"""The web chat's socket.io channel as the page uses it: a tab's socket, raw websocket frames and a small server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import socketio
import websockets

from bot.channels.failsafe import prepare
from bot.pseudonym import pseudonymise
from tests.conftest import ROOT, TEST_KEY, free_port

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
        http = getattr(self.sio.eio, "http", None)  # engine.io's own aiohttp session, left open by disconnect
        if http is not None and not http.closed:
            await http.close()


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


# --- a small server: the real channel with a stand-in for Rasa ----------------------------------
HARNESS = r'''
import asyncio, gc, json, logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
for noisy in ("sanic", "engineio", "socketio"):
    logging.getLogger(noisy).setLevel(logging.WARNING)
from sanic import Sanic, response
from bot.channels.webchat import WebChatInput

async def on_new_message(message):
    """A stand-in for Rasa: fails, stays silent, is slow or echoes the metadata, as the text asks."""
    if message.text.startswith(("slow", "early", "first")):  # a turn held up behind its reply, or before it
        if message.text.startswith("early"):  # its urgent reply (the numbers) went out first
            await message.output_channel.send_response(message.sender_id, {"text": "ok", "urgent": True})
        if message.text.startswith("first"):  # another reply went out first (a greeting, say)
            await message.output_channel.send_response(message.sender_id, {"text": "first"})
        await asyncio.sleep(6)
        if message.text.startswith("slow"):
            await message.output_channel.send_response(message.sender_id, {"text": "ok"})
        return
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
    """The real channel (bot.channels.webchat) in Sanic, with a stand-in for Rasa that fails on demand,
    and garbage collected often so a task left behind on disconnect is reported at once."""

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
        prepare()  # the tests' own failsafe_reply calls must not hold a client's event loop past its pings
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
