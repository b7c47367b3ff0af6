"""What a reviewer asks for: a period and filters, read once from a page's query string or the
command line and checked against the taxonomy, so every figure and export follows the same rules.

A bad value is refused with a sentence for the person, never ignored: a figure quietly computed
without the filter someone chose would be a wrong figure in a report.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum

from bot.handoff.coding import CATEGORIES
from bot.triage import RISK_ORDER

AGE_BANDS = ("under_13", "13_15", "16_17", "adult", "unknown")
CODED_BY = ("bot", "counsellor")
FILTERS = ("channel", "language", "country", "age_band", "category", "risk", "coded_by")
LONGEST_CUSTOM_DAYS = 3 * 366 + 365  # four years and a bit: enough for any comparison
_CODE = re.compile(r"[a-z_]{2,32}")
_COUNTRY = re.compile(r"[A-Z]{2}|unknown")


class PeriodName(str, Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"


class QueryError(ValueError):
    """A period or filter that cannot be used, with a message fit to show the person who asked."""


@dataclass(frozen=True)
class Period:
    name: PeriodName
    first: date  # inclusive
    last: date  # inclusive

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, datetime.min.time())

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return datetime.combine(self.last + timedelta(days=1), datetime.min.time())

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def bucket(self) -> str:
        """How finely the contacts-over-time figure is cut for this length of period."""
        if self.days <= 2:
            return "hour"
        if self.days <= 62:
            return "day"
        if self.days <= 190:
            return "week"
        return "month"

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name.value, "from": self.first.isoformat(), "to": self.last.isoformat(),
                "bucket": self.bucket}


@dataclass(frozen=True)
class Filters:
    channel: str | None = None
    language: str | None = None
    country: str | None = None
    age_band: str | None = None
    category: str | None = None
    risk: str | None = None
    coded_by: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)

    def describe(self) -> str:
        """For the audit log and an export's header: only the filters that are set."""
        chosen = [f"{name}={value}" for name, value in asdict(self).items() if value]
        return ",".join(chosen) or "none"


@dataclass(frozen=True)
class ReviewQuery:
    period: Period
    filters: Filters = field(default_factory=Filters)

    def describe(self) -> str:
        return f"{self.period.first}..{self.period.last} {self.period.name.value} filters={self.filters.describe()}"


def _day(value: str | None, what: str, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise QueryError(f"The {what} date must be written as YYYY-MM-DD, for example 2026-03-31.") from None


def period_of(name: str, first: str | None, last: str | None, today: date | None = None) -> Period:
    """The period of that kind that contains `first` (or today); a custom one runs first..last."""
    try:
        kind = PeriodName((name or "month").strip().lower())
    except ValueError:
        raise QueryError("The period must be a day, week, month, quarter, year or custom.") from None
    day = _day(first, "from", today or date.today())
    if kind is PeriodName.DAY:
        return Period(kind, day, day)
    if kind is PeriodName.WEEK:
        monday = day - timedelta(days=day.weekday())
        return Period(kind, monday, monday + timedelta(days=6))
    if kind is PeriodName.MONTH:
        return Period(kind, day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1]))
    if kind is PeriodName.QUARTER:
        first_month = 3 * ((day.month - 1) // 3) + 1
        end_month = first_month + 2
        return Period(kind, date(day.year, first_month, 1),
                      date(day.year, end_month, calendar.monthrange(day.year, end_month)[1]))
    if kind is PeriodName.YEAR:
        return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31))
    end = _day(last, "to", day)
    if end < day:
        raise QueryError("The 'to' date is before the 'from' date.")
    if (end - day).days + 1 > LONGEST_CUSTOM_DAYS:
        raise QueryError("A custom period can be at most four years long.")
    return Period(kind, day, end)


def _filter(name: str, raw: str | None) -> str | None:
    value = (raw or "").strip()
    if not value or value == "all":
        return None
    valid = {
        "channel": lambda v: bool(_CODE.fullmatch(v)),
        "language": lambda v: bool(re.fullmatch(r"[a-z]{2,3}|unknown", v)),
        "country": lambda v: bool(_COUNTRY.fullmatch(v)),
        "age_band": lambda v: v in AGE_BANDS,
        "category": lambda v: v in CATEGORIES,
        "risk": lambda v: v in RISK_ORDER,
        "coded_by": lambda v: v in CODED_BY,
    }[name]
    if not valid(value):
        raise QueryError(f"There is no {name.replace('_', ' ')} called {value[:40]!r}.")
    return value


def parse(params: Mapping[str, str | None], today: date | None = None) -> ReviewQuery:
    """A ReviewQuery from query-string style parameters (the page and the command line alike)."""
    period = period_of(params.get("period") or "month", params.get("from"), params.get("to"), today)
    filters = Filters(**{name: _filter(name, params.get(name)) for name in FILTERS})
    return ReviewQuery(period, filters)
