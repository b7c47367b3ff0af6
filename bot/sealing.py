"""Encryption at rest for the few secrets the database must hold (Telegram chat ids and pending
updates, staff second-factor secrets): Fernet, under a key derived from PSEUDONYM_KEY for
each purpose, so one purpose's key opens nothing else."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet

from bot.settings import pseudonym_key


@lru_cache(maxsize=8)
def fernet(purpose: bytes) -> Fernet:
    derived = hmac.new(pseudonym_key(), purpose, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))
