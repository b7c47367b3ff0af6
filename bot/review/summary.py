"""The daily summary: each settled day's counts, for all contacts and for each single filter
value, so a year's page adds up 365 small rows instead of reading 200,000 contacts.

A day is summarised once it has settled (SETTLE after it ends: its sessions are over, its live
chats ended, most codings done); a coding made later rebuilds its day. Views the summary cannot
answer (two filters or more, two days or less) and the days not yet settled are counted from the
log itself with the same tally, so the figures agree to the contact wherever they come from.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection

from bot.database import engine, with_retry
from bot.review.counts import count_log, read
from bot.review.query import Filters, ReviewQuery
from bot.review.tally import Contact, Counts, tally
from bot.tables import contacts, counsellor_codings, review_daily

SETTLE = timedelta(days=2)
ALL = ""  # the slice of every contact
DAY = timedelta(days=1)
LATE_CODING_DAYS = 7  # codings this recent are checked against the day they belong to


def slices(contact: Contact) -> list[str]:
    """The summary rows a contact counts in: all, and one per filter it matches."""
    values = contact.values
    return [ALL, f"channel={values['channel']}", f"language={values['language']}", f"country={values['country']}",
            f"age_band={values['age_band']}", f"risk={values['highest_risk']}",
            f"coded_by={'counsellor' if contact.theirs is not None else 'bot'}",
            *[f"category={code}" for code in contact.categories]]


def slice_of(chosen: Filters) -> str | None:
    """The slice that answers these filters, or None when the summary cannot (two or more)."""
    active = [f"{name}={value}" for name, value in asdict(chosen).items() if value]
    return ALL if not active else active[0] if len(active) == 1 else None


def _pack(counts: Counts) -> bytes:
    return zlib.compress(json.dumps(counts.as_json(), separators=(",", ":")).encode(), 1)


def _unpack(data: bytes) -> Counts:
    return Counts.from_json(json.loads(zlib.decompress(data)))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def build_day(conn: Connection, day: date, now: datetime) -> int:
    """(Re)write one day's rows from the log; returns its contacts."""
    groups: dict[str, list[Contact]] = {ALL: []}
    for contact in read(conn, _midnight(day), _midnight(day + DAY), Filters()):
        for key in slices(contact):
            groups.setdefault(key, []).append(contact)
    conn.execute(delete(review_daily).where(review_daily.c.day == day))
    conn.execute(review_daily.insert(), [{"slice": key, "day": day, "data": _pack(tally(group)), "built_at": now}
                                         for key, group in groups.items()])
    return len(groups[ALL])


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def stale_days(conn: Connection, now: datetime) -> list[date]:
    """Settled days with no summary yet, and summarised days a later coding has changed."""
    first = conn.execute(select(func.min(contacts.c.started_hour))).scalar()
    if first is None:
        return []
    last = (now - SETTLE).date() - DAY  # the last settled day
    built = {_as_date(day): _as_date(at) for day, at in conn.execute(
        select(review_daily.c.day, review_daily.c.built_at).where(review_daily.c.slice == ALL))}
    day, missing = _as_date(first), []
    while day <= last:
        if day not in built:
            missing.append(day)
        day += DAY
    recent = select(contacts.c.started_hour, counsellor_codings.c.coded_on).join(
        contacts, contacts.c.id == counsellor_codings.c.contact_id).where(
        counsellor_codings.c.coded_on >= _midnight(now.date() - timedelta(days=LATE_CODING_DAYS)))
    recoded = {_as_date(started) for started, coded_on in conn.execute(recent)
               if _as_date(started) in built and built[_as_date(started)] <= _as_date(coded_on)}
    return sorted(set(missing) | recoded)


def refresh(url: str | None = None, now: datetime | None = None, limit: int | None = None) -> int:
    """Bring the summary up to date (one short transaction per day); returns the days rebuilt."""
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    with engine(url).connect() as conn:
        days = stale_days(conn, now)[:limit]
    for day in days:
        with_retry(lambda conn, day=day: build_day(conn, day, now), url)
    return len(days)


def forget_before(day: date, url: str | None = None) -> int:
    """Drop the summary of days the retention job is purging (the days are rebuilt from what is left)."""
    return with_retry(lambda conn: conn.execute(delete(review_daily).where(review_daily.c.day <= day)).rowcount or 0,
                      url)


def covered_until(query: ReviewQuery, url: str | None = None) -> datetime | None:
    """Where the summary stops answering this view: the start of the first day it lacks, or
    None when it cannot answer the view at all."""
    period = query.period
    if period.days <= 2 or slice_of(query.filters) is None:
        return None
    with engine(url).connect() as conn:
        first = conn.execute(select(func.min(contacts.c.started_hour))).scalar()
        built = set(map(_as_date, conn.execute(select(review_daily.c.day).where(
            review_daily.c.slice == ALL, review_daily.c.day >= period.first, review_daily.c.day <= period.last))
            .scalars()))
    if first is None:
        return None
    day = max(period.first, _as_date(first))  # days before the log began are empty, not missing
    while day <= period.last and day in built:
        day += DAY
    return None if day == period.first else _midnight(day)


def read_summary(query: ReviewQuery, cut: datetime, url: str | None = None) -> Counts:
    """The sum of the view's summary rows for the days before `cut`."""
    counts = Counts()
    rows = select(review_daily.c.data).where(review_daily.c.slice == slice_of(query.filters),
                                             review_daily.c.day >= query.period.first, review_daily.c.day < cut.date())
    with engine(url).connect() as conn:
        for data in conn.execute(rows).scalars():
            counts.add(_unpack(data))
    return counts


def count(query: ReviewQuery, url: str | None = None) -> Counts:
    """Every count for the period and filters: settled days from the summary, the rest from the log."""
    period = query.period
    cut = covered_until(query, url)
    if cut is None:
        return count_log(period.start, period.end, query.filters, url)
    counts = read_summary(query, cut, url)
    if cut < period.end:
        counts.add(count_log(cut, period.end, query.filters, url))
    return counts
