"""Web chat sessions: server-issued, signed, bound to one socket, kept in memory (no text)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

MAX_SESSIONS = 5_000  # sessions remembered in memory (least recently used go first)
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


# --- sessions --------------------------------------------------------------------------------
def signing_key() -> bytes:
    from bot.settings import pseudonym_key

    return hmac.new(pseudonym_key(), b"webchat-session-signing-key", hashlib.sha256).digest()


def sign_session(session_id: str, key: bytes | None = None) -> str:
    """The signature that lets a page resume its session (hex HMAC-SHA256)."""
    return hmac.new(key or signing_key(), b"webchat-session:" + session_id.encode(), hashlib.sha256).hexdigest()


def presented_session(data: Any, key: bytes) -> str | None:
    """The session id a page presented, if it is well formed and its signature verifies."""
    if not isinstance(data, dict):
        return None
    session_id, signature = data.get("session_id"), data.get("signature")
    if not (isinstance(session_id, str) and isinstance(signature, str)):
        return None
    if not (_SESSION_ID.fullmatch(session_id) and _SIGNATURE.fullmatch(signature)):
        return None
    return session_id if hmac.compare_digest(sign_session(session_id, key), signature) else None


@dataclass
class SessionState:
    """What the server keeps in memory about one live session (nothing the child wrote)."""

    owner: str | None = None  # the socket bound to it
    seen: OrderedDict[str, None] = field(default_factory=OrderedDict)  # recent message ids
    replies: OrderedDict[str, list[dict[str, Any]]] = field(default_factory=OrderedDict)  # by message id
    running: dict[str, asyncio.Future] = field(default_factory=dict)  # turns in progress, by message id


class Sessions:
    """Sessions by conversation id, least recently used forgotten first; ended ones stay refused."""

    def __init__(self, limit: int = MAX_SESSIONS) -> None:
        self.limit = limit
        self.states: OrderedDict[str, SessionState] = OrderedDict()
        self.ended: OrderedDict[str, None] = OrderedDict()

    def get(self, conversation: str) -> SessionState:
        state = self.states.pop(conversation, None) or SessionState()
        self.states[conversation] = state
        while len(self.states) > self.limit:
            self.states.popitem(last=False)
        return state

    def end(self, conversation: str) -> SessionState | None:
        """Mark the session ended; None if it already was (so it ends once)."""
        if conversation in self.ended:
            return None
        self.ended[conversation] = None
        while len(self.ended) > self.limit:
            self.ended.popitem(last=False)
        return self.states.pop(conversation, None) or SessionState()


def allowed_origins(raw: str | None) -> frozenset[str]:
    """WEBCHAT_ORIGINS: comma-separated origins (scheme://host[:port]) allowed besides the site's own."""
    return frozenset(o.strip().rstrip("/").lower() for o in (raw or "").split(",") if o.strip())


def origin_allowed(origin: str | None, host: str | None, extra: frozenset[str]) -> bool:
    """The request's own origin (http or https with its Host), or one listed in WEBCHAT_ORIGINS."""
    if not origin:
        return True  # not a browser: nothing to protect from another site
    origin = origin.strip().rstrip("/").lower()
    if origin in extra:
        return True
    host = (host or "").split(",")[0].strip().lower()
    return bool(host) and origin in (f"http://{host}", f"https://{host}")
