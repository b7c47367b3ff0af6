"""Helpline review: statistics of the anonymised contact log and its exports (CHI-style aggregate,
anonymised records), for the supervisor and data officer roles and the `export` command.

query (period and filters) -> summary / counts (the database) -> figures (the page) / export (the files);
every export is written to the staff audit log by `export`, whoever asked and however.
"""

from __future__ import annotations

from typing import Any, Literal

from bot.review import export as exports
from bot.review import figures
from bot.review.query import QueryError, ReviewQuery, parse
from bot.review.summary import count
from bot.staff import record

__all__ = ["QueryError", "ReviewQuery", "export", "parse", "statistics"]
Kind = Literal["aggregate", "records"]


def statistics(query: ReviewQuery, url: str | None = None) -> dict[str, Any]:
    """The statistics page's JSON: period, filters, total and every figure."""
    from bot.locales import catalog

    counts = count(query, url)
    countries = tuple(code for code in catalog().directory["entries"] if len(code) == 2)
    return {"period": query.period.as_dict(), "filters": query.filters.as_dict(), "total": counts.total,
            "options": figures.options(tuple(catalog().texts), countries), "figures": figures.build(query, counts)}


def export(actor: str, kind: Kind, query: ReviewQuery, fmt: exports.Format, url: str | None = None) -> exports.Export:
    """An export, written to the audit log (who, which kind, which period and filters)."""
    made = exports.records(query, fmt, url) if kind == "records" else exports.aggregate(query, fmt, url)
    record(actor, f"export.{kind}", None, f"{fmt} {query.describe()}"[:200], url)
    return made
