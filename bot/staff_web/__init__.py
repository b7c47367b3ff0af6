"""The staff side, on its own port (CONSOLE_PORT): sign-in, sign-out, the home page, the audit
log (admin), the statistics page and exports (bot.staff_web.review_api), the counsellor console
page and its JSON API under /console/api (bot.staff_web.console_api).

Deny by default: the only staff routes are the rows of ROUTES, each naming the roles that may
use it (PUBLIC for the sign-in page); `guard` enforces them in one place, with the CSRF check on
every state change. A person with no session is sent to the sign-in page (pages) or gets 401
(anything else); a role not in the row gets 403. The counsellor console builds on this.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any

from sanic import Blueprint, response

from bot.ratelimit import RateLimiter, client_address
from bot.settings import Settings
from bot.staff import AUDIT_FILTERS, Role, audit_entries, authenticate, record
from bot.staff_web import console_api, pages, review_api
from bot.staff_web.sessions import COOKIE, StaffSession, end, find, start

PUBLIC: frozenset[Role] = frozenset()
EVERY_ROLE: frozenset[Role] = frozenset(Role)
COUNSELLING = frozenset({Role.COUNSELLOR, Role.SUPERVISOR})
REVIEWING = frozenset({Role.SUPERVISOR, Role.DATA_OFFICER})
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
    async def guarded(request: Any, **params: Any) -> Any:
        if not route.roles:  # PUBLIC
            return await route.handler(request, None, settings, **params)
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
        return await route.handler(request, session, settings, **params)

    return guarded


# --- handlers -----------------------------------------------------------------------------------
async def sign_in_page(request: Any, _: StaffSession | None, settings: Settings) -> Any:
    return response.html(pages.sign_in())


async def _signed_in(request: Any, username: object, password: object, code: object) -> tuple[str, Role] | str | None:
    """(cookie value, role) for good credentials; None for bad ones (one answer, whatever was wrong);
    "limited" when this address tried too often."""
    if not SIGN_IN_LIMIT.allow(client_address(request)):
        return "limited"
    username, password, code = (value if isinstance(value, str) else "" for value in (username, password, code))
    name = username.strip().lower()[:64]
    role = await asyncio.to_thread(authenticate, name, password[:1024], code.strip()[:12] or None)
    if role is None:
        return None
    token, _session = await asyncio.to_thread(start, name, role)
    return token, role


def _set_cookie(reply: Any, token: str, settings: Settings) -> Any:
    reply.cookies[COOKIE] = token  # Sanic 21.12's cookie API
    cookie = reply.cookies[COOKIE]
    cookie["path"], cookie["httponly"], cookie["samesite"] = "/", True, "Strict"  # the whole port is staff-only
    cookie["max-age"] = settings.staff_shift_hours * 3600
    if settings.staff_cookie_secure:
        cookie["secure"] = True
    return reply


def _clear_cookie(reply: Any) -> Any:
    del reply.cookies[COOKIE]  # sends it back empty with max-age 0
    reply.cookies[COOKIE]["path"] = "/"
    return reply


async def sign_in(request: Any, _: StaffSession | None, settings: Settings) -> Any:
    form = request.form or {}
    result = await _signed_in(request, form.get("username"), form.get("password"), form.get("code"))
    if result == "limited":
        return response.html(pages.sign_in("Too many attempts. Wait a minute, then try again."), status=429)
    if result is None:
        return response.html(pages.sign_in("That did not work. Check your username, password and code."), status=401)
    token, role = result
    return _set_cookie(response.redirect("/console/" if role in COUNSELLING else "/staff/", status=303), token, settings)


async def api_sign_in(request: Any, _: StaffSession | None, settings: Settings) -> Any:
    body = console_api._body(request)
    result = await _signed_in(request, body.get("username"), body.get("password"), body.get("totp"))
    if result == "limited":
        return response.json({"error": "Too many attempts. Wait a minute, then try again."}, status=429)
    if result is None:
        return response.json({"error": "That did not work. Check your username, password and code."}, status=401)
    token, role = result
    session = await asyncio.to_thread(find, token, settings)
    return _set_cookie(response.json({"csrf_token": session.csrf if session else "", "role": role.value}), token, settings)


async def api_sign_out(request: Any, session: StaffSession, settings: Settings) -> Any:
    await asyncio.to_thread(end, _cookie_value(request) or "")
    await asyncio.to_thread(record, session.username, "sign_out")
    return _clear_cookie(response.json({"signed_out": True}))


async def sign_out(request: Any, session: StaffSession, settings: Settings) -> Any:
    await asyncio.to_thread(end, _cookie_value(request) or "")
    await asyncio.to_thread(record, session.username, "sign_out")
    return _clear_cookie(response.redirect("/staff/sign-in", status=303))


async def home(request: Any, session: StaffSession, settings: Settings) -> Any:
    return response.html(pages.home(session))


async def whoami(request: Any, session: StaffSession, settings: Settings) -> Any:
    return response.json({"username": session.username, "role": session.role.value, "csrf": session.csrf},
                         headers={"Cache-Control": "no-store"})


async def audit_log(request: Any, session: StaffSession, settings: Settings) -> Any:
    chosen = {name: str(request.args.get(name, "")).strip()[:64] for name in AUDIT_FILTERS}
    try:
        entries = await asyncio.to_thread(audit_entries, None, 500, **chosen)
    except ValueError as wrong:
        return response.html(pages.audit(session, [], chosen, str(wrong)), status=400)
    return response.html(pages.audit(session, entries, chosen))


CONSOLE_PAGE = (Path(__file__).parent / "static" / "console.html")


async def console_page(request: Any, session: StaffSession, settings: Settings) -> Any:
    return response.html(CONSOLE_PAGE.read_text(encoding="utf-8"), headers={"Cache-Control": "no-store"})


api = console_api
ROUTES: tuple[Route, ...] = (
    Route("GET", "/staff/sign-in", sign_in_page, PUBLIC),
    Route("POST", "/staff/sign-in", sign_in, PUBLIC),
    Route("POST", "/staff/sign-out", sign_out, EVERY_ROLE),
    Route("GET", "/staff/", home, EVERY_ROLE),
    Route("GET", "/staff/api/session", whoami, EVERY_ROLE, page=False),
    Route("GET", "/staff/audit", audit_log, frozenset({Role.ADMIN})),
    Route("GET", "/staff/statistics", review_api.statistics_page, REVIEWING),
    Route("GET", "/staff/api/statistics", review_api.statistics, REVIEWING, page=False),
    Route("GET", "/staff/api/export", review_api.aggregate_export, REVIEWING, page=False),
    Route("GET", "/staff/api/export/records", review_api.records_export, frozenset({Role.DATA_OFFICER}), page=False),
    Route("GET", "/console/", console_page, COUNSELLING),
    Route("POST", "/console/api/session", api_sign_in, PUBLIC, page=False),
    Route("DELETE", "/console/api/session", api_sign_out, EVERY_ROLE, page=False),
    Route("GET", "/console/api/session", api.session_info, COUNSELLING, page=False),
    Route("POST", "/console/api/availability", api.availability, COUNSELLING, page=False),
    Route("GET", "/console/api/counsellors", api.counsellors, COUNSELLING, page=False),
    Route("GET", "/console/api/options", api.wrap_up_options, COUNSELLING, page=False),
    Route("GET", "/console/api/queue", api.queue, COUNSELLING, page=False),
    Route("POST", "/console/api/conversations/<request_id:int>/take", api.take, COUNSELLING, page=False),
    Route("GET", "/console/api/conversations/<request_id:int>/messages", api.messages, COUNSELLING, page=False),
    Route("POST", "/console/api/conversations/<request_id:int>/messages", api.send, COUNSELLING, page=False),
    Route("GET", "/console/api/conversations/<request_id:int>/helpers", api.helpers, COUNSELLING, page=False),
    Route("POST", "/console/api/conversations/<request_id:int>/transfer", api.transfer, COUNSELLING, page=False),
    Route("POST", "/console/api/conversations/<request_id:int>/end", api.end, COUNSELLING, page=False),
)


def staff_blueprint(settings: Settings) -> Any:
    bp = Blueprint("staff")
    for number, route in enumerate(ROUTES):
        bp.add_route(guard(route, settings), route.path, methods=[route.method], name=f"staff_{number}")
    return bp
