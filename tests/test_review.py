"""The statistics and exports (bot.review) against figures worked out by hand on a small known log
(tests/support/contact_data.py), on SQLite and PostgreSQL.

Each test runs three ways: on SQLite and PostgreSQL reading the log, and with the daily summary
built (bot.review.summary), which must give the same figures to the contact.

March 2026 holds c1, c2, c3, c4, c5 and c8 (c6 is 1 April, c7 is 28 February). c2 and c8 were
coded by a counsellor, so their categories and attributes are the counsellor's (an attribute the
counsellor left unknown keeps the bot's: c8's perpetrator stays "stranger").
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.review import export, parse, statistics, summary
from bot.review.query import QueryError
from bot.staff import audit_entries
from tests.support.contact_data import load_known_log

MARCH = {"period": "month", "from": "2026-03-14"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "summarised"])
def known_log(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "postgresql":
        url = request.getfixturevalue("module_postgres_url")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('review') / 'review.db'}"
    load_known_log(url)
    if request.param == "summarised":
        assert summary.refresh(url, now=datetime(2026, 6, 1)) > 90  # every day from 28 February to 29 May
    yield url


def figures_of(url: str, **params: str) -> tuple[int, dict[str, dict]]:
    page = statistics(parse({**MARCH, **params}), url)
    return page["total"], {figure["id"]: figure for figure in page["figures"]}


def rows(figure: dict) -> dict[str, list]:
    return {row[0]: row[1:] for row in figure["rows"]}


def test_the_month_counts_each_contact_once_and_every_category_it_has(known_log: str) -> None:
    total, figures = figures_of(known_log)
    assert total == 6
    assert rows(figures["channel"]) == {"Web chat": [4, round(4 / 6, 4)], "Telegram": [2, round(2 / 6, 4)]}
    categories = {label: values[0] for label, values in rows(figures["categories"]).items() if values[0]}
    assert categories == {
        "Threatened or blackmailed with sexual images (sextortion)": 2,  # c1 (bot), c2 (counsellor)
        "Sexual images shared without consent": 1,  # c2: only the counsellor saw it
        "Offered money or gifts for sexual images": 1, "Grooming": 2, "Suicidal thoughts or attempts": 1,
        "Consent and relationships": 1, "Reporting": 1,
    }
    assert "every category" in figures["categories"]["note"]
    assert sum(categories.values()) == 9 > total


def test_settings_attributes_gender_and_risk_follow_the_counsellor_where_they_coded(known_log: str) -> None:
    _, figures = figures_of(known_log)
    setting = rows(figures["setting"])  # online, offline, both, unknown
    assert setting["Threatened or blackmailed with sexual images (sextortion)"] == [1, 0, 1, 0]
    assert setting["Grooming"] == [1, 0, 1, 0]
    perpetrator = {label: v[0] for label, v in rows(figures["perpetrator"]).items()}
    assert perpetrator == {"An adult they know": 1, "Someone their age they know": 1, "Someone they did not know": 2,
                           "Not known": 2}
    assert rows(figures["gender"])["Girl"][0] == 1 and rows(figures["gender"])["Boy"][0] == 1
    assert rows(figures["gender"])["Not known"][0] == 4
    assert {label: v[0] for label, v in rows(figures["risk"]).items()} == {"Urgent": 1, "High": 3, "Low": 1, "None": 1}
    assert rows(figures["quick_exit"])["Yes"][0] == 1
    told = rows(figures["told_anyone"])
    assert told["Nobody"][0] == 1 and told["Friend"][0] == 1


def test_over_time_has_every_day_of_the_month(known_log: str) -> None:
    _, figures = figures_of(known_log)
    over_time = rows(figures["over_time"])
    assert len(over_time) == 31 and over_time["2026-03-02"] == [2] and over_time["2026-03-31"] == [1]
    assert sum(v[0] for v in over_time.values()) == 6


def test_handoff_figures_waits_and_chat_lengths(known_log: str) -> None:
    _, figures = figures_of(known_log)
    handoff = {label: value[0] for label, value in rows(figures["handoff"]).items()}
    assert handoff["Asked for a counsellor"] == "3"
    assert handoff["Queued for a counsellor (asked, or at urgent risk)"] == "3"
    assert handoff["Answered by a counsellor"] == "2"
    assert handoff["Left the queue before a counsellor came"] == "1"
    # waits 4 and 10 minutes; chats 30 and 10 minutes (linear interpolation between the two)
    assert handoff["Wait before a counsellor came, median"] == "7.0 min"
    assert handoff["Wait before a counsellor came, 90th percentile"] == "9.4 min"
    assert handoff["Length of a live chat, median"] == "20.0 min"
    assert handoff["Length of a live chat, 90th percentile"] == "28.0 min"


def test_agreement_between_the_bot_and_the_counsellor(known_log: str) -> None:
    _, figures = figures_of(known_log)
    agreement = rows(figures["agreement"])  # bot, counsellor, both, agreement, kappa
    assert agreement["Threatened or blackmailed with sexual images (sextortion)"] == [1, 1, 1, 1.0, "1.00"]
    assert agreement["Sexual images shared without consent"] == [0, 1, 0, 0.0, "0.00"]
    assert agreement["Grooming"] == [1, 1, 1, 1.0, "1.00"]
    assert "2 contacts a counsellor coded" in figures["agreement"]["note"]


@pytest.mark.parametrize(("params", "expected"), [
    ({"channel": "telegram"}, 2), ({"category": "ocsea.sextortion"}, 2), ({"category": "ocsea.images_shared"}, 1),
    ({"category": "info.reporting"}, 1), ({"coded_by": "counsellor"}, 2), ({"coded_by": "bot"}, 4),
    ({"risk": "high"}, 3), ({"age_band": "16_17"}, 2), ({"country": "KE"}, 3), ({"language": "sw"}, 1),
    ({"period": "week", "from": "2026-03-04"}, 2), ({"period": "day", "from": "2026-03-31"}, 1),
    ({"period": "quarter", "from": "2026-02-01"}, 7), ({"period": "year", "from": "2026-06-01"}, 8),
    ({"period": "custom", "from": "2026-02-28", "to": "2026-03-02"}, 3),
])
def test_every_figure_follows_the_period_and_filters(known_log: str, params: dict, expected: int) -> None:
    total, figures = figures_of(known_log, **params)
    assert total == expected
    assert sum(row[1] for row in figures["channel"]["rows"]) == expected
    assert sum(row[1] for row in figures["over_time"]["rows"]) == expected


def test_a_period_with_no_contacts_has_zeros_everywhere(known_log: str) -> None:
    total, figures = figures_of(known_log, period="year", **{"from": "2020-05-05"})
    assert total == 0 and len(figures["over_time"]["rows"]) == 12
    assert all(row[1] == 0 for fid in ("categories", "age_band", "risk") for row in figures[fid]["rows"])
    made = export("tester", "aggregate", parse({"period": "year", "from": "2020-05-05"}), "csv", known_log)
    assert made.rows > 100


@pytest.mark.parametrize(("params", "problem"), [
    ({"period": "fortnight"}, "period"), ({"from": "14/03/2026"}, "YYYY-MM-DD"), ({"category": "sextortion"}, "category"),
    ({"risk": "extreme"}, "risk"), ({"period": "custom", "from": "2026-03-02", "to": "2026-03-01"}, "before"),
    ({"country": "kenya"}, "country"), ({"coded_by": "nobody"}, "coded by"),
])
def test_a_bad_period_or_filter_is_refused_with_a_sentence(params: dict, problem: str) -> None:
    with pytest.raises(QueryError, match=problem):
        parse({**MARCH, **params})


def test_the_aggregate_csv_opens_in_a_spreadsheet_and_is_suppressed(known_log: str) -> None:
    made = export("data.officer", "aggregate", parse(MARCH), "csv", known_log)
    assert made.body.startswith(b"\xef\xbb\xbf") and made.filename.endswith(".csv")
    table = list(csv.reader(io.StringIO(made.body.decode("utf-8-sig"))))
    header, body = table[0], table[1:]
    assert header == ["section", "main_category", "subcategory", "code", "breakdown", "value", "label", "contacts"]
    assert all(len(row) == len(header) for row in body)
    assert sum(1 for row in table if row[0] == "section") == 1  # one header row
    rule = next(row for row in body if row[4] == "suppression_rule")
    assert "under 10" in rule[5]
    counts = [row[7] for row in body if row[0] != "about"]
    assert set(counts) == {"<10"}  # six contacts: every cell and total is small
    indicators = {row[3] for row in body if row[0] == "ocsea_indicators"}
    assert indicators == {"ocsea.sextortion", "ocsea.images_shared", "ocsea.offer_for_images", "ocsea.offer_to_meet"}


def test_record_export_has_no_ids_and_weeks_only(known_log: str) -> None:
    made = export("data.officer", "records", parse(MARCH), "json", known_log)
    document = json.loads(made.body)
    records = document["rows"]
    assert len(records) == 6 and [r["record"] for r in records] == [1, 2, 3, 4, 5, 6]
    text = made.body.decode()
    for contact in ("c1", "c2", "c3", "c4", "c5", "c8"):
        assert f'"{contact}"' not in text
    assert {r["week_starting"] for r in records} == {"2026-03-02", "2026-03-09", "2026-03-16", "2026-03-30"}
    assert not any(":" in r["week_starting"] for r in records)
    c2 = next(r for r in records if r["language"] == "sw")
    assert c2["coded_by"] == "counsellor" and c2["gender"] == "girl" and c2["perpetrator"] == "known_peer"
    assert c2["categories"] == "mental_health.suicidal;ocsea.images_shared(online);ocsea.sextortion(both)"


def test_every_export_is_in_the_audit_log(known_log: str) -> None:
    query = parse({**MARCH, "channel": "telegram"})
    export("auditor.test", "aggregate", query, "json", known_log)
    export("auditor.test", "records", query, "csv", known_log)
    entries = audit_entries(known_log, 10, actor="auditor.test")
    assert [e["action"] for e in entries] == ["export.records", "export.aggregate"]
    assert entries[0]["detail"].startswith("csv 2026-03-01..2026-03-31 month filters=channel=telegram")
    assert audit_entries(known_log, 10, action="export", actor="nobody.else") == []


def test_the_export_command_writes_the_file_and_the_audit_entry(known_log: str, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    out = tmp_path / "march.csv"
    env = {**os.environ, "DATABASE_URL": known_log, "DATA_DIR": str(tmp_path), "PSEUDONYM_KEY": "k" * 40}
    done = subprocess.run([sys.executable, "-m", "bot", "export", "--from", "2026-03-01", "--to", "2026-03-31",
                           "--format", "csv", "--records", "--output", str(out)], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 7
    entry = audit_entries(known_log, 1, action="export.records")[0]
    assert entry["actor"].startswith("cli:") and "2026-03-01..2026-03-31" in entry["detail"]
    refused = subprocess.run([sys.executable, "-m", "bot", "export", "--from", "2026-03-31", "--to", "2026-03-01"],
                             env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "before" in refused.stderr
