"""Drive N concurrent simulated conversations through the REST webhook; print latency and memory.

    python bench/conversations.py                      # starts its own server on SQLite
    python bench/conversations.py --url http://127.0.0.1:5005 --concurrency 20 --rounds 3

Each simulated child runs a whole conversation (welcome, age, country, a sextortion flow with
the feelings check, a digression, an urgent message, talk to a person). `--think-ms` adds a
seeded random pause before each message (0.5x to 1.5x the mean), as a child reading and typing;
0 sends back to back, which measures saturation throughput. Prints per-turn p50/p95/p99
latency, turns per second and, for a server it started, the resident memory of the whole service
(Rasa server plus action server). Targets on a 2-core machine: p95 <= 150 ms at 20 concurrent
conversations, memory <= 2 GB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.buttons import BUTTON_PAYLOADS  # noqa: E402

# The token the benchmark's own server is started with (tests/conftest.make_server); for --url,
# set REST_TOKEN to the server's.
REST_TOKEN = "test-rest-token-not-secret-0123456789"

SCRIPT = [
    "/greet",
    BUTTON_PAYLOADS["age_13_15"],
    BUTTON_PAYLOADS["country_KE"],
    "someone says he will share my nudes unless i pay him",
    BUTTON_PAYLOADS["next"],
    "not good im scared",
    "ok",
    "ok",
    "is it grooming if an older guy tells me to keep secrets",
    BUTTON_PAYLOADS["resume"],
    "ok",
    "i want to kill myself",
    "can i talk to a real person",
    "thanks bye",
]


async def converse(
    session: aiohttp.ClientSession, url: str, latencies: list[float], errors: list[str], think_ms: float, rng: random.Random
) -> None:
    sender = f"bench-{uuid.uuid4().hex}"
    for message in SCRIPT:
        if think_ms:  # a child reads the answer and types: 0.5x to 1.5x the mean think time
            await asyncio.sleep(rng.uniform(0.5, 1.5) * think_ms / 1000)
        start = time.perf_counter()
        try:
            async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                                    headers={"Authorization": f"Bearer {os.environ.get('REST_TOKEN', REST_TOKEN)}"}) as resp:
                body = await resp.json()
                if resp.status != 200 or not body:
                    errors.append(f"status {resp.status}" if resp.status != 200 else "no reply")
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            errors.append(type(exc).__name__)
        latencies.append((time.perf_counter() - start) * 1000)


async def run(url: str, concurrency: int, rounds: int, think_ms: float = 0, seed: int = 7) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        rng = random.Random(seed)
        await converse(session, url, [], [], 0, rng)  # warm-up, not counted
        start = time.perf_counter()
        for _ in range(rounds):
            await asyncio.gather(*(converse(session, url, latencies, errors, think_ms, rng) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    return {
        "conversations": concurrency * rounds,
        "think_ms": think_ms,
        "concurrency": concurrency,
        "turns": len(latencies),
        "errors": len(errors),
        "error_kinds": dict(Counter(errors)),  # "no reply", "status 429", "ServerDisconnectedError" ...
        "p50_ms": round(pct(50), 1),
        "p95_ms": round(pct(95), 1),
        "p99_ms": round(pct(99), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "turns_per_s": round(len(latencies) / elapsed, 1),
    }


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
        stack.extend(children.get(current, []))
    return round(total / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server; default: start one on a temporary SQLite database")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--think-ms", type=float, default=0, help="mean pause before each message (0: back to back)")
    args = parser.parse_args()

    proc = None
    url = args.url
    if url is None:
        sys.path.insert(0, str(ROOT / "tests"))
        from conftest import make_server  # the same launcher the end-to-end tests use

        server = make_server(Path(tempfile.mkdtemp(prefix="ocsea-bench-")))
        print("starting the service ...", flush=True)
        server.start()
        proc, url = server, server.url
    try:
        result = asyncio.run(run(url, args.concurrency, args.rounds, args.think_ms))
        if proc is not None:
            result["service_rss_mb"] = tree_rss_mb(proc.proc.pid)
        result["cpus"] = os.cpu_count()
        print(json.dumps(result, indent=2))
    finally:
        if proc is not None:
            proc.stop()


if __name__ == "__main__":
    main()
