"""The production path: the whole service on PostgreSQL, including a database restart."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from bot.buttons import BUTTON_PAYLOADS
from bot.contact_log import contact_categories
from bot.locales import catalog
from bot.pseudonym import pseudonymise
from tests.conftest import LiveServer, make_server
from tests.support.services import contact_of, postgres, redis_or_skip

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pg_server(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = make_server(tmp_path_factory.mktemp("pg-live"), database_url=postgres_url)
    server.start()
    yield server
    server.stop()


def restart_postgres() -> None:
    postgres("restart")


def test_conversation_is_stored_in_postgres_and_survives_a_database_restart(pg_server: LiveServer, postgres_url: str) -> None:
    sender = f"pg-{uuid.uuid4().hex[:8]}"
    replies = pg_server.send(sender, BUTTON_PAYLOADS["country_UG"])
    assert replies
    replies = pg_server.send(sender, "someone is threatening to post my nudes unless i send more")
    assert replies[0]["text"] == catalog().step("sextortion", 0, "en", country="UG").text  # the help first

    restart_postgres()
    replies = pg_server.send(sender, "i want to kill myself")  # the first message after the restart
    assert replies, "no answer after the database restarted"
    assert "999" in replies[0]["text"].splitlines()[0]  # Uganda's emergency number, first

    eng = create_engine(postgres_url, future=True)
    with eng.connect() as conn:
        row = contact_of(conn, pseudonymise("rest", sender))
        codes = set(conn.execute(select(contact_categories.c.code).where(contact_categories.c.contact_id == row["id"])).scalars())
        user_events = conn.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s AND type_name = 'user'"), {"s": pseudonymise("rest", sender)}
        ).scalar()
    eng.dispose()
    assert row["country"] == "UG" and row["highest_risk"] == "urgent"
    assert {"ocsea.sextortion", "mental_health.suicidal"} <= codes
    assert user_events == 3  # every message reached Rasa's tracker store, none lost in the restart


def test_with_redis_lock_store_as_for_several_servers(postgres_url: str, tmp_path: Path) -> None:
    """PostgreSQL plus Redis locks: the set-up for several Rasa servers behind one address."""
    redis_or_skip()
    server = make_server(tmp_path, database_url=postgres_url)
    server.env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    server.start()
    try:
        sender = f"redis-{uuid.uuid4().hex[:8]}"
        assert server.send(sender, "/greet")[0]["text"] == catalog().message("welcome", "en").text
        assert server.send(sender, BUTTON_PAYLOADS["age_under_13"])[0]["text"] == catalog().message("age_saved", "en").text
    finally:
        server.stop()
