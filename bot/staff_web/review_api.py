"""The statistics page and the exports, for supervisors and data officers (record exports: data
officers only); roles are checked before a handler runs (bot.staff_web.guard). The counting is
done off the event loop, in bot.review."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sanic import response

from bot import review
from bot.review.query import QueryError
from bot.settings import Settings
from bot.staff_web.sessions import StaffSession

NO_STORE = {"Cache-Control": "no-store"}
STATISTICS_PAGE = Path(__file__).parent / "static" / "statistics.html"
PARAMETERS = ("period", "from", "to", "channel", "language", "country", "age_band", "category", "risk", "coded_by")


def _params(request: Any) -> dict[str, str]:
    return {name: str(request.args.get(name))[:64] for name in PARAMETERS if request.args.get(name) is not None}


def _query(request: Any) -> review.ReviewQuery | str:
    try:
        return review.parse(_params(request))
    except QueryError as wrong:
        return str(wrong)


async def statistics_page(request: Any, session: StaffSession, settings: Settings) -> Any:
    return response.html(STATISTICS_PAGE.read_text(encoding="utf-8"), headers=NO_STORE)


async def statistics(request: Any, session: StaffSession, settings: Settings) -> Any:
    query = _query(request)
    if isinstance(query, str):
        return response.json({"error": query}, status=400, headers=NO_STORE)
    return response.json(await asyncio.to_thread(review.statistics, query), headers=NO_STORE)


async def _download(request: Any, session: StaffSession, kind: review.Kind) -> Any:
    query = _query(request)
    fmt = request.args.get("format", "csv")
    if isinstance(query, str) or fmt not in ("csv", "json"):
        return response.json({"error": query if isinstance(query, str) else "The format must be csv or json."},
                             status=400, headers=NO_STORE)
    made = await asyncio.to_thread(review.export, session.username, kind, query, fmt)
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{made.filename}"'}
    return response.raw(made.body, content_type=made.content_type, headers=headers)


async def aggregate_export(request: Any, session: StaffSession, settings: Settings) -> Any:
    return await _download(request, session, "aggregate")


async def records_export(request: Any, session: StaffSession, settings: Settings) -> Any:
    return await _download(request, session, "records")
