"""`python -m bot staff add|list|disable|reset-totp` and `python -m bot db upgrade`.

A password is read from standard input (hidden when it is a terminal), never from the command
line, where it would sit in the shell history and the process list.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.staff import Role, StaffError, add, disable, list_accounts, reset_totp


def register(sub: argparse._SubParsersAction) -> None:
    staff = sub.add_parser("staff", help="staff accounts: add, list, disable, reset-totp")
    actions = staff.add_subparsers(dest="staff_command", required=True)
    add_parser = actions.add_parser("add", help="create an account (the password is read from stdin)")
    add_parser.add_argument("username")
    add_parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    add_parser.add_argument("--totp", action="store_true", help="a second factor for a counsellor too")
    add_parser.add_argument("--display-name", help="the name a child sees in a live chat (else: a counsellor)")
    actions.add_parser("list", help="every account: role, second factor, disabled, locked")
    for name, text in (("disable", "stop an account from signing in"), ("reset-totp", "issue a new second-factor secret")):
        actions.add_parser(name, help=text).add_argument("username")
    db = sub.add_parser("db", help="database schema")
    db.add_argument("db_command", choices=["upgrade"], help="apply every migration not yet applied")


def _read_password() -> str:
    if sys.stdin.isatty():
        first, second = getpass.getpass("Password: "), getpass.getpass("Again: ")
        if first != second:
            raise StaffError("The two passwords differ.")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_staff(args: argparse.Namespace) -> int:
    try:
        if args.staff_command == "add":
            uri = add(args.username, Role(args.role), _read_password(), totp=args.totp, display_name=args.display_name)
            print(f"Added {args.username} ({args.role}).")
            if uri:
                print("Second factor: add this to an authenticator app (or show it as a QR code):")
                print(uri)
        elif args.staff_command == "list":
            for account in list_accounts():
                state = "disabled" if account.disabled else ("locked" if account.locked else "active")
                totp = "totp" if account.has_totp else "no-totp"
                print(f"{account.username}\t{account.role.value}\t{totp}\t{state}")
        elif args.staff_command == "disable":
            disable(args.username)
            print(f"Disabled {args.username}.")
        else:
            print(reset_totp(args.username))
    except StaffError as refused:
        print(f"staff: {refused}", file=sys.stderr)
        return 2
    return 0


def cmd_db(_: argparse.Namespace) -> int:
    from bot.database import engine
    from bot.schema import current_revision

    with engine().connect() as conn:  # the engine brings the schema up to date on first use
        print(f"Database schema at revision {current_revision(conn)}.")
    return 0
