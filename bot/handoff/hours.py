"""When counsellors work: HOURS_FILE, a YAML file per deployment (docs/hours.example.yml).

    timezone: Africa/Nairobi
    weekly:                      # mon..sun: opening times, "HH:MM-HH:MM", any number a day
      mon: ["08:00-12:00", "13:00-20:00"]
      sat: ["10:00-16:00"]
    holidays: ["2026-12-25"]     # closed all day

Outside these hours the bot queues nobody and says honestly that no counsellor can join, with
the 24-hour line and the emergency number. With no HOURS_FILE, the service is open whenever a
counsellor is available.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.yaml_files import read_yaml

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class HoursError(ValueError):
    """The hours file is wrong; the message says where, for the person editing it."""


@dataclass(frozen=True)
class Hours:
    zone: ZoneInfo
    weekly: dict[int, tuple[tuple[time, time], ...]]  # weekday (0 = Monday) -> opening ranges
    holidays: frozenset[date]

    def is_open(self, now: datetime | None = None) -> bool:
        local = (now or datetime.now(timezone.utc)).astimezone(self.zone)
        if local.date() in self.holidays:
            return False
        moment = local.time().replace(tzinfo=None)
        return any(start <= moment < end for start, end in self.weekly.get(local.weekday(), ()))


def _clock(text: str, where: str) -> time:
    try:
        hours, minutes = (int(part) for part in text.strip().split(":"))
    except ValueError as exc:
        raise HoursError(f"{where}: {text!r} is not a time like 08:30") from exc
    if (hours, minutes) == (24, 0):
        return time.max
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise HoursError(f"{where}: {text!r} is not a time of day")
    return time(hours, minutes)


def parse(document: object) -> Hours:
    if not isinstance(document, dict):
        raise HoursError("the hours file must be a mapping with timezone, weekly and holidays")
    try:
        zone = ZoneInfo(str(document.get("timezone") or ""))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise HoursError(f"timezone: {document.get('timezone')!r} is not a time zone like Africa/Nairobi") from exc
    weekly: dict[int, tuple[tuple[time, time], ...]] = {}
    for day, ranges in (document.get("weekly") or {}).items():
        if day not in DAYS:
            raise HoursError(f"weekly: {day!r} is not one of {', '.join(DAYS)}")
        spans = []
        for span in ranges or []:
            start_text, _, end_text = str(span).partition("-")
            start, end = _clock(start_text, f"weekly.{day}"), _clock(end_text, f"weekly.{day}")
            if not start < end:
                raise HoursError(f"weekly.{day}: {span!r} must start before it ends (split a night over two days)")
            spans.append((start, end))
        weekly[DAYS.index(day)] = tuple(spans)
    try:
        holidays = frozenset(date.fromisoformat(str(day)) for day in document.get("holidays") or [])
    except ValueError as exc:
        raise HoursError(f"holidays: {exc}") from exc
    return Hours(zone, weekly, holidays)


def load(path: Path) -> Hours:
    try:
        return parse(read_yaml(path))
    except OSError as exc:
        raise HoursError(f"cannot read {path}: {exc.strerror}") from exc


@lru_cache(maxsize=1)
def configured() -> Hours | None:
    """HOURS_FILE, read once; None when it is not set (open whenever a counsellor is available)."""
    path = os.environ.get("HOURS_FILE", "").strip()
    return load(Path(path)) if path else None


def open_now() -> bool:
    hours = configured()
    return hours is None or hours.is_open()
