"""Keyed pseudonyms: raw channel user ids never reach Rasa, the database or the logs."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from bot.settings import pseudonym_key


@lru_cache(maxsize=1)
def _key() -> bytes:
    return pseudonym_key()


def pseudonymise(channel: str, raw_id: str) -> str:
    """HMAC-SHA256 of channel and user id, hex: stable per user, useless without the key."""
    message = f"{channel}:{raw_id}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()
