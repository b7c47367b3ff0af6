"""Counting contacts, in Python, the same way wherever they come from: a day's contacts for the
daily summary (bot.review.summary), or a period's for a view the summary cannot answer. Counts
add up (a year is the sum of its days) and travel as JSON.

Where a counsellor coded a contact, its categories and attributes are the counsellor's (they
talked with the child); an attribute the counsellor left "unknown" keeps the bot's value. The
bot's categories stay beside the counsellor's only for the agreement figure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

CODED_ATTRIBUTES = ("caller", "perpetrator", "platform", "time_since_event", "told_anyone")
# One figure each (flags become "yes"/"no").
DIMENSIONS = ("channel", "language", "country", "age_band", "gender", "highest_risk", "outcome", "quick_exit",
              "human_requested", "helpful", *CODED_ATTRIBUTES)
CROSS = ("age_band", "gender", "channel")  # the CHI export's breakdowns of each category
OCSEA_ATTRIBUTES = ("perpetrator", "platform", "told_anyone", "time_since_event")  # its OCSEA block's
SEP = "|"


@dataclass
class Contact:
    """One contact as the review sees it: effective values, both codings' categories, its handoff."""

    values: dict[str, str]  # every DIMENSIONS name -> value, plus "hour" (its started hour)
    hour: datetime
    bot: dict[str, str | None]  # the bot's categories -> setting
    theirs: dict[str, str | None] | None  # the counsellor's, when they coded it
    handoff: tuple[str, datetime, datetime | None, datetime | None] | None  # status, asked, taken, ended

    @property
    def categories(self) -> dict[str, str | None]:
        return self.theirs if self.theirs is not None else self.bot


@dataclass
class Counts:
    """Everything the page and the exports show, as plain numbers that add up."""

    total: int = 0
    by: dict[str, Counter] = field(default_factory=dict)  # dimension -> value -> contacts
    hours: Counter = field(default_factory=Counter)  # "YYYY-MM-DDTHH" -> contacts
    categories: Counter = field(default_factory=Counter)  # code -> contacts
    settings: Counter = field(default_factory=Counter)  # "code|setting" -> contacts
    cross: Counter = field(default_factory=Counter)  # "code|age|gender|channel" -> contacts
    ocsea: Counter = field(default_factory=Counter)  # "code|attribute|value" -> contacts
    agreement: Counter = field(default_factory=Counter)  # "code|bot", "code|counsellor", "code|both"
    coded: int = 0  # contacts a counsellor coded (the agreement figure's base)
    handoffs: Counter = field(default_factory=Counter)  # "queued", "answered", "abandoned", "waiting"
    waits: Counter = field(default_factory=Counter)  # minutes (one decimal) -> answered requests
    lengths: Counter = field(default_factory=Counter)  # minutes (one decimal) -> ended live chats

    COUNTERS = ("hours", "categories", "settings", "cross", "ocsea", "agreement", "handoffs", "waits", "lengths")

    def add(self, other: Counts) -> Counts:
        self.total += other.total
        self.coded += other.coded
        for name, values in other.by.items():
            self.by.setdefault(name, Counter()).update(values)
        for name in self.COUNTERS:
            getattr(self, name).update(getattr(other, name))
        return self

    def as_json(self) -> dict[str, Any]:
        return {"total": self.total, "coded": self.coded, "by": {k: dict(v) for k, v in self.by.items()},
                **{name: dict(getattr(self, name)) for name in self.COUNTERS}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Counts:
        made = cls(total=data["total"], coded=data["coded"], by={k: Counter(v) for k, v in data["by"].items()})
        for name in cls.COUNTERS:
            setattr(made, name, Counter(data.get(name, {})))
        return made

    # Views the figures and exports read.
    def by_code(self, counter: str) -> dict[str, Counter]:
        """A 'code|rest' counter as {code: Counter(rest)}."""
        found: dict[str, Counter] = {}
        for key, n in getattr(self, counter).items():
            code, rest = key.split(SEP, 1)
            found.setdefault(code, Counter())[rest] += n
        return found

    def minutes(self, counter: str) -> list[float]:
        return sorted(float(value) for value, n in getattr(self, counter).items() for _ in range(n))


def _minutes(start: datetime, end: datetime) -> str:
    return f"{(end - start).total_seconds() / 60:.1f}"


def tally(contacts: Iterable[Contact]) -> Counts:
    counts = Counts()
    by = {name: Counter() for name in DIMENSIONS}
    for contact in contacts:
        counts.total += 1
        for name in DIMENSIONS:
            by[name][contact.values[name]] += 1
        counts.hours[contact.hour.strftime("%Y-%m-%dT%H")] += 1
        for code, setting in contact.categories.items():
            counts.categories[code] += 1
            counts.settings[f"{code}{SEP}{setting or 'unknown'}"] += 1
            counts.cross[SEP.join((code, *[contact.values[name] for name in CROSS]))] += 1
            if code.startswith("ocsea."):
                for name in OCSEA_ATTRIBUTES:
                    counts.ocsea[SEP.join((code, name, contact.values[name]))] += 1
        if contact.theirs is not None:
            counts.coded += 1
            for code in contact.bot:
                counts.agreement[f"{code}{SEP}bot"] += 1
            for code in contact.theirs:
                counts.agreement[f"{code}{SEP}counsellor"] += 1
                if code in contact.bot:
                    counts.agreement[f"{code}{SEP}both"] += 1
        if contact.handoff is not None:
            status, asked, taken, ended = contact.handoff
            counts.handoffs["queued"] += 1
            if taken is not None:
                counts.handoffs["answered"] += 1
                counts.waits[_minutes(asked, taken)] += 1
                if ended is not None:
                    counts.lengths[_minutes(taken, ended)] += 1
            elif status == "cancelled":
                counts.handoffs["abandoned"] += 1
            if status == "waiting":
                counts.handoffs["waiting"] += 1
    counts.by = {name: values for name, values in by.items() if values}
    return counts
