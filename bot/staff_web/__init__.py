"""Staff pages under /staff: sign-in, sign-out, the home page, the queue (counsellor and
supervisor) and the audit log (admin).

Deny by default: the only staff routes are the rows of ROUTES, each naming the roles that may
use it (PUBLIC for the sign-in page); `guard` enforces them in one place, with the CSRF check on
every state change. A person with no session is sent to the sign-in page (pages) or gets 401
(anything else); a role not in the row gets 403. The counsellor console builds on this.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from functools import wraps
from typing import Any

from sanic import Blueprint, response

from bot.handoff_queue import waiting
from bot.ratelimit import RateLimiter, client_address
from bot.settings import Settings
from bot.staff import Role, audit_entries, authenticate, record
from bot.staff_web import pages
from bot.staff_web.sessions import COOKIE, StaffSession, end, find, start

PUBLIC: frozenset[Role] = frozenset()
EVERY_ROLE: frozenset[Role] = frozenset(Role)
COUNSELLING = frozenset({Role.COUNSELLOR, Role.SUPERVISOR})
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Sign-in attempts per client address: a burst of 10, then one every 6 seconds (lockout per
# account is in bot.staff).
SIGN_IN_LIMIT = RateLimiter(rate=1 / 6, burst=10)

Handler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    roles: frozenset[Role]  # PUBLIC: anyone, signed in or not
    page: bool = True  # a page sends a signed-out person to sign in; anything else answers 401


def _cookie_value(request: Any) -> str | None:
    return request.cookies.get(COOKIE)


def guard(route: Route, settings: Settings) -> Handler:
    """The route's handler behind the session, role and CSRF checks."""
    @wraps(route.handler)
    async def guarded(request: Any) -> Any:
        if not route.roles:  # PUBLIC
            return await route.handler(request, None, settings)
        session = await asyncio.to_thread(find, _cookie_value(request), settings)
        if session is None:
            if route.page and route.method == "GET":
                return response.redirect("/staff/sign-in", status=303)
            return response.json({"error": "sign in first"}, status=401)
        if session.role not in route.roles:
            return response.json({"error": "not for your role"}, status=403) if not route.page else response.html(
                pages.forbidden(), status=403)
        if route.method in STATE_CHANGING:
            sent = request.headers.get("x-csrf-token") or (request.form.get("csrf") if request.form else None)
            if not hmac.compare_digest(str(sent or "").encode(), session.csrf.encode()):
                return response.text("This form is out of date: go back, reload the page and try again.", status=403)
        return await route.handler(request, session, settings)

    return guarded


# --- handlers -----------------------------------------------------------------------------------
async def sign_in_page(request: Any, _: StaffSession | None, settings: Settings) -> Any:
    return response.html(pages.sign_in())


async def sign_in(request: Any, _: StaffSession | None, settings: Settings) -> Any:
    if not SIGN_IN_LIMIT.allow(client_address(request)):
        return response.html(pages.sign_in("Too many attempts. Wait a minute, then try again."), status=429)
    form = request.form or {}
    username, password, code = (form.get(name) or "" for name in ("username", "password", "code"))
    role = await asyncio.to_thread(authenticate, username.strip().lower()[:64], password[:1024], code.strip()[:12] or None)
    if role is None:  # one answer, whatever was wrong
        return response.html(pages.sign_in("That did not work. Check your username, password and code."), status=401)
    token, _session = await asyncio.to_thread(start, username.strip().lower(), role)
    reply = response.redirect("/staff/", status=303)
    reply.cookies[COOKIE] = token  # Sanic 21.12's cookie API
    cookie = reply.cookies[COOKIE]
    cookie["path"], cookie["httponly"], cookie["samesite"] = "/staff", True, "Strict"
    cookie["max-age"] = settings.staff_shift_hours * 3600
    if settings.staff_cookie_secure:
        cookie["secure"] = True
    return reply


async def sign_out(request: Any, session: StaffSession, settings: Settings) -> Any:
    await asyncio.to_thread(end, _cookie_value(request) or "")
    await asyncio.to_thread(record, session.username, "sign_out")
    reply = response.redirect("/staff/sign-in", status=303)
    del reply.cookies[COOKIE]  # sends it back empty with max-age 0
    reply.cookies[COOKIE]["path"] = "/staff"
    return reply


async def home(request: Any, session: StaffSession, settings: Settings) -> Any:
    return response.html(pages.home(session))


async def whoami(request: Any, session: StaffSession, settings: Settings) -> Any:
    return response.json({"username": session.username, "role": session.role.value, "csrf": session.csrf},
                         headers={"Cache-Control": "no-store"})


async def audit_log(request: Any, session: StaffSession, settings: Settings) -> Any:
    entries = await asyncio.to_thread(audit_entries, None, 200)
    return response.html(pages.audit(session, entries))


async def queue_page(request: Any, session: StaffSession, settings: Settings) -> Any:
    return response.html(pages.queue(session, await asyncio.to_thread(waiting)), headers={"Cache-Control": "no-store"})


async def queue_api(request: Any, session: StaffSession, settings: Settings) -> Any:
    entries = [asdict(entry) for entry in await asyncio.to_thread(waiting)]
    return response.json({"waiting": entries}, headers={"Cache-Control": "no-store"})


ROUTES: tuple[Route, ...] = (
    Route("GET", "/staff/sign-in", sign_in_page, PUBLIC),
    Route("POST", "/staff/sign-in", sign_in, PUBLIC),
    Route("POST", "/staff/sign-out", sign_out, EVERY_ROLE),
    Route("GET", "/staff/", home, EVERY_ROLE),
    Route("GET", "/staff/api/session", whoami, EVERY_ROLE, page=False),
    Route("GET", "/staff/audit", audit_log, frozenset({Role.ADMIN})),
    Route("GET", "/staff/queue", queue_page, COUNSELLING),
    Route("GET", "/staff/api/queue", queue_api, COUNSELLING, page=False),
)


def staff_blueprint(settings: Settings) -> Any:
    bp = Blueprint("staff")
    for number, route in enumerate(ROUTES):
        bp.add_route(guard(route, settings), route.path, methods=[route.method], name=f"staff_{number}")
    return bp
