"""Staff accounts (bot.staff) and their command line (bot.staff_cli), on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import create_engine, select

from bot import staff
from bot.settings import PROJECT_ROOT
from bot.staff import MAX_FAILURES, Role, StaffError
from bot.tables import staff_accounts, staff_audit

PASSWORD = "a long staff password"


def stored(url: str, username: str):
    with create_engine(url, future=True).connect() as conn:
        return conn.execute(select(staff_accounts).where(staff_accounts.c.username == username)).one()


def secret_of(uri: str) -> str:
    return pyotp.parse_uri(uri).secret


def test_passwords_are_argon2id_and_second_factors_encrypted(empty_db_url: str) -> None:
    assert staff.add("amina", Role.COUNSELLOR, PASSWORD, url=empty_db_url) is None  # a counsellor may go without
    uri = staff.add("baraka", Role.SUPERVISOR, PASSWORD, url=empty_db_url)  # required for a supervisor
    assert uri and uri.startswith("otpauth://totp/") and "baraka" in uri
    row = stored(empty_db_url, "baraka")
    assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    assert secret_of(uri).encode() not in bytes(row.totp_secret)
    accounts = {a.username: a for a in staff.list_accounts(empty_db_url)}
    assert (accounts["amina"].role, accounts["amina"].has_totp) == (Role.COUNSELLOR, False)
    assert (accounts["baraka"].role, accounts["baraka"].has_totp) == (Role.SUPERVISOR, True)


def test_sign_in_needs_password_and_code_and_answers_alike_whatever_failed(empty_db_url: str) -> None:
    uri = staff.add("chiku", Role.ADMIN, PASSWORD, url=empty_db_url)
    code = pyotp.TOTP(secret_of(uri)).now()
    assert staff.authenticate("chiku", PASSWORD, code, url=empty_db_url) is Role.ADMIN
    for username, password, totp in (("chiku", PASSWORD, None), ("chiku", PASSWORD, "000000"),
                                     ("chiku", "wrong password!", code), ("nobody", PASSWORD, code)):
        assert staff.authenticate(username, password, totp, url=empty_db_url) is None


def test_repeated_failures_lock_the_account(empty_db_url: str) -> None:
    staff.add("daudi", Role.COUNSELLOR, PASSWORD, url=empty_db_url)
    for _ in range(MAX_FAILURES):
        assert staff.authenticate("daudi", "not the password", None, url=empty_db_url) is None
    assert staff.authenticate("daudi", PASSWORD, None, url=empty_db_url) is None  # locked: even the right one
    assert [a.locked for a in staff.list_accounts(empty_db_url)] == [True]
    actions = [e["action"] for e in reversed(staff.audit_entries(empty_db_url))]
    # the fifth failure locks; the attempt while locked is one more failure
    assert actions == ["staff.add", *["sign_in.failed"] * (MAX_FAILURES - 1), "sign_in.locked", "sign_in.failed"]


def test_disable_and_reset_totp(empty_db_url: str) -> None:
    first = staff.add("esther", Role.DATA_OFFICER, PASSWORD, url=empty_db_url)
    second = staff.reset_totp("esther", url=empty_db_url)
    assert secret_of(first) != secret_of(second)
    assert staff.authenticate("esther", PASSWORD, pyotp.TOTP(secret_of(first)).now(), url=empty_db_url) is None
    assert staff.authenticate("esther", PASSWORD, pyotp.TOTP(secret_of(second)).now(), url=empty_db_url) is Role.DATA_OFFICER
    staff.disable("esther", url=empty_db_url)
    assert staff.authenticate("esther", PASSWORD, pyotp.TOTP(secret_of(second)).now(), url=empty_db_url) is None
    with pytest.raises(StaffError):
        staff.disable("nobody", url=empty_db_url)


@pytest.mark.parametrize(("username", "password"), [
    ("Bad Name", PASSWORD), ("x", PASSWORD), ("fatuma", "short"), ("fatuma.long.name", "fatuma.long.name"),
])
def test_bad_accounts_are_refused(empty_db_url: str, username: str, password: str) -> None:
    with pytest.raises(StaffError):
        staff.add(username, Role.COUNSELLOR, password, url=empty_db_url)


def test_duplicate_usernames_are_refused(empty_db_url: str) -> None:
    staff.add("gift", Role.COUNSELLOR, PASSWORD, url=empty_db_url)
    with pytest.raises(StaffError, match="already"):
        staff.add("gift", Role.ADMIN, PASSWORD, url=empty_db_url)


def test_the_audit_log_holds_who_did_what_and_no_secret(empty_db_url: str) -> None:
    uri = staff.add("hassan", Role.SUPERVISOR, PASSWORD, url=empty_db_url)
    staff.authenticate("hassan", PASSWORD, pyotp.TOTP(secret_of(uri)).now(), url=empty_db_url)
    staff.disable("hassan", url=empty_db_url)
    entries = staff.audit_entries(empty_db_url)
    assert [(e["actor"], e["action"], e["target"]) for e in reversed(entries)] == [
        ("cli", "staff.add", "hassan"), ("hassan", "sign_in", None), ("cli", "staff.disable", "hassan")]
    with create_engine(empty_db_url, future=True).connect() as conn:
        dump = repr(conn.execute(select(staff_audit)).all())
    assert PASSWORD not in dump and secret_of(uri) not in dump


def run_cli(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {"DATA_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin", "PSEUDONYM_KEY": "k" * 32}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_the_command_line_reads_the_password_from_stdin_only(tmp_path: Path) -> None:
    added = run_cli(tmp_path, "staff", "add", "imani", "--role", "supervisor", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr[-400:]
    assert "otpauth://totp/" in added.stdout and PASSWORD not in added.stdout + added.stderr
    assert run_cli(tmp_path, "staff", "add", "juma", "--role", "counsellor", stdin="short\n").returncode == 2
    assert run_cli(tmp_path, "staff", "add", "juma", "--role", "janitor", stdin=PASSWORD + "\n").returncode == 2
    assert run_cli(tmp_path, "staff", "disable", "imani").returncode == 0
    listed = run_cli(tmp_path, "staff", "list")
    assert listed.stdout.split("\n")[0].split("\t") == ["imani", "supervisor", "totp", "disabled"], listed.stdout
    # The password is never an argument: nothing on the command line takes one.
    assert "--password" not in run_cli(tmp_path, "staff", "add", "--help").stdout
