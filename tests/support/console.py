"""A counsellor's side of the console JSON API (bot.staff_web.console_api), over real HTTP."""

from __future__ import annotations

import http.client
import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bot import staff
from bot.staff import Role
from bot.staff_web.sessions import COOKIE

PASSWORD = "a long staff password"
_addresses = itertools.count(1)


class Console:
    """Keeps the session cookie and CSRF token, like the console page does."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.host, self.port = host, port
        self.cookie: str | None = None
        self.csrf = ""
        number = next(_addresses)
        self.address = f"10.77.{number // 250}.{number % 250 + 1}"  # its own address for the sign-in limit

    def call(self, method: str, path: str, body: Any = None, timeout: float = 40) -> tuple[int, Any]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        headers = {"X-Forwarded-For": self.address}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if method in ("POST", "DELETE"):
            headers["X-CSRF-Token"] = self.csrf
        if self.cookie:
            headers["Cookie"] = f"{COOKIE}={self.cookie}"
        conn.request(method, path, body=data, headers=headers)
        reply = conn.getresponse()
        raw = reply.read()
        for header in reply.headers.get_all("Set-Cookie") or []:
            if header.startswith(f"{COOKIE}="):
                self.cookie = header.split(";", 1)[0].split("=", 1)[1] or None
        try:
            return reply.status, json.loads(raw) if raw else None
        except ValueError:
            return reply.status, raw.decode(errors="replace")

    def sign_in(self, username: str, password: str = PASSWORD, totp: str | None = None) -> int:
        status, body = self.call("POST", "/console/api/session", {"username": username, "password": password,
                                                                  **({"totp": totp} if totp else {})})
        if status == 200:
            self.csrf = body["csrf_token"]
        return status

    def available(self, max_chats: int = 2) -> None:
        status, _ = self.call("POST", "/console/api/availability", {"available": True, "max_chats": max_chats})
        assert status == 200

    def queue(self) -> dict:
        status, body = self.call("GET", "/console/api/queue")
        assert status == 200, body
        return body

    def take(self, request_id: int) -> int:
        return self.call("POST", f"/console/api/conversations/{request_id}/take")[0]

    def messages(self, request_id: int, after: int = 0, wait: float = 0) -> dict:
        status, body = self.call("GET", f"/console/api/conversations/{request_id}/messages?after={after}&wait={wait}")
        assert status == 200, body
        return body

    def send(self, request_id: int, text: str) -> int:
        status, body = self.call("POST", f"/console/api/conversations/{request_id}/messages", {"text": text})
        assert status == 200, body
        return body["seq"]

    def end(self, request_id: int, categories: dict, outcome: str = "counselled", **attributes: str) -> tuple[int, Any]:
        return self.call("POST", f"/console/api/conversations/{request_id}/end",
                         {"categories": categories, "attributes": attributes, "outcome": outcome})

    def wait_for(self, request_id: int, predicate: Any, after: int = 0, rounds: int = 6) -> list[dict]:
        """Long-poll until a message satisfying `predicate` arrives; all messages seen so far."""
        seen: list[dict] = []
        for _ in range(rounds):
            body = self.messages(request_id, after, wait=10)
            seen += body["messages"]
            if any(predicate(m) for m in seen) or body["status"] not in ("live", "waiting"):
                return seen
            after = max([after, *(m["seq"] for m in body["messages"])])
        return seen


def add_counsellor(url: str, username: str, role: Role = Role.COUNSELLOR, display_name: str | None = None) -> str | None:
    """A staff account straight in the database (as `python -m bot staff add` makes it)."""
    return staff.add(username, role, PASSWORD, url=url, display_name=display_name)


@contextmanager
def on_duty(url: str, username: str = "on.duty") -> Iterator[None]:
    """A counsellor signed in and available now (straight in the database), so that the bot queues
    children who ask for a person or are at urgent risk (it never queues a child for nobody)."""
    from bot.handoff.presence import set_presence
    from bot.staff_web.sessions import start

    if username not in {account.username for account in staff.list_accounts(url)}:
        staff.add(username, Role.COUNSELLOR, PASSWORD, url=url)
    set_presence(username, True, 10, url=url)
    start(username, Role.COUNSELLOR, url=url)  # seen just now
    try:
        yield
    finally:  # other tests on the same server expect nobody on duty
        off_duty(url)


def off_duty(url: str) -> None:
    """Every counsellor away: the bot must not queue anyone."""
    from sqlalchemy import update

    from bot.database import with_retry
    from bot.tables import staff_presence

    with_retry(lambda conn: conn.execute(update(staff_presence).values(available=False)), url)
