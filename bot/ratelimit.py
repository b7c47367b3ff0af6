"""Message rates per sender and per client address: one flooder must not slow other children.

Token buckets, kept for the most recently seen keys only (memory stays bounded however many
senders a flood invents). A message over the limit is not handed to Rasa, so it costs almost
nothing; a channel answers it kindly, and an urgent one still gets the numbers (failsafe).
The client address is the TCP peer, or the first X-Forwarded-For hop when TRUST_PROXY is set
(behind a reverse proxy, every peer is the proxy).
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

MAX_KEYS = 50_000


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """`allow(key)` spends one token; tokens come back at `rate` a second, up to `burst`."""

    def __init__(self, rate: float, burst: int, max_keys: int = MAX_KEYS) -> None:
        self.rate, self.burst, self.max_keys = rate, burst, max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        bucket = self._buckets.pop(key, None) or _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        allowed = bucket.tokens >= 1
        if allowed:
            bucket.tokens -= 1
        self._buckets[key] = bucket
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return allowed


def _env(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


# A child types a message every few seconds; a burst is a child pressing buttons or retrying.
PER_SENDER = (_env("RATE_PER_SENDER", 2.0), int(_env("RATE_PER_SENDER_BURST", 20)))
PER_ADDRESS = (_env("RATE_PER_ADDRESS", 20.0), int(_env("RATE_PER_ADDRESS_BURST", 60)))
TRUST_PROXY = os.environ.get("TRUST_PROXY", "").lower() in ("1", "true", "yes")


def client_address(request: Any) -> str:
    if TRUST_PROXY:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.ip or "unknown"


class MessageLimits:
    """The pair of limits a channel checks before a message reaches Rasa."""

    def __init__(self) -> None:
        self.senders = RateLimiter(*PER_SENDER)
        self.addresses = RateLimiter(*PER_ADDRESS)

    def allow(self, sender: str, address: str | None) -> bool:
        """`address` None: an authenticated integration relaying many children (REST): per sender only."""
        return (address is None or self.addresses.allow(address)) and self.senders.allow(sender)
