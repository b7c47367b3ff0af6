"""The public port under odd and hostile input: limits, headers, the REST token, rates.

Through the real service (the session's live server), plus the rate limiter on its own.
"""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request
import uuid

import pytest

from bot.ratelimit import RateLimiter
from tests.conftest import REST_TOKEN, LiveServer


def fetch(server: LiveServer, path: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(f"{server.url}{path}", data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def rest(server: LiveServer, body: bytes, token: str | None = REST_TOKEN, kind: str = "application/json") -> tuple[int, bytes]:
    headers = {"Content-Type": kind}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    status, _, answer = fetch(server, "/webhooks/rest/webhook", body, headers)
    return status, answer


@pytest.mark.parametrize("path", ["/", "/static/chat.js", "/static/chat.css", "/ui-strings.js", "/health"])
def test_security_headers_on_every_response(live_server: LiveServer, path: str) -> None:
    status, headers, _ = fetch(live_server, path)
    assert status == 200
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "connect-src 'self';" in headers["Content-Security-Policy"] and "ws:" not in headers["Content-Security-Policy"]


def test_static_files_are_cached_and_compressed(live_server: LiveServer) -> None:
    status, headers, body = fetch(live_server, "/static/chat.js", headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip" and "max-age=3600" in headers["Cache-Control"]
    assert b"function" in gzip.decompress(body)
    status, headers, body = fetch(live_server, "/static/chat.js")
    assert "Content-Encoding" not in headers and b"function" in body


@pytest.mark.parametrize("path", ["/static/", "/static", "/static/../bot/settings.py", "/static/nope.js", "/nothing-here"])
def test_paths_that_are_not_files_are_404_not_500(live_server: LiveServer, path: str) -> None:
    assert fetch(live_server, path)[0] == 404


def test_rest_needs_the_token_and_json(live_server: LiveServer) -> None:
    body = json.dumps({"sender": "t", "message": "hi"}).encode()
    assert rest(live_server, body, token=None)[0] == 401
    assert rest(live_server, body, token="wrong-token-wrong-token")[0] == 401
    assert rest(live_server, body, kind="text/plain")[0] == 415  # a cross-origin "simple" post
    assert rest(live_server, b"sender=t&message=hi", kind="application/x-www-form-urlencoded")[0] == 415
    status, answer = rest(live_server, body)
    assert status == 200 and all("recipient_id" not in m for m in json.loads(answer))


def test_hostile_bodies_get_a_clean_answer(live_server: LiveServer) -> None:
    deep = ("[" * 1000 + "]" * 1000).encode()
    assert rest(live_server, b'{"sender": "d", "message": ' + deep + b"}")[0] == 400
    assert rest(live_server, b"x" * (70 * 1024))[0] == 413
    # A lone surrogate (valid JSON, not storable text): answered, and urgent words still count.
    status, answer = rest(live_server, b'{"sender": "surrogate-1", "message": "i want to kill myself \\ud800"}')
    assert status == 200 and "112" in json.loads(answer)[0]["text"]


def test_a_long_message_is_cut_and_acknowledged(live_server: LiveServer) -> None:
    body = json.dumps({"sender": f"long-{uuid.uuid4().hex[:6]}", "message": "help me please " * 4000}).encode()
    status, answer = rest(live_server, body)
    replies = json.loads(answer)
    assert status == 200 and replies[0]["text"].startswith("Your message was very long")


def test_a_flooding_sender_is_slowed_but_urgent_words_still_get_the_numbers(live_server: LiveServer) -> None:
    sender = f"flood-{uuid.uuid4().hex[:6]}"
    codes = [rest(live_server, json.dumps({"sender": sender, "message": f"spam {n}"}).encode())[0] for n in range(40)]
    assert codes.count(429) >= 10 and codes[0] == 200
    status, answer = rest(live_server, json.dumps({"sender": sender, "message": "i want to die"}).encode())
    assert status == 200 and "112" in json.loads(answer)[0]["text"]
    other = json.dumps({"sender": f"calm-{uuid.uuid4().hex[:6]}", "message": "hi"}).encode()
    assert rest(live_server, other)[0] == 200  # another child is not slowed


def test_rate_limiter_buckets() -> None:
    limiter = RateLimiter(rate=1.0, burst=3, max_keys=2)
    assert [limiter.allow("a", now=0.0) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("a", now=1.0) and not limiter.allow("a", now=1.0)
    limiter.allow("b", now=1.0)
    limiter.allow("c", now=1.0)  # "a" is the least recently seen: forgotten, memory stays bounded
    assert set(limiter._buckets) == {"b", "c"}


def test_a_clean_start_prints_the_addresses_and_what_is_on(live_server: LiveServer) -> None:
    log = live_server.logs()
    assert "Warning" not in log  # no third-party deprecation notices around the one line a new user needs
    banner = log[log.index("Helper is ready."):]
    assert f"http://localhost:{live_server.port}/" in banner and "REST:       on" in banner and "Telegram:   off" in banner
