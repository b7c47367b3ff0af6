"""A staff member's browser over plain HTTP (cookie kept, own address for the sign-in limit)."""

from __future__ import annotations

import http.client
import itertools
import urllib.parse

import pyotp

from bot.staff import Role
from bot.staff_web.sessions import COOKIE

PASSWORD = "a long staff password"


class Browser:
    """An HTTP client that keeps the staff cookie, as a browser would (also over plain http here).

    Each comes from its own address (X-Forwarded-For, trusted by this server as behind a proxy),
    so that only the rate-limit test meets the sign-in limit per address."""

    addresses = itertools.count(1)

    def __init__(self, port: int, address: str | None = None) -> None:
        self.port, self.cookie = port, None
        number = next(self.addresses)
        self.address = address or f"10.9.{number // 250}.{number % 250 + 1}"

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        body = urllib.parse.urlencode(form).encode() if form is not None else None
        sent = {**({"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}),
                "X-Forwarded-For": self.address, **(headers or {})}
        if self.cookie:
            sent["Cookie"] = f"{COOKIE}={self.cookie}"
        conn.request(method, path, body=body, headers=sent)
        reply = conn.getresponse()
        text = reply.read().decode(errors="replace")
        for header in reply.headers.get_all("Set-Cookie") or []:
            if header.startswith(f"{COOKIE}="):
                value = header.split(";", 1)[0].split("=", 1)[1]
                self.cookie = value or None
                self.last_cookie_header = header
        return reply.status, reply.headers, text

    def sign_in(self, username: str, password: str = PASSWORD, code: str = "") -> int:
        return self.request("POST", "/staff/sign-in", {"username": username, "password": password, "code": code})[0]

    def csrf(self) -> str:
        import json

        return json.loads(self.request("GET", "/staff/api/session")[2])["csrf"]


def signed_in(server, secrets, role: Role) -> Browser:
    browser = Browser(server.console_port)
    code = pyotp.TOTP(pyotp.parse_uri(secrets[role]).secret).now() if secrets[role] else ""
    assert browser.sign_in(f"user.{role.value}", code=code) == 303
    return browser
