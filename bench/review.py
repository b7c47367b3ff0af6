"""Helpline review at scale: a million synthetic contacts in PostgreSQL, then the statistics page
for a year and the year's exports, timed.

    python bench/review.py                       # loads 1,000,000 contacts into its own database
    python bench/review.py --contacts 200000 --keep

The million contacts are five years of a busy helpline (2022-2026, CONTACT_RETENTION_DAYS' five
years), so a year holds about 200,000; `--years 1` puts them all in one year, the worst case.
Targets on 2 cores: the statistics JSON for a year p95 <= 500 ms (timed as the page's handler
runs it, from the query to the JSON, over repeated loads with no filter or one: the views the
daily summary answers); the year's aggregate export <= 5 s. Also measured: building the daily
summary from the whole log (what the retention job does once, then a day at a time), and views
with two filters, which read the log itself.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic_contacts import load_counted  # noqa: E402

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SUMMARISED_VIEWS = ({}, {"category": "ocsea.sextortion"}, {"channel": "telegram"}, {"age_band": "13_15"},
                    {"coded_by": "counsellor"}, {"risk": "urgent"}, {"country": "KE"}, {"language": "sw"})
LOG_VIEWS = ({"channel": "telegram", "age_band": "13_15"}, {"country": "KE", "category": "ocsea.sextortion"})


def fresh_database(name: str, keep: bool) -> tuple[str, bool]:
    """The database's URL, and whether it already holds a loaded log (with --keep)."""
    admin = psycopg2.connect(ADMIN_URL)
    admin.autocommit = True
    cursor = admin.cursor()
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
    exists = cursor.fetchone() is not None
    if exists and not keep:
        cursor.execute(f'DROP DATABASE "{name}"')
    if not exists or not keep:
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return f"postgresql://postgres@127.0.0.1:5432/{name}", exists and keep


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def time_views(page: Callable, parse: Callable, url: str, period: dict, views: tuple[dict, ...], rounds: int) -> list[float]:
    """Milliseconds per load of each view, `rounds` times over."""
    timings = []
    for _round in range(rounds):
        for view in views:
            started = time.perf_counter()
            page(parse({**period, **view}), url)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=5, help="how many years the contacts spread over, up to 2026")
    parser.add_argument("--rounds", type=int, default=5, help="loads of each filtered view of the year")
    parser.add_argument("--keep", action="store_true", help="reuse the database a previous run loaded")
    parser.add_argument("--database", default="ocsea_bench_review")
    args = parser.parse_args()

    from bot.database import engine
    from bot.review import export, parse, summary
    from bot.review import statistics as page

    url, loaded = fresh_database(f"{args.database}_{args.contacts}_{args.years}", args.keep)
    engine(url)  # migrations: the schema and its indexes
    first = date(2027 - args.years, 1, 1)
    if not loaded:
        rows, seconds = load_counted(url, args.contacts, seed=2026, first_day=first, days=(date(2027, 1, 1) - first).days)
        with engine(url).begin() as conn:  # committed: statistics gathered in a rolled-back transaction are lost
            conn.exec_driver_sql("ANALYZE")
        print(f"loaded {rows} in {seconds:.1f} s")
    started = time.perf_counter()
    days = summary.refresh(url)
    if days:
        print(f"daily summary built from the log: {days:,} days in {time.perf_counter() - started:.1f} s")
    year = {"period": "year", "from": "2025-06-01"}
    total = page(parse(year), url)["total"]
    for name, views in (("no filter or one", SUMMARISED_VIEWS), ("two filters", LOG_VIEWS)):
        timings = time_views(page, parse, url, year, views, args.rounds)
        target = " (target p95 <= 500 ms)" if views is SUMMARISED_VIEWS else " (read from the log)"
        print(f"statistics page, year 2025 ({total:,} contacts of {args.contacts:,}), {name}: {len(timings)} loads over "
              f"{len(views)} views: p50 {statistics.median(timings):.0f} ms, p95 {percentile(timings, 0.95):.0f} ms, "
              f"max {max(timings):.0f} ms{target}")
    for kind, fmt in (("aggregate", "csv"), ("aggregate", "json"), ("records", "csv")):
        started = time.perf_counter()
        made = export("bench", kind, parse(year), fmt, url)
        seconds = time.perf_counter() - started
        target = " (target <= 5 s)" if kind == "aggregate" else ""
        print(f"{kind} export, year 2025, {fmt}: {seconds:.2f} s, {made.rows:,} rows, {len(made.body) / 1e6:.1f} MB{target}")


if __name__ == "__main__":
    main()
