"""Staff accounts (counsellors, supervisors, data officers, admins) and the staff audit log.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile) and
re-hashed when those parameters change. A TOTP second factor (pyotp) is available to every role
and required for supervisor, data_officer and admin; its secret is stored encrypted. Sign-in
gives the same answer for an unknown user, a wrong password, a wrong code, a disabled or a
locked account, and locks an account for LOCK_MINUTES after MAX_FAILURES failures in a row.
Every change is written to the append-only audit log; no password, secret or message text is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from bot.database import engine, with_retry
from bot.sealing import fernet
from bot.tables import staff_accounts, staff_audit, staff_sessions


class Role(str, Enum):
    COUNSELLOR = "counsellor"
    SUPERVISOR = "supervisor"
    DATA_OFFICER = "data_officer"
    ADMIN = "admin"


TOTP_REQUIRED = frozenset({Role.SUPERVISOR, Role.DATA_OFFICER, Role.ADMIN})
MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
MAX_FAILURES = 5
LOCK_MINUTES = 15
ISSUER = "OCSEA helper"
_hasher = PasswordHasher()
# Checked against when the username is unknown, so that answer takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class StaffError(ValueError):
    """A request the staff commands refuse, with a message fit to show the person who asked."""


@dataclass(frozen=True)
class StaffAccount:
    username: str
    role: Role
    disabled: bool
    has_totp: bool
    locked: bool
    created_at: datetime


def utc_now() -> datetime:
    """Naive UTC to the second, as the staff tables store it."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def audit(conn: Connection, actor: str, action: str, target: str | None = None, detail: str | None = None) -> None:
    """Append one entry; the application never updates or deletes them."""
    conn.execute(insert(staff_audit).values(at=utc_now(), actor=actor, action=action, target=target, detail=detail))


def record(actor: str, action: str, target: str | None = None, detail: str | None = None, url: str | None = None) -> None:
    """One audit entry in a transaction of its own (an action with nothing else to write)."""
    with_retry(lambda conn: audit(conn, actor, action, target, detail), url)


def _seal(secret: str) -> bytes:
    return fernet(b"staff-totp-v1").encrypt(secret.encode())


def _unseal(token: bytes) -> str:
    return fernet(b"staff-totp-v1").decrypt(bytes(token)).decode()


