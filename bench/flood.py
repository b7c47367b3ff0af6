"""One flooder must not slow other children: a bystander's latency during a flood, and peak memory.

Starts the service on a temporary SQLite database (or uses --url), then for --seconds:
- a bystander child converses over REST with a short think time, as the baseline and again
  during the flood (its p50/p95 are compared);
- a flooder sends as fast as it can, from one sender (the per-sender limit answers 429 for most)
  and with messages of 60,000 characters (capped at 4,096 before the model);
and prints the bystander's latency both ways, what the flooder got, and the service's peak
resident memory (Rasa server plus action server), sampled every 0.2 s.

    .venv/bin/python bench/flood.py --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from conversations import REST_TOKEN, tree_rss_mb  # noqa: E402

BYSTANDER_SCRIPT = ["hi", "someone is threatening to share my pics", "/affirm", "no im ok", "ok", "ok", "thanks"]


def headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {os.environ.get('REST_TOKEN', REST_TOKEN)}"}


async def bystander(session: aiohttp.ClientSession, url: str, until: float, latencies: list[float]) -> None:
    while time.monotonic() < until:
        sender = f"bystander-{uuid.uuid4().hex[:8]}"
        for message in BYSTANDER_SCRIPT:
            if time.monotonic() >= until:
                return
            started = time.perf_counter()
            async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                                    headers=headers()) as resp:
                await resp.read()
                if resp.status == 200:
                    latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.5)


async def flooder(session: aiohttp.ClientSession, url: str, until: float, codes: Counter, long: bool, sender: str) -> None:
    text = ("please help " * 5000) if long else "spam"
    while time.monotonic() < until:
        async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                headers=headers()) as resp:
            await resp.read()
            codes[resp.status] += 1


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) >= 2 else (values[0] if values else 0.0)


async def run(url: str, seconds: float, flooders: int) -> dict:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await bystander(session, url, time.monotonic() + 8, [])  # warm-up: the first turns after start are slow
        baseline: list[float] = []
        await bystander(session, url, time.monotonic() + seconds, baseline)
        during: list[float] = []
        codes: Counter = Counter()
        flooding_sender = f"flooder-{uuid.uuid4().hex[:8]}"  # one flooder: one sender, many connections
        until = time.monotonic() + seconds
        await asyncio.gather(
            bystander(session, url, until, during),
            *(flooder(session, url, until, codes, n % 2 == 0, flooding_sender) for n in range(flooders)),
        )
    return {"baseline": baseline, "during": during, "codes": codes}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server; default: start one on a temporary SQLite database")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--flooders", type=int, default=4, help="concurrent flooding connections (half send 60,000 characters)")
    args = parser.parse_args()
    server = None
    url = args.url
    peak = [0.0]
    if url is None:
        sys.path.insert(0, str(ROOT / "tests"))
        from conftest import make_server

        server = make_server(Path(tempfile.mkdtemp(prefix="ocsea-flood-")))
        print("starting the service ...", flush=True)
        server.start()
        url = server.url
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], tree_rss_mb(server.proc.pid))
                time.sleep(0.2)

        threading.Thread(target=sample, daemon=True).start()
    try:
        result = asyncio.run(run(url, args.seconds, args.flooders))
    finally:
        if server:
            stop.set()
            server.stop()
    base, during, codes = result["baseline"], result["during"], result["codes"]
    print(f"bystander alone:       {len(base)} turns, p50 {percentile(base, 50):.0f} ms, p95 {percentile(base, 95):.0f} ms")
    print(f"bystander in a flood:  {len(during)} turns, p50 {percentile(during, 50):.0f} ms, p95 {percentile(during, 95):.0f} ms")
    print(f"flooder ({args.flooders} connections): {sum(codes.values())} requests, by status {dict(sorted(codes.items()))}")
    if server:
        print(f"service peak memory:   {peak[0] / 1024:.2f} GB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
