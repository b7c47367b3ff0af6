"""Counsellors' hours (bot.handoff.hours): parsing, time zones and holidays, clear errors, and the
bot that queues nobody outside the hours even with a counsellor signed in."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.handoff import hours
from bot.handoff.hours import HoursError, parse
from bot.settings import get_settings
from tests.support.console import on_duty

NAIROBI = {"timezone": "Africa/Nairobi", "weekly": {"mon": ["08:00-12:00", "13:00-20:00"], "sun": ["00:00-24:00"]},
           "holidays": ["2026-12-28"]}


@pytest.mark.parametrize(("utc", "is_open"), [
    ("2026-11-30T05:00", True),   # Monday 08:00 in Nairobi (UTC+3): opens
    ("2026-11-30T04:59", False),  # 07:59
    ("2026-11-30T09:30", False),  # 12:30, the lunch gap
    ("2026-11-30T16:59", True),   # 19:59
    ("2026-11-30T17:00", False),  # 20:00: closed
    ("2026-12-01T10:00", False),  # Tuesday: no hours
    ("2026-12-06T10:00", True),   # Sunday, all day
    ("2026-12-06T22:30", False),  # 01:30 on Monday in Nairobi, though still Sunday in UTC
    ("2026-12-28T10:00", False),  # a Monday, but a holiday
])
def test_open_by_the_local_clock_with_holidays(utc: str, is_open: bool) -> None:
    when = datetime.fromisoformat(utc).replace(tzinfo=timezone.utc)
    assert parse(NAIROBI).is_open(when) is is_open


@pytest.mark.parametrize(("document", "problem"), [
    ({"timezone": "Mars/Olympus"}, "time zone"),
    ({"timezone": "UTC", "weekly": {"funday": ["08:00-09:00"]}}, "funday"),
    ({"timezone": "UTC", "weekly": {"mon": ["8-9"]}}, "time like"),
    ({"timezone": "UTC", "weekly": {"mon": ["20:00-06:00"]}}, "start before it ends"),
    ({"timezone": "UTC", "holidays": ["25/12/2026"]}, "holidays"),
    (["not", "a", "mapping"], "mapping"),
])
def test_a_wrong_hours_file_is_explained(document: object, problem: str) -> None:
    with pytest.raises(HoursError, match=problem):
        parse(document)


def test_outside_the_hours_nobody_is_queued_even_with_a_counsellor_signed_in(chat, tmp_path: Path, monkeypatch) -> None:
    closed = tmp_path / "hours.yml"
    closed.write_text("timezone: UTC\nweekly: {}\n", encoding="utf-8")  # never open
    always = tmp_path / "always.yml"
    always.write_text("timezone: UTC\nweekly: {" + ", ".join(f"{d}: ['00:00-24:00']" for d in hours.DAYS) + "}\n")
    with on_duty(get_settings().database_url):
        for path, key in ((closed, "msg:human_requested"), (always, "msg:human_queued")):
            monkeypatch.setenv("HOURS_FILE", str(path))
            hours.configured.cache_clear()
            conversation = chat("en", channel="webchat", country="KE")
            conversation.conversation.sender = f"hours-{path.stem}"  # its own conversation in the queue
            assert key in conversation.send("can i talk to a real person please")
    hours.configured.cache_clear()