def provisioning_uri(username: str, secret: str) -> str:
    """What an authenticator app scans (as a QR code) or takes typed in."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def _check_new(username: str, password: str) -> None:
    if not USERNAME.fullmatch(username):
        raise StaffError("A username is 2-64 characters: lower-case letters, digits, '.', '_' or '-'.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")
    if password.lower() == username.lower():
        raise StaffError("The password must not be the username.")


def add(username: str, role: Role, password: str, *, totp: bool = False, actor: str = "cli",
        url: str | None = None, display_name: str | None = None) -> str | None:
    """Create an account; returns the TOTP provisioning URI when it has a second factor.
    `display_name` is what a child sees in a live chat (else "a counsellor"): a first name or a
    made-up one, never required to be the real one."""
    _check_new(username, password)
    secret = pyotp.random_base32() if totp or role in TOTP_REQUIRED else None

    def work(conn: Connection) -> None:
        if conn.execute(select(staff_accounts.c.id).where(staff_accounts.c.username == username)).first():
            raise StaffError(f"There is already an account called {username!r}.")
        conn.execute(insert(staff_accounts).values(
            username=username, role=role.value, password_hash=_hasher.hash(password),
            totp_secret=_seal(secret) if secret else None, disabled=False, failed_sign_ins=0, created_at=utc_now(),
            display_name=(display_name or "").strip()[:40] or None,
        ))
        audit(conn, actor, "staff.add", username, f"role={role.value}")

    with_retry(work, url)
    return provisioning_uri(username, secret) if secret else None


def list_accounts(url: str | None = None) -> list[StaffAccount]:
    now = utc_now()
    with engine(url).connect() as conn:
        rows = conn.execute(select(staff_accounts).order_by(staff_accounts.c.username)).all()
    return [StaffAccount(
        username=r.username, role=Role(r.role), disabled=r.disabled, has_totp=r.totp_secret is not None,
        locked=bool(r.locked_until and r.locked_until > now), created_at=r.created_at,
    ) for r in rows]


def _change(username: str, values: dict, action: str, actor: str, url: str | None, sign_out: bool = False) -> None:
    def work(conn: Connection) -> None:
        done = conn.execute(update(staff_accounts).where(staff_accounts.c.username == username).values(**values))
        if done.rowcount == 0:
            raise StaffError(f"There is no account called {username!r}.")
        if sign_out:
            conn.execute(delete(staff_sessions).where(staff_sessions.c.username == username))
        audit(conn, actor, action, username)

    with_retry(work, url)


def disable(username: str, *, actor: str = "cli", url: str | None = None) -> None:
    """No more sign-ins, and every open session of theirs ends now."""
    _change(username, {"disabled": True}, "staff.disable", actor, url, sign_out=True)


def reset_totp(username: str, *, actor: str = "cli", url: str | None = None) -> str:
    """A new second-factor secret (the old one stops working); returns its provisioning URI."""
    secret = pyotp.random_base32()
    _change(username, {"totp_secret": _seal(secret)}, "staff.reset_totp", actor, url)
    return provisioning_uri(username, secret)


def authenticate(username: str, password: str, code: str | None, url: str | None = None) -> Role | None:
    """The account's role when every check passes, else None (whatever failed)."""
    now = utc_now()
    with engine(url).connect() as conn:
        row = conn.execute(select(staff_accounts).where(staff_accounts.c.username == username)).first()
    try:
        password_ok = _hasher.verify(row.password_hash if row else _DUMMY_HASH, password) and row is not None
    except (VerificationError, InvalidHashError):
        password_ok = False
    if row is None:
        return None
    usable = not row.disabled and not (row.locked_until and row.locked_until > now)
    role = Role(row.role)
    code_ok = (row.totp_secret is None and role not in TOTP_REQUIRED) or (
        row.totp_secret is not None and bool(code) and pyotp.TOTP(_unseal(row.totp_secret)).verify(code or "", valid_window=1)
    )
    ok = usable and password_ok and code_ok

    def record(conn: Connection) -> None:
        if ok:
            values: dict = {"failed_sign_ins": 0, "locked_until": None}
            if _hasher.check_needs_rehash(row.password_hash):
                values["password_hash"] = _hasher.hash(password)
            conn.execute(update(staff_accounts).where(staff_accounts.c.id == row.id).values(**values))
            audit(conn, username, "sign_in")
            return
        failures = staff_accounts.c.failed_sign_ins + 1
        conn.execute(update(staff_accounts).where(staff_accounts.c.id == row.id).values(failed_sign_ins=failures))
        count = conn.execute(select(staff_accounts.c.failed_sign_ins).where(staff_accounts.c.id == row.id)).scalar_one()
        if count >= MAX_FAILURES:
            conn.execute(update(staff_accounts).where(staff_accounts.c.id == row.id).values(
                locked_until=now + timedelta(minutes=LOCK_MINUTES), failed_sign_ins=0))
            audit(conn, username, "sign_in.locked")
        else:
            audit(conn, username, "sign_in.failed")

    with_retry(record, url)
    return role if ok else None


AUDIT_FILTERS = ("actor", "action", "from", "to")


def audit_entries(url: str | None = None, limit: int = 100, *, actor: str = "", action: str = "",
                  **days: str) -> list[dict]:
    """The newest entries, optionally one person's, one kind of action (a prefix: "export" finds
    every export) and a range of days (`from`, `to`: YYYY-MM-DD, inclusive). Read-only: nothing in
    the application edits or deletes an entry."""
    query = select(staff_audit).order_by(staff_audit.c.id.desc()).limit(limit)
    if actor:
        query = query.where(staff_audit.c.actor == actor)
    if action:
        query = query.where(staff_audit.c.action.startswith(action, autoescape=True))
    try:
        first, last = (datetime.fromisoformat(days[name]) if days.get(name) else None for name in ("from", "to"))
    except ValueError:
        raise ValueError("Dates must be written as YYYY-MM-DD.") from None
    if first:
        query = query.where(staff_audit.c.at >= first)
    if last:
        query = query.where(staff_audit.c.at < last + timedelta(days=1))
    with engine(url).connect() as conn:
        rows = conn.execute(query).all()
    return [dict(r._mapping) for r in rows]
