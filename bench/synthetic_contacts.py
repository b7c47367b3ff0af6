"""Seeded synthetic contacts for the anonymised contact log, and a fast loader, for benchmarks.

Statistics queries, exports and the agreement report need a realistic log of a million contacts to
be measured against; children's real contacts can never be used for that. `generate` yields the
rows the bot (contacts, contact_categories, handoff_requests) and counsellors (counsellor_codings,
counsellor_categories) would have written, the same ones for the same seed. `load` streams them
into existing tables: COPY on PostgreSQL, executemany on SQLite, in batches so memory stays flat.

    .venv/bin/python bench/synthetic_contacts.py --url postgresql://postgres@127.0.0.1:5432/bench \
        --contacts 1000000 --seed 1 --first-day 2025-01-01 --days 365 --truncate
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import time as clock
from bisect import bisect
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import accumulate, islice
from math import log
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.contact_mix import (
    AGE_BAND,
    CALLER,
    CHANNEL,
    CODED,
    COMPANIONS,
    COUNSELLOR_SETTINGS,
    COUNSELLORS,
    COUNTRY,
    DANGER_NOW,
    DEFAULT_LANGUAGE,
    EXTRA_COUNT,
    GENDER,
    HANDOFF_STATUS,
    HOUR,
    HUMAN_REQUESTED,
    LANGUAGE,
    OUTCOME,
    PERPETRATOR,
    PLATFORM,
    PRIMARY,
    PRIORITY,
    QUICK_EXIT,
    SETTINGS,
    TIME_SINCE_EVENT,
    TOLD_ANYONE,
    UNKNOWN,
    WAIT_MEDIAN_MINUTES,
    WAIT_SIGMA,
    WEEKDAY,
)
from bot.contact_log import OUTCOME_ORDER
from bot.triage import CATEGORY_RISK, RISK_ORDER

T = TypeVar("T")

class Weighted(Generic[T]):
    """Values with weights, drawn with one bisect: far cheaper than Random.choices per draw."""

    __slots__ = ("cum", "total", "values")

    def __init__(self, weights: dict[T, float]) -> None:
        self.values = list(weights)
        self.cum = list(accumulate(weights.values()))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect(self.cum, rng.random() * self.total)]


def _tables(spec: dict[str, dict[Any, float]]) -> dict[str, Weighted[Any]]:
    return {key: Weighted(weights) for key, weights in spec.items()}


_PRIMARY, _EXTRA = Weighted(PRIMARY), Weighted(EXTRA_COUNT)
_COMPANIONS, _SETTINGS, _PERPETRATOR = _tables(COMPANIONS), _tables(SETTINGS), _tables(PERPETRATOR)
_LANGUAGE, _OUTCOME = _tables(LANGUAGE), _tables(OUTCOME)
_DEFAULT_LANGUAGE, _COUNSELLOR_SETTING, _STATUS = Weighted(DEFAULT_LANGUAGE), Weighted(COUNSELLOR_SETTINGS), Weighted(HANDOFF_STATUS)
_ATTRIBUTE = {"platform": Weighted(PLATFORM), "time_since_event": Weighted(TIME_SINCE_EVENT), "told_anyone": Weighted(TOLD_ANYONE)}
_CALLER, _AGE, _CHANNEL, _COUNTRY, _GENDER = (Weighted(t) for t in (CALLER, AGE_BAND, CHANNEL, COUNTRY, GENDER))
EVENT_ATTRIBUTES = ("perpetrator", "platform", "time_since_event", "told_anyone")
# Per kind of contact: (attribute, share unknown, the table a known value comes from).
_EVENT = {kind: [(name, shares[name], _PERPETRATOR[kind] if name == "perpetrator" else _ATTRIBUTE[name])
                 for name in EVENT_ATTRIBUTES] for kind, shares in UNKNOWN.items()}


@dataclass(slots=True)
class Contact:
    """One synthetic contact: the rows the bot, the queue and a counsellor would have written."""

    row: dict[str, Any]  # contacts
    categories: list[tuple[str, str | None]]  # contact_categories (code, setting)
    coding: dict[str, Any] | None = None  # counsellor_codings
    counsellor_categories: list[tuple[str, str | None]] = field(default_factory=list)
    handoff: dict[str, Any] | None = None  # handoff_requests


def _group(code: str) -> str:
    head = code.split(".")[0]
    return head if head in COMPANIONS else "other"


def _has_setting(code: str) -> bool:
    """Only OCSEA and violence categories carry a setting (taxonomy.md)."""
    return code.startswith(("ocsea.", "abuse.")) or code == "bullying"


def _setting_key(code: str) -> str:
    return "ocsea" if code.startswith("ocsea.") else code


def generate(count: int, seed: int, first_day: date, days: int) -> Iterator[Contact]:
    """Yield `count` contacts started over `days` days from `first_day`: one seeded Random, no clock."""
    if days < 1:
        raise ValueError("days must be at least 1")
    rng = random.Random(seed)
    start = datetime.combine(first_day, time())
    hours = Weighted({start + timedelta(hours=h): WEEKDAY[(first_day.weekday() + h // 24) % 7] * HOUR[h % 24]
                      for h in range(days * 24)})
    for _ in range(count):
        yield _contact(rng, hours.pick(rng))


def _contact(rng: random.Random, hour: datetime) -> Contact:
    primary = _PRIMARY.pick(rng)
    codes = [primary]
    for _ in range(_EXTRA.pick(rng)):
        extra = _COMPANIONS[_group(primary)].pick(rng)
        if extra not in codes:
            codes.append(extra)
    risk = max((CATEGORY_RISK.get(code, "none") for code in codes), key=RISK_ORDER.index)
    if "abuse.other" in codes and rng.random() < DANGER_NOW:
        risk = "urgent"
    human = primary == "support.human" or rng.random() < HUMAN_REQUESTED[risk]
    if human and "support.human" not in codes:
        codes.append("support.human")
    categories = [(code, _SETTINGS[_setting_key(code)].pick(rng) if _has_setting(code) else None) for code in codes]
    kind = "ocsea" if any(c.startswith("ocsea.") for c in codes) else (
        "violence" if any(_has_setting(c) for c in codes) else "other")
    offline = all(setting == "offline" for _, setting in categories if setting)
    attributes = {"caller": _CALLER.pick(rng)}
    for name, unknown, table in _EVENT[kind]:
        no_platform = name == "platform" and offline and kind != "other"
        attributes[name] = "unknown" if no_platform or rng.random() < unknown else table.pick(rng)
    country = _COUNTRY.pick(rng)
    outcome = _OUTCOME[risk].pick(rng)
    quick_exit = rng.random() < QUICK_EXIT
    if quick_exit and rng.random() < 0.5:
        outcome = "abandoned"
    contact_id = f"{rng.getrandbits(128):032x}"
    # The columns bot.contact_log sets (NEW_CONTACT); topics_covered and helpful are left to their defaults.
    row = {"id": contact_id, "started_hour": hour, "channel": _CHANNEL.pick(rng),
           "language": _LANGUAGE.get(country, _DEFAULT_LANGUAGE).pick(rng), "country": country,
           "age_band": _AGE.pick(rng), **attributes, "highest_risk": risk, "human_requested": human,
           "quick_exit": quick_exit, "outcome": outcome}
    contact = Contact(row, categories)
    if human:
        status = "cancelled" if quick_exit else _STATUS.pick(rng)  # a quick exit leaves the queue
        contact.handoff = _handoff(rng, contact_id, hour, risk, status)
        if status == "ended" and rng.random() < CODED:
            contact.coding = _coding(rng, row, contact.handoff["ended_at"])
            contact.counsellor_categories = _counsellor_categories(rng, categories)
            row["outcome"] = "counselled"  # as bot.handoff.store does on the counsellor's wrap-up
        elif status != "cancelled":
            row["outcome"] = max(outcome, "handed_off", key=OUTCOME_ORDER.index)
    return contact


def _minutes(rng: random.Random, median: float, sigma: float, cap: float) -> timedelta:
    return timedelta(seconds=round(min(rng.lognormvariate(log(median), sigma), cap) * 60))


def _handoff(rng: random.Random, contact_id: str, hour: datetime, risk: str, status: str) -> dict[str, Any]:
    """The queue's row: asked for within the contact's hour, taken after a skewed wait, then ended."""
    priority = PRIORITY.get(risk, 2)
    requested = hour + timedelta(seconds=rng.randrange(30, 3570))
    conversation, counsellor, taken, ended = f"{rng.getrandbits(256):064x}", None, None, None
    if status == "ended":
        taken = requested + _minutes(rng, WAIT_MEDIAN_MINUTES[priority], WAIT_SIGMA, 120)
        ended = taken + timedelta(seconds=round(rng.triangular(5, 40, 12) * 60))
        counsellor, conversation = COUNSELLORS[rng.randrange(len(COUNSELLORS))], ""
    elif status == "cancelled":  # abandoned in the queue: never taken
        ended = requested + _minutes(rng, 6, 0.9, 120)
    return {"contact_id": contact_id, "conversation": conversation, "priority": priority, "status": status,
            "requested_at": requested, "counsellor": counsellor, "taken_at": taken, "ended_at": ended}


def _coding(rng: random.Random, row: dict[str, Any], ended: datetime) -> dict[str, Any]:
    """The counsellor's attributes: mostly the bot's, filling some of its unknowns."""
    coding: dict[str, Any] = {"contact_id": row["id"]}
    caller = row["caller"]
    coding["caller"] = caller if rng.random() < 0.97 else ("self" if caller == "other_person" else "other_person")
    for name in EVENT_ATTRIBUTES:
        bot = row[name]
        table = _PERPETRATOR["ocsea"] if name == "perpetrator" else _ATTRIBUTE[name]
        if bot == "unknown":
            coding[name] = table.pick(rng) if rng.random() < 0.4 else "unknown"
        else:
            coding[name] = bot if rng.random() < 0.92 else table.pick(rng)
    coding.update(gender=_GENDER.pick(rng), outcome="counselled", coded_on=datetime.combine(ended.date(), time()))
    return coding


def _counsellor_categories(rng: random.Random, bot: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """The bot's categories, with a few dropped or added and "unknown" settings resolved."""
    chosen: list[tuple[str, str | None]] = []
    for code, setting in bot:
        if rng.random() < 0.06:
            continue
        if setting == "unknown":
            setting = _COUNSELLOR_SETTING.pick(rng) if rng.random() < 0.8 else None
        elif setting is not None and rng.random() < 0.05:
            setting = "both"
        chosen.append((code, setting))
    if rng.random() < 0.2:
        extra = _COMPANIONS[_group(bot[0][0])].pick(rng)
        if all(extra != code for code, _ in chosen):
            chosen.append((extra, _COUNSELLOR_SETTING.pick(rng) if _has_setting(extra) else None))
    return chosen or [(bot[0][0], None if bot[0][1] == "unknown" else bot[0][1])]


