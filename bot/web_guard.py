"""HTTP-level protections for the one public port: bounded requests, headers, static files.

- Bodies are capped at what a chat message needs (REQUEST_MAX_SIZE); a client that is slow to
  send its headers or body is dropped after REQUEST_TIMEOUT, idle keep-alives after a few
  seconds, and at most MAX_CONNECTIONS connections are open at once: 1,000 slow connections
  once held 18,551 of 20,000 file handles.
- Every response carries the security headers (the page's CSP allows connections to its own
  origin only, no framing, no powerful features), static files included; static files are
  cached for an hour and sent gzip-compressed when the browser accepts it.
- A path that is not a file (`GET /static/`) is a 404, never a 500.
"""

from __future__ import annotations

import gzip
import os
from typing import Any

from sanic import Sanic, response
from sanic.exceptions import NotFound
from sanic.server.protocols.websocket_protocol import WebSocketProtocol

REQUEST_MAX_SIZE = 64 * 1024
REQUEST_TIMEOUT = 10
KEEP_ALIVE_TIMEOUT = 5
MAX_CONNECTIONS = int(os.environ.get("MAX_CONNECTIONS", "1000"))
STATIC_MAX_AGE = 3600
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
CSP = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'none'; media-src 'none'; object-src 'none'; frame-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class CappedProtocol(WebSocketProtocol):
    """Sanic's protocol (HTTP and websockets), refusing connections beyond MAX_CONNECTIONS."""

    __slots__ = ("_counted",)  # Sanic's protocols are slotted
    open_connections = 0

    def connection_made(self, transport: Any) -> None:
        self._counted = False
        if CappedProtocol.open_connections >= MAX_CONNECTIONS:
            transport.abort()
            return
        CappedProtocol.open_connections += 1
        self._counted = True
        super().connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._counted:
            CappedProtocol.open_connections -= 1
            self._counted = False
        super().connection_lost(exc)


def _add_headers(request: Any, resp: Any, headers: dict[str, str] = SECURITY_HEADERS) -> Any:
    for name, value in headers.items():
        resp.headers.setdefault(name, value)
    if request.path.startswith("/static/") and resp.status == 200:
        resp.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}"
        _gzip(request, resp)
    return resp


def _gzip(request: Any, resp: Any) -> None:
    body = getattr(resp, "body", None)
    kind = resp.headers.get("content-type", resp.content_type or "")
    if (not body or len(body) < 1024 or "gzip" not in request.headers.get("accept-encoding", "")
            or "content-encoding" in resp.headers or not kind.startswith(COMPRESSIBLE)):
        return
    resp.body = gzip.compress(body, compresslevel=6, mtime=0)
    resp.headers["Content-Encoding"] = "gzip"
    resp.headers["Vary"] = "Accept-Encoding"
    resp.headers["Content-Length"] = str(len(resp.body))


def install(app: Sanic, csp: str = CSP) -> None:
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_SIZE
    app.config.REQUEST_TIMEOUT = REQUEST_TIMEOUT
    app.config.KEEP_ALIVE_TIMEOUT = KEEP_ALIVE_TIMEOUT
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": csp}

    async def add_headers(request: Any, resp: Any) -> Any:
        return _add_headers(request, resp, headers)

    app.register_middleware(add_headers, "response")

    @app.exception(IsADirectoryError, FileNotFoundError, NotFound)
    async def not_found(_request, _exc):  # noqa: ANN001, ANN202
        return response.json({"error": "not found"}, status=404)
