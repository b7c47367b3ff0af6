"""Live handoff relay: latency child -> counsellor and counsellor -> child, and whether a live chat
gets slower as it gets longer.

    python bench/relay.py                       # starts its own server on SQLite
    python bench/relay.py --database-url postgresql://... --redis-url redis://127.0.0.1:6379/0

Children are web chat sockets; counsellors use the console's JSON API (a long poll on each chat).
- relay latency: CHATS concurrent live chats (default 20), each sending ROUNDS messages each way
  with a think time between them. child -> counsellor is from the child's send to the
  counsellor's long poll returning with it; counsellor -> child is from the counsellor's POST to
  the child's socket receiving it. Target on 2 cores: p95 <= 300 ms.
- growth: one live chat, 310 messages from the child; the median time for messages 1-20 against
  messages 291-310 (and the same for the counsellor's). Target: <= 1.3x.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.console import PASSWORD, add_counsellor  # noqa: E402
from tests.support.webchat import Child  # noqa: E402


class Counsellor:
    """The console API over aiohttp, with the session cookie and CSRF token."""

    def __init__(self, http: aiohttp.ClientSession, base: str, address: str) -> None:
        self.http, self.base, self.csrf = http, base, ""
        self.headers = {"X-Forwarded-For": address}

    async def call(self, method: str, path: str, body: object = None) -> dict:
        headers = {**self.headers, "X-CSRF-Token": self.csrf}
        async with self.http.request(method, self.base + path, json=body, headers=headers) as reply:
            data = await reply.json()
            assert reply.status == 200, (path, reply.status, data)
            return data

    async def sign_in(self, username: str) -> None:
        self.csrf = (await self.call("POST", "/console/api/session", {"username": username, "password": PASSWORD}))["csrf_token"]
        await self.call("POST", "/console/api/availability", {"available": True, "max_chats": 10})


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))], 1)


async def live_pair(base: str, console_base: str, username: str, jar: aiohttp.ClientSession) -> tuple[Child, Counsellor, int]:
    counsellor = Counsellor(jar, console_base, f"10.66.0.{abs(hash(username)) % 250 + 1}")
    await counsellor.sign_in(username)
    child = Child(base, origin=base)
    await child.connect()
    await child.say("can i talk to a real person please")
    waiting = (await counsellor.call("GET", "/console/api/queue"))["waiting"]
    for item in waiting:  # another pair may take the same one first: try the next
        async with jar.post(f"{console_base}/console/api/conversations/{item['id']}/take",
                            headers={**counsellor.headers, "X-CSRF-Token": counsellor.csrf}) as reply:
            if reply.status == 200:
                return child, counsellor, item["id"]
    raise RuntimeError("nothing to take")


async def last_seq(counsellor: Counsellor, request: int) -> int:
    return max(m["seq"] for m in (await counsellor.call("GET", f"/console/api/conversations/{request}/messages"))["messages"])


async def one_way_to_counsellor(child: Child, counsellor: Counsellor, request: int, after: int, text: str) -> tuple[float, int]:
    poll = asyncio.ensure_future(counsellor.call("GET", f"/console/api/conversations/{request}/messages?after={after}&wait=20"))
    await asyncio.sleep(0.05)  # the long poll is waiting, as the console's is
    started = time.perf_counter()
    await child.sio.call("user_uttered", {"message": text, "id": str(uuid.uuid4()), "metadata": {"language": "en"}})
    messages = (await poll)["messages"]
    assert messages and messages[-1]["text"] == text, messages
    return (time.perf_counter() - started) * 1000, messages[-1]["seq"]


async def one_way_to_child(child: Child, counsellor: Counsellor, request: int, text: str) -> tuple[float, int]:
    arrived = asyncio.get_running_loop().create_future()

    def on_reply(reply: dict) -> None:
        if reply.get("text") == text and not arrived.done():
            arrived.set_result(time.perf_counter())

    child.sio.on("bot_uttered", on_reply)
    started = time.perf_counter()
    seq = (await counsellor.call("POST", f"/console/api/conversations/{request}/messages", {"text": text}))["seq"]
    done = await asyncio.wait_for(arrived, 20)
    child.sio.on("bot_uttered", child.replies.append)
    return (done - started) * 1000, seq


async def relay_latency(base: str, console_base: str, chats: int, rounds: int, think: float) -> dict:
    to_counsellor: list[float] = []
    to_child: list[float] = []
    pairs = []
    for number in range(chats):  # each counsellor their own cookie jar
        jar = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        pairs.append((jar, await live_pair(base, console_base, f"bench.c{number}", jar)))

    async def talk(child: Child, counsellor: Counsellor, request: int) -> None:
        after = await last_seq(counsellor, request)
        for round_number in range(rounds):
            await asyncio.sleep(think)
            took, after = await one_way_to_counsellor(child, counsellor, request, after, f"child message {round_number}")
            to_counsellor.append(took)
            await asyncio.sleep(think)
            took, after = await one_way_to_child(child, counsellor, request, f"counsellor message {round_number}")
            to_child.append(took)

    await asyncio.gather(*(talk(*pair) for _, pair in pairs))
    for jar, (child, counsellor, request) in pairs:
        await counsellor.call("POST", f"/console/api/conversations/{request}/end", {"categories": {}, "outcome": "counselled"})
        await child.close()
        await jar.close()
    return {"chats": chats, "messages_each_way": len(to_child),
            "child_to_counsellor_p50_ms": pct(to_counsellor, 50), "child_to_counsellor_p95_ms": pct(to_counsellor, 95),
            "counsellor_to_child_p50_ms": pct(to_child, 50), "counsellor_to_child_p95_ms": pct(to_child, 95)}


async def growth(base: str, console_base: str, messages: int = 310) -> dict:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as jar:
        child, counsellor, request = await live_pair(base, console_base, "bench.long", jar)
        child_ms, counsellor_ms = [], []
        for number in range(messages):
            started = time.perf_counter()
            await child.sio.call("user_uttered", {"message": f"message {number}", "id": str(uuid.uuid4()),
                                                  "metadata": {"language": "en"}})
            child_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            await counsellor.call("POST", f"/console/api/conversations/{request}/messages", {"text": f"reply {number}"})
            counsellor_ms.append((time.perf_counter() - started) * 1000)
        await counsellor.call("POST", f"/console/api/conversations/{request}/end", {"categories": {}, "outcome": "counselled"})
        await child.close()

    def ratio(values: list[float]) -> dict:
        early, late = statistics.median(values[:20]), statistics.median(values[-20:])
        return {"first_20_median_ms": round(early, 2), "last_20_median_ms": round(late, 2), "ratio": round(late / early, 2)}

    return {"messages": messages, "child_message": ratio(child_ms), "counsellor_message": ratio(counsellor_ms)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--think-ms", type=float, default=500)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import make_server  # the same launcher the end-to-end tests use

    server = make_server(Path(tempfile.mkdtemp(prefix="ocsea-relay-")), database_url=args.database_url)
    server.env.update(STAFF_COOKIE_SECURE="false", TRUST_PROXY="true", **({"REDIS_URL": args.redis_url} if args.redis_url else {}))
    url = args.database_url or f"sqlite:///{server.data_dir / 'ocsea.db'}"
    print("starting the service ...", flush=True)
    server.start()
    try:
        for number in range(args.chats):
            add_counsellor(url, f"bench.c{number}")
        add_counsellor(url, "bench.long")
        base, console_base = server.url, f"http://127.0.0.1:{server.console_port}"
        result = {"relay": asyncio.run(relay_latency(base, console_base, args.chats, args.rounds, args.think_ms / 1000)),
                  "growth": asyncio.run(growth(base, console_base)), "cpus": os.cpu_count(),
                  "database": "postgresql" if args.database_url else "sqlite", "redis": bool(args.redis_url)}
        print(json.dumps(result, indent=2))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