# --- loading -------------------------------------------------------------------------------------
TABLES = ("contacts", "contact_categories", "counsellor_codings", "counsellor_categories", "handoff_requests")
CATEGORY_COLUMNS = ("contact_id", "code", "setting")


def _rows(chunk: list[Contact]) -> dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]:
    """A batch of contacts as (columns, rows) per table, in foreign-key order."""
    out: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]] = {}
    out["contacts"] = (tuple(chunk[0].row), [tuple(c.row.values()) for c in chunk])
    out["contact_categories"] = (CATEGORY_COLUMNS, [(c.row["id"], *cat) for c in chunk for cat in c.categories])
    codings = [c.coding for c in chunk if c.coding]
    out["counsellor_codings"] = (tuple(codings[0]) if codings else (), [tuple(row.values()) for row in codings])
    out["counsellor_categories"] = (CATEGORY_COLUMNS, [(c.row["id"], *cat) for c in chunk for cat in c.counsellor_categories])
    handoffs = [c.handoff for c in chunk if c.handoff]
    out["handoff_requests"] = (tuple(handoffs[0]) if handoffs else (), [tuple(row.values()) for row in handoffs])
    return out


def _same(value: Any) -> Any:
    return value


_PG: dict[type, Callable[[Any], Any]] = {bool: lambda b: "t" if b else "f", type(None): lambda _: "\\N", datetime: str, int: _same}
# SQLAlchemy's own SQLite DateTime format, so the app's comparisons on stored strings stay right.
_SQLITE: dict[type, Callable[[Any], Any]] = {bool: int, datetime: lambda d: d.strftime("%Y-%m-%d %H:%M:%S.%f"),
                                             type(None): _same, int: _same}
