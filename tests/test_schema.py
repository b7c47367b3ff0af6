"""Migrations (bot.schema, bot/migrations/): a database made by earlier code keeps its data, the
migrations match the tables in bot.tables, and several processes may start on one database."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, inspect, select

from bot.schema import ensure_schema, include_object
from bot.settings import PROJECT_ROOT
from bot.tables import metadata

HEAD = "0006"
BEFORE_MIGRATIONS = ("contacts", "contact_categories", "contact_sessions", "handoff_requests", "telegram_updates",
                     "telegram_outbox", "telegram_chats", "telegram_sent", "telegram_leases")
# Columns that later migrations added to those tables (0005: the live handoff).
ADDED_LATER = {"contacts": {"helpful", "topics_covered"}, "handoff_requests": {"counsellor", "taken_at", "ended_at", "flagged"}}


def differences(url: str) -> list:
    with create_engine(url, future=True).connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object, "compare_type": True})
        return compare_metadata(context, metadata)


def revision(url: str) -> str | None:
    with create_engine(url, future=True).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_a_database_made_before_migrations_is_upgraded_and_keeps_its_data(empty_db_url: str) -> None:
    # What the code before migrations did: create_all of its tables, then data in them.
    before = MetaData()
    for name in BEFORE_MIGRATIONS:
        metadata.tables[name].to_metadata(before)
    # contacts.user_hash, dropped by migration 0004, was there then
    before.tables["contacts"].append_column(Column("user_hash", String(64), nullable=False, index=True))
    eng = create_engine(empty_db_url, future=True)
    before.create_all(eng)
    with eng.begin() as conn:  # without what later migrations added
        for name, columns in ADDED_LATER.items():
            for column in columns:
                if metadata.tables[name].c[column].index:
                    conn.exec_driver_sql(f"DROP INDEX ix_{name}_{column}")
                conn.exec_driver_sql(f"ALTER TABLE {name} DROP COLUMN {column}")
    before = MetaData()
    before.reflect(eng)  # the tables as they were, for the data written below
    hour = datetime(2026, 11, 30, 14)
    with eng.begin() as conn:
        conn.execute(insert(before.tables["contacts"]).values(
            id="c1", user_hash="c1", started_hour=hour, channel="telegram", language="sw", country="KE", age_band="13_15",
            caller="self", perpetrator="known_adult", platform="whatsapp", time_since_event="week", told_anyone="friend",
            highest_risk="high", human_requested=True, quick_exit=False, outcome="signposted"))
        conn.execute(insert(before.tables["contact_categories"]).values(contact_id="c1", code="ocsea.sextortion", setting="online"))
        conn.execute(insert(before.tables["handoff_requests"]).values(
            contact_id="c1", conversation="h" * 64, priority=1, status="waiting", requested_at=hour))
        conn.execute(insert(before.tables["telegram_leases"]).values(conversation="h" * 64, owner="p1", expires_at=1.5))

    ensure_schema(eng)

    assert revision(empty_db_url) == HEAD
    with eng.connect() as conn:
        contact = conn.execute(select(metadata.tables["contacts"])).one()
        assert (contact.id, contact.country, contact.platform, contact.highest_risk, contact.human_requested) == (
            "c1", "KE", "whatsapp", "high", True)
        assert conn.execute(select(metadata.tables["contact_categories"].c.code)).scalars().all() == ["ocsea.sextortion"]
        assert conn.execute(select(metadata.tables["handoff_requests"].c.status)).scalar_one() == "waiting"
        assert conn.execute(select(metadata.tables["telegram_leases"].c.owner)).scalar_one() == "p1"
    assert {"staff_accounts", "staff_audit"} <= set(inspect(eng).get_table_names())
    assert "user_hash" not in {column["name"] for column in inspect(eng).get_columns("contacts")}
    assert differences(empty_db_url) == []


def test_autogenerate_finds_nothing_to_change_and_leaves_rasas_tables_alone(empty_db_url: str) -> None:
    eng = create_engine(empty_db_url, future=True)
    rasa = MetaData()
    Table("events", rasa, Column("id", Integer, primary_key=True))  # Rasa's tracker store, same database
    rasa.create_all(eng)
    ensure_schema(eng)
    ensure_schema(eng)  # a second start changes nothing
    assert revision(empty_db_url) == HEAD
    assert differences(empty_db_url) == []
    assert "events" in inspect(eng).get_table_names()


def test_several_processes_can_start_on_one_new_database(empty_db_url: str, tmp_path) -> None:
    env = {"DATABASE_URL": empty_db_url, "DATA_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "bot", "db", "upgrade"]
    runs = [subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(3)]
    results = [(run.wait(timeout=120), *run.communicate()) for run in runs]
    assert [code for code, _, _ in results] == [0, 0, 0], [err[-500:] for _, _, err in results]
    assert all(out.strip().endswith(f"revision {HEAD}.") for _, out, _ in results)
    assert differences(empty_db_url) == []
