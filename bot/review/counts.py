"""The contact log counted for a period and filters: the queries behind the statistics page and
the exports, in SQLAlchemy Core that runs on SQLite and PostgreSQL alike.

Where a counsellor coded a contact, its categories and attributes are the counsellor's (they
talked with the child) and the bot's stay beside them only for the agreement figure; an
attribute the counsellor left "unknown" keeps the bot's value. The filtered contacts are copied
once into a temporary table, so each figure's query reads a few narrow rows instead of joining
the whole log again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement, Select, Subquery

from bot.database import engine
from bot.review.query import ReviewQuery
from bot.tables import contact_categories, contacts, counsellor_categories, counsellor_codings, handoff_requests

CODED_ATTRIBUTES = ("caller", "perpetrator", "platform", "time_since_event", "told_anyone")
# Grouped in one pass over the filtered contacts; a figure each (flags become "yes"/"no").
DIMENSIONS = ("channel", "language", "country", "age_band", "gender", "highest_risk", "outcome", "quick_exit",
              "human_requested", "helpful", *CODED_ATTRIBUTES)
CROSS = ("age_band", "gender", "channel")  # the CHI export's breakdowns of each category
OCSEA_ATTRIBUTES = ("perpetrator", "platform", "told_anyone", "time_since_event")  # its OCSEA block's

coding = counsellor_codings


@dataclass
class Counts:
    """Everything the page and the exports show, as plain numbers."""

    total: int = 0
    by: dict[str, Counter] = field(default_factory=dict)  # dimension -> value -> contacts
    hours: Counter = field(default_factory=Counter)  # started_hour -> contacts
    categories: Counter = field(default_factory=Counter)  # code -> contacts
    settings: dict[str, Counter] = field(default_factory=dict)  # code -> setting -> contacts
    cross: dict[tuple[str, str, str, str], int] = field(default_factory=dict)  # (code, age, gender, channel)
    per_category: dict[str, dict[str, Counter]] = field(default_factory=dict)  # code -> attribute -> value -> n
    agreement: dict[str, dict[str, int]] = field(default_factory=dict)  # code -> bot/counsellor/both
    coded: int = 0  # contacts with a counsellor's coding (the agreement figure's base)
    handoffs: list[tuple[str, datetime, datetime | None, datetime | None]] = field(default_factory=list)


def _attribute(name: str) -> ColumnElement:
    """The counsellor's value where they gave one, else the bot's."""
    theirs = coding.c[name]
    return case((or_(theirs.is_(None), theirs == "unknown"), contacts.c[name]), else_=theirs)


def _yes_no(flag: ColumnElement) -> ColumnElement:
    return case((flag.is_(None), "unknown"), (flag, "yes"), else_="no")


def _matching(query: ReviewQuery) -> list[ColumnElement]:
    period, chosen = query.period, query.filters
    coded = coding.c.contact_id.isnot(None)
    where: list[ColumnElement] = [contacts.c.started_hour >= period.start, contacts.c.started_hour < period.end]
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


def _selection(query: ReviewQuery) -> Select:
    columns = [
        contacts.c.id, contacts.c.started_hour, contacts.c.channel, contacts.c.language, contacts.c.country,
        contacts.c.age_band, contacts.c.highest_risk, contacts.c.outcome,
        _yes_no(contacts.c.quick_exit).label("quick_exit"), _yes_no(contacts.c.human_requested).label("human_requested"),
        func.coalesce(contacts.c.helpful, "not_asked").label("helpful"),
        func.coalesce(coding.c.gender, "unknown").label("gender"),
        case((coding.c.contact_id.isnot(None), 1), else_=0).label("coded"),
        *[_attribute(name).label(name) for name in CODED_ATTRIBUTES],
    ]
    joined = contacts.outerjoin(coding, coding.c.contact_id == contacts.c.id)
    return select(*columns).select_from(joined).where(*_matching(query))


FILTERED_COLUMNS = ("id", "started_hour", "channel", "language", "country", "age_band", "highest_risk", "outcome",
                    "quick_exit", "human_requested", "helpful", "gender", "coded", *CODED_ATTRIBUTES)
filtered = Table("review_filtered", MetaData(), Column("id", String(32), primary_key=True),
          Column("started_hour", DateTime(timezone=False)), Column("coded", Integer),
          *[Column(name, String(32)) for name in FILTERED_COLUMNS if name not in ("id", "started_hour", "coded")],
          prefixes=["TEMPORARY"])


def fill(conn: Connection, query: ReviewQuery) -> None:
    """The filtered contacts in a temporary table of this connection (dropped at the end)."""
    filtered.drop(conn, checkfirst=True)
    filtered.create(conn)
    conn.execute(filtered.insert().from_select(FILTERED_COLUMNS, _selection(query)))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE review_filtered")  # a new table has no statistics: plans would guess


def effective_categories() -> Subquery:
    """(contact, code, setting): the counsellor's categories for coded contacts, else the bot's."""
    bots = select(contact_categories.c.contact_id, contact_categories.c.code, contact_categories.c.setting).join(
        filtered, filtered.c.id == contact_categories.c.contact_id).where(filtered.c.coded == 0)
    theirs = select(counsellor_categories.c.contact_id, counsellor_categories.c.code, counsellor_categories.c.setting)\
        .join(filtered, filtered.c.id == counsellor_categories.c.contact_id).where(filtered.c.coded == 1)
    return union_all(bots, theirs).subquery("effective")


def _dimensions(conn: Connection, result: Counts) -> None:
    parts = [select(literal(name).label("dim"), cast(filtered.c[name], String).label("value"), func.count().label("n"))
             .group_by(filtered.c[name]) for name in DIMENSIONS]
    for dim, value, n in conn.execute(union_all(*parts)):
        result.by.setdefault(dim, Counter())[value if value is not None else "unknown"] += n
    result.total = sum(result.by.get("channel", Counter()).values())
    result.coded = conn.execute(select(func.count()).select_from(filtered).where(filtered.c.coded == 1)).scalar_one()
    for hour, n in conn.execute(select(filtered.c.started_hour, func.count()).group_by(filtered.c.started_hour)):
        result.hours[hour if isinstance(hour, datetime) else datetime.fromisoformat(str(hour))] += n


def _categories(conn: Connection, result: Counts) -> None:
    """Two grouped passes: categories by setting and the CHI breakdowns; OCSEA by attributes."""
    effective = effective_categories()
    setting = func.coalesce(effective.c.setting, "unknown")
    keys = (effective.c.code, setting, *[filtered.c[name] for name in CROSS])
    crossed = select(*keys, func.count()).join(filtered, filtered.c.id == effective.c.contact_id).group_by(*keys)
    for code, where, age, gender, channel, n in conn.execute(crossed):
        result.categories[code] += n
        result.settings.setdefault(code, Counter())[where] += n
        key = (code, age, gender, channel)
        result.cross[key] = result.cross.get(key, 0) + n
    effective = effective_categories()
    keys = (effective.c.code, *[filtered.c[name] for name in OCSEA_ATTRIBUTES])
    rows = conn.execute(select(*keys, func.count()).join(filtered, filtered.c.id == effective.c.contact_id)
                        .where(effective.c.code.like("ocsea.%")).group_by(*keys))
    for code, *values, n in rows:
        per = result.per_category.setdefault(code, {})
        for name, value in zip(OCSEA_ATTRIBUTES, values, strict=False):
            per.setdefault(name, Counter())[value] += n


def _agreement(conn: Connection, result: Counts) -> None:
    coded = filtered.c.coded == 1
    bots = select(contact_categories.c.code, func.count()).join(filtered, filtered.c.id == contact_categories.c.contact_id)\
        .where(coded).group_by(contact_categories.c.code)
    theirs = select(counsellor_categories.c.code, func.count()).join(filtered, filtered.c.id == counsellor_categories.c.contact_id)\
        .group_by(counsellor_categories.c.code)
    both = select(contact_categories.c.code, func.count()).join(filtered, filtered.c.id == contact_categories.c.contact_id).join(
        counsellor_categories, and_(counsellor_categories.c.contact_id == contact_categories.c.contact_id,
                                    counsellor_categories.c.code == contact_categories.c.code),
    ).group_by(contact_categories.c.code)
    for key, statement in (("bot", bots), ("counsellor", theirs), ("both", both)):
        for code, n in conn.execute(statement):
            result.agreement.setdefault(code, {"bot": 0, "counsellor": 0, "both": 0})[key] = n


def _handoffs(conn: Connection, result: Counts) -> None:
    rows = conn.execute(select(handoff_requests.c.status, handoff_requests.c.requested_at, handoff_requests.c.taken_at,
                               handoff_requests.c.ended_at).join(filtered, filtered.c.id == handoff_requests.c.contact_id))
    result.handoffs = [tuple(row) for row in rows]


def count(query: ReviewQuery, url: str | None = None) -> Counts:
    """Every count for the period and filters, in one transaction (a consistent snapshot)."""
    result = Counts()
    with engine(url).begin() as conn:
        fill(conn, query)
        try:
            _dimensions(conn, result)
            _categories(conn, result)
            _agreement(conn, result)
            _handoffs(conn, result)
        finally:
            filtered.drop(conn, checkfirst=True)
    return result