Prepared = list[tuple[str, tuple[str, ...], Any, int]]  # (table, columns, CSV text or rows, row count)


def _convert(rows: Iterable[tuple[Any, ...]], to: dict[type, Callable[[Any], Any]]) -> Iterator[list[Any]]:
    return ([v if type(v) is str else to[type(v)](v) for v in row] for row in rows)


def _prepare(chunk: list[Contact], postgres: bool) -> Prepared:
    """A batch ready to write: CSV text per table for COPY (the csv module quotes and escapes; NULL is
    written as \\N so that "" stays an empty string), or converted rows for executemany."""
    prepared: Prepared = []
    for table, (columns, rows) in _rows(chunk).items():
        if not rows:
            continue
        if postgres:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(_convert(rows, _PG))
            prepared.append((table, columns, buffer.getvalue(), len(rows)))
        else:
            prepared.append((table, columns, list(_convert(rows, _SQLITE)), len(rows)))
    return prepared


def _copy(cursor: Any, table: str, columns: tuple[str, ...], text: str) -> None:
    # One read of the whole text: few GIL hand-overs while the other thread prepares the next batch.
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    cursor.copy_expert(sql, io.StringIO(text), size=len(text) + 1)


def _insert(cursor: Any, table: str, columns: tuple[str, ...], rows: list[list[Any]]) -> None:
    marks = ", ".join("?" * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _ahead(make: Callable[[], Prepared], threaded: bool) -> Iterator[Prepared]:
    """Call `make` until it returns nothing. Threaded, the next batch is built while the caller writes
    this one: psycopg2 lets go of the GIL while PostgreSQL ingests a COPY, so both cores work. Not
    for sqlite3, which takes the GIL back after every row."""
    if not threaded:
        while prepared := make():
            yield prepared
        return
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(make)
        while prepared := pending.result():
            pending = pool.submit(make)
            yield prepared


def load_counted(url: str, count: int, seed: int, first_day: date, days: int, batch: int = 20000) -> tuple[dict[str, int], float]:
    """Load into existing tables, committing each batch; rows per table and seconds taken."""
    engine = create_engine(url)
    if engine.dialect.name not in ("postgresql", "sqlite"):
        raise ValueError(f"unsupported database: {engine.dialect.name}")
    postgres = engine.dialect.name == "postgresql"
    write = _copy if postgres else _insert
    counts = dict.fromkeys(TABLES, 0)
    contacts = generate(count, seed, first_day, days)

    def make() -> Prepared:
        chunk = list(islice(contacts, batch))
        return _prepare(chunk, postgres) if chunk else []

    started = clock.perf_counter()
    raw = engine.raw_connection()
    try:
        for prepared in _ahead(make, threaded=postgres):
            cursor = raw.cursor()
            for table, columns, payload, rows in prepared:
                write(cursor, table, columns, payload)
                counts[table] += rows
            cursor.close()
            raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return counts, clock.perf_counter() - started


def load(url: str, count: int, seed: int, first_day: date, days: int, batch: int = 20000) -> float:
    """Load `count` generated contacts into the existing tables at `url`; the seconds it took."""
    return load_counted(url, count, seed, first_day, days, batch)[1]


def truncate(url: str) -> None:
    """Empty the five tables (and, by cascade, the messages of the handoffs they held)."""
    engine = create_engine(url)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        else:
            cursor.execute("PRAGMA foreign_keys=ON")
            for table in reversed(TABLES):
                cursor.execute(f"DELETE FROM {table}")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    """CLI: load N synthetic contacts and print the rows per table and the seconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of a database with the schema in place")
    parser.add_argument("--contacts", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--first-day", type=date.fromisoformat, default=date(2025, 1, 1))
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--batch", type=int, default=20000)
    parser.add_argument("--truncate", action="store_true", help="empty the five tables first")
    args = parser.parse_args(argv)
    if args.truncate:
        truncate(args.url)
    counts, seconds = load_counted(args.url, args.contacts, args.seed, args.first_day, args.days, args.batch)
    print(" ".join(f"{table}={n}" for table, n in counts.items()), f"seconds={seconds:.1f}")


if __name__ == "__main__":
    main()
