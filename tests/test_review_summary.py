"""The review's daily summary (bot.review.summary) against the log it summarises: every view it
answers gives the counts the log gives, to the contact; days not yet settled and views with two
filters come from the log; a late coding rebuilds its day; retention takes the summary with it.
On SQLite and PostgreSQL, over a generated log (bench/synthetic_contacts.py)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, insert, select, update

from bench.synthetic_contacts import load
from bot.database import engine
from bot.retention import purge_contacts
from bot.review import parse, summary
from bot.review.counts import count_log
from bot.tables import contact_categories, contacts, counsellor_categories, counsellor_codings, review_daily

FIRST, DAYS = date(2026, 1, 1), 45
NOW = datetime(2026, 2, 16, 9)  # settled up to 13 February; 14 February onwards from the log
VIEWS = [{}, {"channel": "telegram"}, {"language": "sw"}, {"country": "KE"}, {"age_band": "13_15"},
         {"category": "ocsea.sextortion"}, {"risk": "urgent"}, {"coded_by": "counsellor"}, {"coded_by": "bot"}]
PERIODS = [{"period": "month", "from": "2026-01-10"},  # wholly summarised
           {"period": "custom", "from": "2026-01-20", "to": "2026-02-14"}]  # summary, then the log


@pytest.fixture
def summarised(empty_db_url: str) -> str:
    url = empty_db_url
    engine(url)
    load(url, 4000, seed=5, first_day=FIRST, days=DAYS)
    assert summary.refresh(url, now=NOW) == 44  # 1 January to 13 February
    return url


def counted(url: str, params: dict) -> dict:
    query = parse(params)
    return summary.count(query, url).as_json()


def from_log(url: str, params: dict) -> dict:
    query = parse(params)
    return count_log(query.period.start, query.period.end, query.filters, url).as_json()


@pytest.mark.parametrize("period", PERIODS, ids=["month", "custom"])
def test_every_view_the_summary_answers_agrees_with_the_log(summarised: str, period: dict) -> None:
    for view in VIEWS:
        query = parse({**period, **view})
        assert summary.covered_until(query, summarised) is not None, view
        got = counted(summarised, {**period, **view})
        assert got == from_log(summarised, {**period, **view}), view
        assert got["total"] > 0, view


def test_settled_days_come_from_the_summary_and_later_days_from_the_log(summarised: str) -> None:
    query = parse(PERIODS[1])
    assert summary.covered_until(query, summarised) == datetime(2026, 2, 14)
    # A day still settling changes with the log; a settled one is read from its summary.
    with engine(summarised).begin() as conn:
        conn.execute(update(contacts).where(contacts.c.started_hour >= datetime(2026, 2, 14)).values(age_band="adult"))
    assert counted(summarised, PERIODS[1]) == from_log(summarised, PERIODS[1])
    with engine(summarised).begin() as conn:
        conn.execute(update(contacts).where(contacts.c.started_hour < datetime(2026, 1, 21)).values(age_band="adult"))
    assert counted(summarised, PERIODS[1]) != from_log(summarised, PERIODS[1])


def test_two_filters_or_two_days_are_read_from_the_log(summarised: str) -> None:
    for params in ({**PERIODS[0], "channel": "telegram", "risk": "urgent"}, {"period": "day", "from": "2026-01-12"}):
        assert summary.covered_until(parse(params), summarised) is None
        assert counted(summarised, params) == from_log(summarised, params)


def test_a_coding_after_its_day_was_summarised_rebuilds_the_day(summarised: str) -> None:
    with engine(summarised).begin() as conn:
        contact = conn.execute(select(contacts.c.id).where(
            contacts.c.started_hour >= datetime(2026, 1, 12), contacts.c.started_hour < datetime(2026, 1, 13),
            ~contacts.c.id.in_(select(counsellor_codings.c.contact_id))).limit(1)).scalar_one()
        conn.execute(insert(counsellor_codings).values(
            contact_id=contact, caller="self", perpetrator="known_peer", platform="instagram", time_since_event="week",
            told_anyone="friend", gender="girl", outcome="counselled", coded_on=datetime(2026, 2, 16)))
        conn.execute(insert(counsellor_categories).values(contact_id=contact, code="ocsea.grooming", setting="both"))
    before = counted(summarised, PERIODS[0])
    assert summary.refresh(summarised, now=NOW) == 1  # 12 January only
    after = counted(summarised, PERIODS[0])
    assert after == from_log(summarised, PERIODS[0]) != before
    assert after["coded"] == before["coded"] + 1
    # Codings carry their day only, so a day coded today is rebuilt on each pass until tomorrow.
    assert summary.refresh(summarised, now=datetime(2026, 2, 17, 9)) == 2  # 14 February settles; 12 January
    assert summary.refresh(summarised, now=datetime(2026, 2, 17, 9)) == 0


def test_retention_takes_the_summary_of_purged_days(summarised: str) -> None:
    purge_contacts(days=30, url=summarised, now=datetime(2026, 2, 10, 12))  # before 11 January, 12:00
    with engine(summarised).connect() as conn:
        first_day = conn.execute(select(func.min(review_daily.c.day))).scalar()
        left = conn.execute(select(func.count()).select_from(contacts)).scalar_one()
        orphans = conn.execute(select(func.count()).select_from(contact_categories).where(
            ~contact_categories.c.contact_id.in_(select(contacts.c.id)))).scalar_one()
    assert str(first_day)[:10] == "2026-01-12" and orphans == 0 and left > 0
    assert summary.refresh(summarised, now=NOW) == 1  # 11 January's afternoon, rebuilt from what is left
    assert counted(summarised, PERIODS[0]) == from_log(summarised, PERIODS[0])
