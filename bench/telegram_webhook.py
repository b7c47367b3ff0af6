"""Updates per second through the Telegram webhook path, against the local fake Bot API.

    python bench/telegram_webhook.py                       # 100 chats x 10 updates, 20 at a time
    python bench/telegram_webhook.py --chats 200 --per-chat 10 --concurrency 40

Starts the service in webhook mode on a temporary SQLite database (or `--database-url`), with python-telegram-bot
talking to tests/fake_telegram.py, then posts updates as Telegram would (with the secret
header). It reports two things:

- acknowledgement: how fast updates are stored and answered 200 (what Telegram waits for);
- end to end: how fast they are handled by Rasa and every reply is sent, which Telegram's own
  limits cap (about 30 messages a second for the whole bot, one a second per chat).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.conversations import tree_rss_mb  # noqa: E402
from tests.conftest import make_server  # noqa: E402
from tests.fake_telegram import FakeTelegram, message_update, sticker_update  # noqa: E402
from tests.test_telegram import SECRET, telegram_env  # noqa: E402

MESSAGES = [
    "hi", "someone says he will share my nudes unless i pay him", "not good im scared", "ok",
    "is it grooming if an older guy tells me to keep secrets", None, "what is a helpline", "can i talk to a real person",
    "i want to kill myself", "thanks bye",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)


async def post_all(url: str, updates: list[dict], concurrency: int) -> tuple[list[float], int, float]:
    """Post every update (chats interleaved, each chat's in order); ack latencies in ms."""
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue = asyncio.Queue()
    for update in updates:
        queue.put_nowait(update)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}

    async def sender(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while not queue.empty():
            update = queue.get_nowait()
            start = time.perf_counter()
            async with session.post(f"{url}/webhooks/telegram/webhook", json=update, headers=headers) as resp:
                await resp.read()
                errors += resp.status != 200
            latencies.append((time.perf_counter() - start) * 1000)

    start = time.perf_counter()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        await asyncio.gather(*(sender(session) for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--per-chat", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=20, help="webhook requests in flight (Telegram uses up to 40)")
    parser.add_argument("--database-url", help="an empty database to use (default: a temporary SQLite file)")
    args = parser.parse_args()

    fake = FakeTelegram().start()
    server = make_server(Path(tempfile.mkdtemp(prefix="ocsea-bench-telegram-")), database_url=args.database_url)
    server.env.update(telegram_env(fake))
    print("starting the service ...", flush=True)
    server.start()
    from bot.channels.telegram.store import TelegramStore

    store = TelegramStore(args.database_url or f"sqlite:///{server.data_dir / 'ocsea.db'}")
    try:
        fake.wait_for(lambda: fake.webhook.get("url"), 60, "setWebhook")
        chats = [9_100_000_000 + n for n in range(args.chats)]
        script = list(itertools.islice(itertools.cycle(MESSAGES), args.per_chat))
        per_chat = [[message_update(chat, text) if text else sticker_update(chat) for text in script] for chat in chats]
        updates = [u for round_ in zip(*per_chat, strict=True) for u in round_]  # interleaved, like many children at once
        start = time.perf_counter()
        latencies, errors, ack_seconds = asyncio.run(post_all(server.url, updates, args.concurrency))
        counts = store.counts()
        while counts["pending_updates"] or counts["telegram_outbox"]:
            time.sleep(0.2)
            counts = store.counts()
        total = time.perf_counter() - start
        sends = fake.calls_to("sendMessage")
        window = max(
            sum(1 for c in sends if s.at <= c.at < s.at + 1.0) for s in sends
        ) if sends else 0
        per_chat_gap = min(
            (b.at - a.at for chat in chats for a, b in itertools.pairwise(fake.calls_to("sendMessage", chat))), default=0
        )
        result = {
            "updates": len(updates), "chats": args.chats, "concurrency": args.concurrency, "errors": errors,
            "ack_p50_ms": percentile(latencies, 50), "ack_p95_ms": percentile(latencies, 95), "ack_p99_ms": percentile(latencies, 99),
            "acks_per_s": round(len(updates) / ack_seconds, 1),
            "handled_and_answered_per_s": round(len(updates) / total, 1),
            "replies_sent": len(sends), "replies_per_s": round(len(sends) / total, 1),
            "max_replies_in_any_second": window, "min_gap_in_one_chat_s": round(per_chat_gap, 2),
            "service_rss_mb": tree_rss_mb(server.proc.pid), "cpus": os.cpu_count(),
        }
        print(json.dumps(result, indent=2))
    finally:
        server.stop()
        fake.stop()


if __name__ == "__main__":
    main()
