"""Exports of the contact log: the CHI-style aggregate (small numbers suppressed) and the record
level file for the data officer (anonymised further: week only, no ids).

Both come out as one flat table with one header row, so a spreadsheet opens the CSV as it is
(UTF-8 with a byte-order mark, quoted where needed) and the JSON holds the same rows. The
aggregate's first rows ("about") state the period, filters and the suppression rule.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from bot.database import engine
from bot.handoff.coding import CATEGORIES
from bot.review import labels, suppression
from bot.review.counts import read
from bot.review.query import ReviewQuery
from bot.review.summary import count
from bot.review.tally import CROSS, OCSEA_ATTRIBUTES, SEP, Counts

Format = Literal["csv", "json"]
AGGREGATE_COLUMNS = ("section", "main_category", "subcategory", "code", "breakdown", "value", "label", "contacts")
RECORD_COLUMNS = ("record", "week_starting", "channel", "language", "country", "age_band", "gender", "caller",
                  "perpetrator", "platform", "time_since_event", "told_anyone", "highest_risk", "outcome",
                  "asked_for_counsellor", "quick_exit", "coded_by", "categories")
BREAKDOWN_VALUES = {"age_band": labels.VALUES["age_band"], "gender": labels.VALUES["gender"],
                    "setting": labels.SETTINGS, **{name: labels.VALUES[name] for name in OCSEA_ATTRIBUTES}}
COUNTING_RULE = ("A contact is one conversation session. A contact counts under every category it has; where a "
                 "counsellor coded it, their categories and attributes are used, otherwise the bot's.")


@dataclass(frozen=True)
class Export:
    filename: str
    content_type: str
    body: bytes
    rows: int


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def _breakdown_rows(counts: Counts, channels: tuple[str, ...]) -> Iterator[tuple[str, str, str, dict[str, int]]]:
    """(section, code, breakdown, value -> contacts) for every row of the aggregate."""
    values = {**BREAKDOWN_VALUES, "channel": channels}
    for name in CROSS:
        yield "all_contacts", "all", name, {v: counts.by.get(name, Counter()).get(v, 0) for v in values[name]}
    cross, settings, ocsea = counts.by_code("cross"), counts.by_code("settings"), counts.by_code("ocsea")
    for code in CATEGORIES:
        for position, name in enumerate(CROSS):
            split: Counter = Counter()
            for key, n in cross.get(code, Counter()).items():
                split[key.split(SEP)[position]] += n
            yield "categories", code, name, {v: split.get(v, 0) for v in values[name]}
    for code in labels.DISRUPTING_HARM:
        where = settings.get(code, Counter())
        yield "ocsea_indicators", code, "setting", {v: where.get(v, 0) for v in labels.SETTINGS}
        attributes: dict[str, Counter] = {}
        for key, n in ocsea.get(code, Counter()).items():
            name, value = key.split(SEP, 1)
            attributes.setdefault(name, Counter())[value] += n
        for name in OCSEA_ATTRIBUTES:
            split = attributes.get(name, Counter())
            yield "ocsea_indicators", code, name, {v: split.get(v, 0) for v in values[name]}


def aggregate_rows(query: ReviewQuery, counts: Counts) -> list[dict[str, Any]]:
    """The published rows, suppressed; a total that cannot be protected is hidden in every table."""
    present = set(counts.by.get("channel", Counter()))
    channels = tuple(labels.CHANNELS) + tuple(sorted(present - set(labels.CHANNELS)))
    rows_in = list(_breakdown_rows(counts, channels))
    hidden: set[str] = set()
    while True:
        needs = {code for _s, code, _b, split in rows_in
                 if code not in hidden and suppression.suppress_row(list(split.values()))[2]}
        if not needs:
            break
        hidden |= needs
    about = [("period", f"{query.period.first} to {query.period.last}"), ("filters", query.filters.describe()),
             ("generated", _now()), ("suppression_rule", suppression.RULE), ("counting_rule", COUNTING_RULE)]
    rows: list[dict[str, Any]] = [dict(zip(AGGREGATE_COLUMNS, ("about", "", "", "", name, text, "", ""), strict=False))
                                  for name, text in about]
    chi = labels.chi_categories()
    for section, code, breakdown, split in rows_in:
        cells, total, _ = suppression.suppress_row(list(split.values()), hide_total=code in hidden)
        main, sub = chi.get(code, ("All", "All contacts"))
        label = labels.DISRUPTING_HARM.get(code, sub) if section == "ocsea_indicators" else sub
        for value, cell in [*zip(split, cells, strict=False), ("total", total)]:
            shown = "Total" if value == "total" else labels.label(breakdown, value)
            rows.append(dict(zip(AGGREGATE_COLUMNS, (section, main, label, code, breakdown, value, shown, cell), strict=False)))
    return rows


def _week(hour: datetime) -> str:
    return (hour.date() - timedelta(days=hour.weekday())).isoformat()


def record_rows(query: ReviewQuery, url: str | None = None) -> list[dict[str, Any]]:
    """One row per contact: no contact id, no hash, no hour; sorted by content, so the order
    carries no time either. `record` numbers the rows of this file only."""
    rows = []
    with engine(url).connect() as conn:
        for contact in read(conn, query.period.start, query.period.end, query.filters):
            values = contact.values
            rows.append({
                "week_starting": _week(contact.hour), **{name: values[name] for name in (
                    "channel", "language", "country", "age_band", "gender", "caller", "perpetrator", "platform",
                    "time_since_event", "told_anyone", "highest_risk", "outcome")},
                "asked_for_counsellor": values["human_requested"], "quick_exit": values["quick_exit"],
                "coded_by": "bot" if contact.theirs is None else "counsellor",
                "categories": ";".join(sorted(f"{code}({setting})" if setting else code
                                              for code, setting in contact.categories.items())),
            })
    rows.sort(key=lambda r: tuple(str(r[name]) for name in RECORD_COLUMNS[1:]))
    return [{"record": number, **row} for number, row in enumerate(rows, start=1)]


def _safe(value: Any) -> Any:
    """A cell a spreadsheet must not run as a formula."""
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_safe(row[name]) for name in columns])
    return out.getvalue().encode("utf-8-sig")


def render(kind: str, query: ReviewQuery, fmt: Format, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> Export:
    stem = f"ocsea-{kind}-{query.period.first}-to-{query.period.last}"
    if fmt == "csv":
        return Export(f"{stem}.csv", "text/csv; charset=utf-8", to_csv(columns, rows), len(rows))
    document: dict[str, Any] = {"kind": kind, "period": query.period.as_dict(), "filters": query.filters.as_dict(),
                                "generated": _now(), "columns": list(columns), "rows": rows}
    if kind == "aggregate":
        document["suppression_rule"], document["counting_rule"] = suppression.RULE, COUNTING_RULE
    body = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    return Export(f"{stem}.json", "application/json; charset=utf-8", body, len(rows))


def aggregate(query: ReviewQuery, fmt: Format, url: str | None = None) -> Export:
    return render("aggregate", query, fmt, aggregate_rows(query, count(query, url)), AGGREGATE_COLUMNS)


def records(query: ReviewQuery, fmt: Format, url: str | None = None) -> Export:
    return render("records", query, fmt, record_rows(query, url), RECORD_COLUMNS)
