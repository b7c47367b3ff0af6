"""Real services for tests: stopping and starting PostgreSQL, reading the contact log by conversation."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.contact_log import contact_sessions, contacts


def postgres(action: str) -> None:
    """`pg_ctlcluster ... main <action>` (stop, start, restart) on this machine's cluster."""
    versions = [Path(p).name for p in glob.glob("/etc/postgresql/*")]
    if not versions or not shutil.which("pg_ctlcluster"):
        if os.environ.get("CI"):
            pytest.fail("pg_ctlcluster is needed to stop and start PostgreSQL in CI")
        pytest.skip("cannot stop and start PostgreSQL here")
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[0], "main", action], check=True, timeout=120)


def redis_or_skip() -> None:
    """Redis at 127.0.0.1:6379, as this machine and CI have it (skip elsewhere, fail in CI)."""
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=2).close()
    except OSError:
        if os.environ.get("CI"):
            pytest.fail("Redis is required in CI at 127.0.0.1:6379")
        pytest.skip("Redis not reachable")


def contact_of(conn: Connection, conversation: str) -> dict | None:
    """The contact record of a conversation's active session (the only link there is)."""
    row = conn.execute(
        select(contacts).join(contact_sessions, contact_sessions.c.contact_id == contacts.c.id)
        .where(contact_sessions.c.conversation == conversation)
    ).mappings().first()
    return dict(row) if row else None
