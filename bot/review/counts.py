"""The contact log read for review: the contacts of a period that match the filters, each with its
categories and handoff (SQLAlchemy Core, SQLite and PostgreSQL alike), and the counts of a query.

The daily summary (bot.review.summary) is built from these reads, and views it cannot answer are
counted from them directly: the same tally either way, so the figures agree to the contact.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement, Select

from bot.database import engine
from bot.review.query import Filters
from bot.review.tally import CODED_ATTRIBUTES, Contact, Counts, tally
from bot.tables import contact_categories, contacts, counsellor_categories, counsellor_codings, handoff_requests

coding = counsellor_codings
BATCH = 5000  # contacts whose categories are fetched in one query


def _attribute(name: str) -> ColumnElement:
    """The counsellor's value where they gave one, else the bot's."""
    theirs = coding.c[name]
    return case((or_(theirs.is_(None), theirs == "unknown"), contacts.c[name]), else_=theirs)


def _yes_no(flag: ColumnElement) -> ColumnElement:
    return case((flag.is_(None), "unknown"), (flag, "yes"), else_="no")


def matching(start: datetime, end: datetime, chosen: Filters) -> list[ColumnElement]:
    coded = coding.c.contact_id.isnot(None)
    where: list[ColumnElement] = [contacts.c.started_hour >= start, contacts.c.started_hour < end]
    for name in ("channel", "language", "country", "age_band"):
        if getattr(chosen, name):
            where.append(contacts.c[name] == getattr(chosen, name))
    if chosen.risk:
        where.append(contacts.c.highest_risk == chosen.risk)
    if chosen.coded_by:
        where.append(coded if chosen.coded_by == "counsellor" else ~coded)
    if chosen.category:
        bot_has = exists().where(contact_categories.c.contact_id == contacts.c.id,
                                 contact_categories.c.code == chosen.category)
        theirs = exists().where(counsellor_categories.c.contact_id == contacts.c.id,
                                counsellor_categories.c.code == chosen.category)
        where.append(or_(and_(~coded, bot_has), and_(coded, theirs)))
    return where


def _selection(start: datetime, end: datetime, chosen: Filters) -> Select:
    columns = [
        contacts.c.id, contacts.c.started_hour, contacts.c.channel, contacts.c.language, contacts.c.country,
        contacts.c.age_band, contacts.c.highest_risk, contacts.c.outcome,
        _yes_no(contacts.c.quick_exit).label("quick_exit"), _yes_no(contacts.c.human_requested).label("human_requested"),
        func.coalesce(contacts.c.helpful, "not_asked").label("helpful"),
        func.coalesce(coding.c.gender, "unknown").label("gender"),
        coding.c.contact_id.label("coded"),
        *[_attribute(name).label(name) for name in CODED_ATTRIBUTES],
        handoff_requests.c.status, handoff_requests.c.requested_at, handoff_requests.c.taken_at,
        handoff_requests.c.ended_at,
    ]
    joined = contacts.outerjoin(coding, coding.c.contact_id == contacts.c.id).outerjoin(
        handoff_requests, handoff_requests.c.contact_id == contacts.c.id)
    return select(*columns).select_from(joined).where(*matching(start, end, chosen))


def _categories(conn: Connection, table: object, ids: list[str]) -> dict[str, dict[str, str | None]]:
    found: dict[str, dict[str, str | None]] = {}
    rows = conn.execute(select(table.c.contact_id, table.c.code, table.c.setting).where(table.c.contact_id.in_(ids)))
    for contact, code, setting in rows:
        found.setdefault(contact, {})[code] = setting
    return found


def _hour(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def read(conn: Connection, start: datetime, end: datetime, chosen: Filters) -> Iterator[Contact]:
    """The matching contacts of [start, end), with their categories, in batches."""
    result = conn.execute(_selection(start, end, chosen).execution_options(stream_results=True))
    while True:
        rows = result.mappings().fetchmany(BATCH)
        if not rows:
            return
        ids = [row["id"] for row in rows]
        bots = _categories(conn, contact_categories, ids)
        coded_ids = [row["id"] for row in rows if row["coded"] is not None]
        theirs = _categories(conn, counsellor_categories, coded_ids) if coded_ids else {}
        for row in rows:
            handoff = (row["status"], _hour(row["requested_at"]), row["taken_at"] and _hour(row["taken_at"]),
                       row["ended_at"] and _hour(row["ended_at"])) if row["status"] else None
            yield Contact(values=dict(row), hour=_hour(row["started_hour"]), bot=bots.get(row["id"], {}),
                          theirs=theirs.get(row["id"], {}) if row["coded"] is not None else None, handoff=handoff)


def count_log(start: datetime, end: datetime, chosen: Filters, url: str | None = None) -> Counts:
    """Counts straight from the log."""
    with engine(url).connect() as conn:
        return tally(read(conn, start, end, chosen))

