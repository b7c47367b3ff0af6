"""Retention: Rasa's tracker store keeps raw text, so old conversation events are deleted."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from bot.retention import purge
from bot.server import tracker_store_config
from bot.settings import Settings, get_settings
from tests.conftest import ROOT

DAY = 86400


def session(start: float, words: str) -> list:
    return [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start),
        ActionExecuted("action_listen", timestamp=start),
        UserUttered(words, {"name": "greet", "confidence": 1.0}, timestamp=start + 1),
    ]


def store_for(url: str) -> TrackerStore:
    settings = Settings(**{**get_settings().__dict__, "database_url": url})
    return TrackerStore.create(tracker_store_config(settings), Domain.empty())


def texts_in(url: str) -> dict[str, list[str]]:
    eng = create_engine(url, future=True)
    with eng.connect() as conn:
        rows = conn.execute(text("SELECT sender_id, data FROM events WHERE type_name = 'user'")).all()
    eng.dispose()
    found: dict[str, list[str]] = {}
    for sender, data in rows:
        found.setdefault(sender, []).append(data)
    return found


def test_purge_deletes_old_conversations_and_old_sessions_only(db_url: str) -> None:
    now = time.time()
    store = store_for(db_url)
    trackers = {
        "quiet-for-40-days": session(now - 40 * DAY, "old words"),
        "came-back-today": session(now - 40 * DAY, "old session words") + session(now - 60, "new session words"),
        "talking-today": session(now - 120, "fresh words"),
    }
    for sender, events in trackers.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))

    removed = purge(days=30, url=db_url, now=now)
    assert removed == 8  # four events of the quiet conversation, four of the old session

    remaining = texts_in(db_url)
    assert "quiet-for-40-days" not in remaining
    assert len(remaining["came-back-today"]) == 1 and "new session words" in remaining["came-back-today"][0]
    assert len(remaining["talking-today"]) == 1
    tracker = asyncio.run(store.retrieve("came-back-today"))
    assert tracker is not None and tracker.latest_message.text == "new session words"


def test_purge_command_uses_the_configured_database(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'ocsea.db'}"
    now = time.time()
    asyncio.run(store_for(url).save(DialogueStateTracker.from_events("old", session(now - 31 * DAY, "old words"))))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "purge"], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**__import__("os").environ, "DATABASE_URL": url, "RETENTION_DAYS": "30", "DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Deleted 4 conversation events" in result.stdout
    assert texts_in(url) == {}


def test_contact_records_go_after_contact_retention_days_with_everything_tied_to_them(empty_db_url: str) -> None:
    """c7 (28 February) is older than the cut-off and goes with its categories; c2's coding and
    live chat stay with c2. The staff audit log is not touched."""
    from datetime import datetime

    from sqlalchemy import func, select

    from bot.database import engine
    from bot.retention import purge_contacts
    from bot.staff import audit_entries, record
    from bot.tables import contact_categories, contacts, counsellor_codings, handoff_requests
    from tests.support.contact_data import load_known_log

    load_known_log(empty_db_url)
    record("admin", "staff.add", "someone", url=empty_db_url)
    audit_before = len(audit_entries(empty_db_url, 1000))
    now = datetime(2026, 3, 31, 0, 0)
    assert purge_contacts(30, empty_db_url, now) == 1  # before 1 March: only c7
    assert purge_contacts(30, empty_db_url, now) == 0
    with engine(empty_db_url).connect() as conn:
        ids = set(conn.execute(select(contacts.c.id)).scalars())
        assert ids == {"c1", "c2", "c3", "c4", "c5", "c6", "c8"}
        assert conn.execute(select(func.count()).where(contact_categories.c.contact_id == "c7")).scalar_one() == 0
    assert purge_contacts(0, empty_db_url, datetime(2026, 4, 2)) == 7  # everything, coding and queue records too
    with engine(empty_db_url).connect() as conn:
        for table in (contacts, contact_categories, counsellor_codings, handoff_requests):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0
    assert len(audit_entries(empty_db_url, 1000)) == audit_before
