"""The statistics page's figures from the counts: each one a title, a chart kind and the table of
its numbers (the table is the accessible form of the chart and carries every number)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from statistics import quantiles
from typing import Any, Literal

from bot.handoff.coding import CATEGORIES
from bot.review import labels
from bot.review.query import AGE_BANDS, CODED_BY, Period, ReviewQuery
from bot.review.tally import Counts
from bot.triage import RISK_ORDER

Chart = Literal["line", "bar", "stacked", "none"]
SETTING_NOTE = "Only categories of abuse and violence carry a setting. 'Both' means online and offline together."
MULTIPLE_NOTE = ("A contact counts under every category it has, so these add up to more than the number of contacts. "
                 "Where a counsellor coded a contact, their coding is used; otherwise the bot's.")
ATTRIBUTE_NOTE = "Among the contacts shown; where neither the bot nor a counsellor learnt it, it is 'Not known'."
SETTING_CATEGORIES = tuple(code for code in CATEGORIES if code.startswith(("ocsea.", "abuse.")) or code == "bullying")


def _column(label: str, kind: str) -> dict[str, str]:
    return {"label": label, "type": kind}


def figure(fid: str, title: str, chart: Chart, columns: list[dict], rows: list[list], note: str | None = None,
           plot: list[int] | None = None) -> dict[str, Any]:
    """`plot`: the columns the chart draws (default: the count columns)."""
    if plot is None:
        plot = [i for i, c in enumerate(columns) if c["type"] == "count"][: 1 if chart in ("line", "bar") else None]
    return {"id": fid, "title": title, "chart": chart, "note": note, "columns": columns, "rows": rows, "plot": plot}


def _share(n: int, total: int) -> float:
    return round(n / total, 4) if total else 0.0


def distribution(fid: str, title: str, counts: Counter, total: int, dimension: str, heading: str,
                 order: tuple[str, ...] | None = None, note: str | None = None) -> dict[str, Any]:
    """Contacts per value: the taxonomy's values in order (zeros too, so periods compare), or the
    values present, most first."""
    values = list(order) + sorted(set(counts) - set(order)) if order else [v for v, _ in counts.most_common()]
    rows = [[labels.label(dimension, value), counts.get(value, 0), _share(counts.get(value, 0), total)] for value in values]
    columns = [_column(heading, "label"), _column("Contacts", "count"), _column("Share of contacts", "share")]
    return figure(fid, title, "bar", columns, rows, note)


def _bucket_start(hour: datetime, bucket: str) -> datetime:
    if bucket == "hour":
        return hour
    day = datetime.combine(hour.date(), datetime.min.time())
    if bucket == "day":
        return day
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _bucket_label(start: datetime, bucket: str) -> str:
    return {"hour": start.strftime("%Y-%m-%d %H:00"), "day": start.strftime("%Y-%m-%d"),
            "week": f"Week of {start:%Y-%m-%d}", "month": start.strftime("%Y-%m")}[bucket]


def over_time(hours: Counter, period: Period) -> dict[str, Any]:
    bucket = period.bucket
    totals: Counter = Counter()
    for hour, n in hours.items():
        totals[_bucket_start(datetime.fromisoformat(hour), bucket)] += n
    step = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7)}.get(bucket)
    start, rows = _bucket_start(period.start, bucket), []
    while start < period.end:
        rows.append([_bucket_label(start, bucket), totals.get(start, 0)])
        start = start + step if step else (start.replace(year=start.year + 1, month=1) if start.month == 12
                                           else start.replace(month=start.month + 1))
    heading = {"hour": "Hour (UTC)", "day": "Day", "week": "Week", "month": "Month"}[bucket]
    return figure("over_time", "Contacts over time", "line", [_column(heading, "label"), _column("Contacts", "count")],
                  rows, "Times are the hour a contact started, in UTC.")


def categories(counts: Counts) -> dict[str, Any]:
    rows = [[labels.category_label(code), counts.categories.get(code, 0), _share(counts.categories.get(code, 0), counts.total)]
            for code in CATEGORIES]
    columns = [_column("Category", "label"), _column("Contacts", "count"), _column("Share of contacts", "share")]
    return figure("categories", "Categories", "bar", columns, rows, MULTIPLE_NOTE)


def settings(counts: Counts) -> dict[str, Any]:
    rows, by_code = [], counts.by_code("settings")
    for code in SETTING_CATEGORIES:
        where = by_code.get(code, Counter())
        rows.append([labels.category_label(code), *[where.get(s, 0) for s in labels.SETTINGS]])
    columns = [_column("Category", "label"), *[_column(labels.value_label(s), "count") for s in labels.SETTINGS]]
    return figure("setting", "Online or offline, per category", "stacked", columns, rows, SETTING_NOTE)


def _minutes(values: list[float]) -> tuple[str, str]:
    if not values:
        return "-", "-"
    if len(values) == 1:
        return f"{values[0]:.1f} min", f"{values[0]:.1f} min"
    cuts = quantiles(values, n=10, method="inclusive")
    return f"{cuts[4]:.1f} min", f"{cuts[8]:.1f} min"


def handoff(counts: Counts) -> dict[str, Any]:
    queued = counts.handoffs
    helpful = counts.by.get("helpful", Counter())
    wait_median, wait_p90 = _minutes(counts.minutes("waits"))
    length_median, length_p90 = _minutes(counts.minutes("lengths"))
    asked = counts.by.get("human_requested", Counter()).get("yes", 0)
    rows = [
        ["Asked for a counsellor", f"{asked:,}"],
        ["Queued for a counsellor (asked, or at urgent risk)", f"{queued['queued']:,}"],
        ["Answered by a counsellor", f"{queued['answered']:,}"],
        ["Left the queue before a counsellor came", f"{queued['abandoned']:,}"],
        ["Still waiting", f"{queued['waiting']:,}"],
        ["Wait before a counsellor came, median", wait_median],
        ["Wait before a counsellor came, 90th percentile", wait_p90],
        ["Length of a live chat, median", length_median],
        ["Length of a live chat, 90th percentile", length_p90],
        ["Said the live chat helped", f"{helpful.get('yes', 0):,}"],
        ["Said the live chat did not help", f"{helpful.get('no', 0):,}"],
    ]
    return figure("handoff", "Live chats with a counsellor", "none",
                  [_column("Measure", "label"), _column("Value", "text")], rows,
                  "Counted for the contacts shown. Waits run from joining the queue to a counsellor taking the chat.")


def kappa(both: int, bot: int, theirs: int, coded: int) -> float | None:
    """Cohen's kappa for one category on the coded contacts: agreement beyond chance."""
    if coded == 0:
        return None
    only_bot, only_theirs = bot - both, theirs - both
    neither = coded - both - only_bot - only_theirs
    observed = (both + neither) / coded
    expected = (bot * theirs + (coded - bot) * (coded - theirs)) / coded**2
    return None if expected == 1 else round((observed - expected) / (1 - expected), 3)


