"""`GET /health`: is the service able to answer a child right now, and if not, what is down.

It checks what a turn needs: the model loaded, the database answering (one `SELECT 1`), and the
action server answering. 200 when all are up; 503 naming what is down, so a load balancer or a
supervisor stops sending children to a server that can only give the failsafe reply.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sanic import Blueprint, response
from sqlalchemy import text

from bot.database import engine
from bot.supervisor import ActionServer

CHECK_TIMEOUT = 2.0


def _database_ok() -> bool:
    try:
        with engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "down"; nothing is logged here
        return False


async def _within(check: Any, *args: Any) -> bool:
    try:
        return await asyncio.wait_for(asyncio.to_thread(check, *args), CHECK_TIMEOUT + 0.5)
    except asyncio.TimeoutError:
        return False


def health_blueprint(actions: ActionServer | None) -> Blueprint:
    bp = Blueprint("health")

    @bp.get("/health")
    async def health(request):  # noqa: ANN001, ANN202
        agent = getattr(request.app.ctx, "agent", None)
        checks = {
            "model": "up" if agent and agent.is_ready() else "down",
            "database": "up" if await _within(_database_ok) else "down",
            "actions": "up" if actions is None or await _within(actions.healthy, CHECK_TIMEOUT) else "down",
        }
        ok = all(state == "up" for state in checks.values())
        return response.json({"status": "ok" if ok else "down", "checks": checks}, status=200 if ok else 503)

    return bp