def agreement(counts: Counts) -> dict[str, Any]:
    rows, by_code = [], counts.by_code("agreement")
    for code in CATEGORIES:
        seen = by_code.get(code, Counter())
        either = seen["bot"] + seen["counsellor"] - seen["both"]
        value = kappa(seen["both"], seen["bot"], seen["counsellor"], counts.coded)
        rows.append([labels.category_label(code), seen["bot"], seen["counsellor"], seen["both"],
                     _share(seen["both"], either), "-" if value is None else f"{value:.2f}"])
    columns = [_column("Category", "label"), _column("Bot", "count"), _column("Counsellor", "count"),
               _column("Both", "count"), _column("Agreement", "share"), _column("Cohen's kappa", "text")]
    note = (f"On the {counts.coded:,} contacts a counsellor coded. Agreement: contacts where both gave the category, "
            "out of those where either did. Kappa corrects for agreement by chance (1 is perfect, 0 is chance).")
    return figure("agreement", "Bot triage and counsellor coding, per category", "bar", columns, rows, note, plot=[4])


def build(query: ReviewQuery, counts: Counts) -> list[dict[str, Any]]:
    by, total = counts.by, counts.total

    def dist(fid: str, title: str, dimension: str, heading: str, order: tuple[str, ...] | None = None,
             note: str | None = None, key: str | None = None) -> dict[str, Any]:
        return distribution(fid, title, by.get(key or dimension, Counter()), total, dimension, heading, order, note)

    return [
        over_time(counts.hours, query.period),
        dist("channel", "By channel", "channel", "Channel"),
        dist("language", "By language", "language", "Language"),
        dist("country", "By country", "country", "Country"),
        dist("age_band", "By age band", "age_band", "Age band", AGE_BANDS),
        dist("gender", "By gender", "gender", "Gender", labels.VALUES["gender"],
             "Only a counsellor records gender; the bot never asks."),
        categories(counts),
        settings(counts),
        dist("platform", "Platforms", "platform", "Platform", labels.VALUES["platform"], ATTRIBUTE_NOTE),
        dist("perpetrator", "Who did it", "perpetrator", "Person", labels.VALUES["perpetrator"], ATTRIBUTE_NOTE),
        dist("time_since_event", "Time since the event", "time_since_event", "Time", labels.VALUES["time_since_event"],
             ATTRIBUTE_NOTE),
        dist("told_anyone", "Who the child told before", "told_anyone", "Told", labels.VALUES["told_anyone"],
             ATTRIBUTE_NOTE),
        dist("risk", "Highest risk level", "risk", "Risk", tuple(reversed(RISK_ORDER)), key="highest_risk"),
        dist("outcome", "Outcomes", "outcome", "Outcome", labels.VALUES["outcome"]),
        dist("quick_exit", "Quick exits", "quick_exit", "Left with the quick-exit button", ("yes", "no")),
        handoff(counts),
        agreement(counts),
    ]


def options(catalogue_languages: tuple[str, ...], countries: tuple[str, ...]) -> dict[str, list[dict[str, str]]]:
    """What each filter can be set to (the page's selects)."""
    def pairs(dimension: str, values: tuple[str, ...]) -> list[dict[str, str]]:
        return [{"value": v, "label": labels.label(dimension, v)} for v in values]

    return {
        "channel": pairs("channel", tuple(labels.CHANNELS)),
        "language": pairs("language", (*catalogue_languages, "unknown")),
        "country": sorted(pairs("country", (*countries, "unknown")), key=lambda o: o["label"]),
        "age_band": pairs("age_band", AGE_BANDS),
        "category": [{"value": code, "label": label} for code, label in CATEGORIES.items()],
        "risk": pairs("risk", tuple(reversed(RISK_ORDER))),
        "coded_by": [{"value": "bot", "label": "Bot only"}, {"value": "counsellor", "label": "A counsellor"}][: len(CODED_BY)],
    }

