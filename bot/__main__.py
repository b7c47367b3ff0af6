"""Command line: `python -m bot serve | actions | triage | evaluate | purge | check | staff | db | export`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import warnings

# A new user's `make run` should show the one line they need, not 40 lines of deprecation notices
# from third-party packages: those are dropped here, in the project's own entry point only (the
# test suite still shows them); our own code's warnings still show. Libraries reset the warning
# filters while they import, so third-party warnings are dropped where they would be shown.
_show_warning = warnings.showwarning


def _show_own_warnings(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001, ANN202
    if "site-packages" in filename or filename.startswith("<") or "/lib/python3." in filename:
        return
    _show_warning(message, category, filename, lineno, file, line)


warnings.showwarning = _show_own_warnings

from bot import logsafety  # noqa: E402  (after the warning filters)
from bot.settings import PROJECT_ROOT  # noqa: E402

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def latest_model() -> str:
    """The model `make setup` trained for the current inputs (models/current points at it)."""
    pointer = PROJECT_ROOT / "models" / "current"
    if pointer.exists():
        return str(PROJECT_ROOT / "models" / pointer.read_text().strip())
    models = sorted((PROJECT_ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit("No trained model: run `make setup` first.")
    return str(models[-1])


def cmd_triage(args: argparse.Namespace) -> int:
    """JSON lines in, one JSON line out per input, in order; the model is loaded once."""
    from rasa.core.agent import Agent

    from bot.triage import triage

    agent = Agent.load(args.model or latest_model())
    loop = asyncio.new_event_loop()
    out = sys.stdout
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            text = record["text"] if isinstance(record, dict) else None
            if not isinstance(text, str):
                raise ValueError
        except (ValueError, KeyError):
            out.write(json.dumps({"error": f"line {number}: expected {{\"text\": \"...\"}}"}) + "\n")
            continue
        parse_data = loop.run_until_complete(agent.parse_message(text))
        out.write(json.dumps(triage(parse_data).as_cli_dict(), ensure_ascii=False) + "\n")
    out.flush()
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """The safety evaluation on tests/eval/; exit 1 when urgent recall < 100% or any false urgent."""
    import tempfile

    # The dialogue cases run the real actions, which write contact records: never into real data.
    scratch = tempfile.mkdtemp(prefix="ocsea-eval-")
    os.environ["DATA_DIR"] = scratch
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/eval.db"
    from bot.evaluate import DEV_DIR, EVAL_DIR, run

    results = run(args.model or latest_model(), args.failures, DEV_DIR if args.dev else EVAL_DIR, args.language)
    failed = [f.language for f in results if f.urgent_caught < f.urgent_total or f.false_urgent]
    if failed:
        print(f"FAILED: urgent recall below 100% or false urgent above 0 in {', '.join(failed)}")
    return 1 if failed else 0


def cmd_purge(args: argparse.Namespace) -> int:
    from bot.retention import purge, purge_contacts, purge_telegram

    removed = purge(args.days)
    telegram = purge_telegram(args.days)
    old = purge_contacts(args.contact_days)
    print(f"Deleted {removed} conversation events older than the retention period, {telegram} expired Telegram "
          f"records and {old} contact records older than CONTACT_RETENTION_DAYS.")
    return 0


def cmd_check(_: argparse.Namespace) -> int:
    from bot.handoff.canned import problems as canned_problems
    from bot.handoff.hours import HoursError, configured
    from bot.locales import catalog

    problems = catalog().problems() + canned_problems()
    try:
        configured()
    except HoursError as wrong:
        problems.append(f"HOURS_FILE: {wrong}")
    for problem in problems:
        print(problem)
    print("locales: OK" if not problems else f"locales: {len(problems)} problem(s)")
    return 1 if problems else 0


def configure_logging(level_name: str) -> None:
    """Logs go to stderr, and Rasa's structlog is configured: unconfigured, it prints debug
    events, message text included, to stdout."""
    from rasa.utils.log_utils import configure_structlog

    level = logging.getLevelName(level_name) if isinstance(logging.getLevelName(level_name), int) else logging.INFO
    logging.basicConfig(level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        logsafety.install(handler)
    configure_structlog(level)
    if level <= logging.DEBUG:
        logging.warning("LOG_LEVEL=DEBUG: Rasa's debug logs contain message text; never use it in production.")
        return
    # httpx logs every request URL at INFO, and a Bot API URL contains the bot token.
    noisy_loggers = ("httpx", "httpcore", "telegram", "aiolimiter", "rasa", "sanic", "tensorflow", "absl", "engineio",
                     "socketio", "apscheduler", "rasa_sdk", "alembic")
    for noisy in noisy_loggers:
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    logging.getLogger("py.warnings").setLevel(logging.ERROR)  # warnings routed through logging: see above


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the web chat, REST webhook and action server")
    serve.add_argument("--model", help="model archive (default: the one `make setup` trained)")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    sub.add_parser("actions", help="run only the rasa_sdk action server (127.0.0.1:ACTION_PORT)")
    tri = sub.add_parser("triage", help="JSON lines {\"text\": ...} on stdin -> triage JSON lines")
    tri.add_argument("--model")
    evaluate = sub.add_parser("evaluate", help="safety figures per language on tests/eval/ (urgent recall, false urgent, ...)")
    evaluate.add_argument("--model")
    evaluate.add_argument("--failures", action="store_true", help="also list every case that failed")
    evaluate.add_argument("--dev", action="store_true", help="the development set (tests/dev/) instead of tests/eval/")
    evaluate.add_argument("--language", action="append", help="only this language (repeatable)")
    purge = sub.add_parser("purge", help="delete conversation events older than RETENTION_DAYS")
    purge.add_argument("--days", type=int, default=None)
    purge.add_argument("--contact-days", type=int, default=None, help="contact records (default CONTACT_RETENTION_DAYS)")
    sub.add_parser("check", help="check that every text in locales/ renders")
    from bot import staff_cli

    staff_cli.register(sub)
    from bot.review import cli as review_cli

    review_cli.register(sub)
    args = parser.parse_args(argv)

    configure_logging(os.environ.get("LOG_LEVEL", "INFO").upper())
    if args.command in ("serve", "actions", "purge", "staff", "db", "export"):
        from bot.settings import get_settings, secure_data_dir

        secure_data_dir(get_settings().data_dir)
    if args.command == "serve":
        from bot.server import serve

        serve(args.model or latest_model(), args.host)
        return 0
    if args.command == "actions":
        from bot.server import run_action_server

        run_action_server()
        return 0
    commands = {"triage": cmd_triage, "evaluate": cmd_evaluate, "purge": cmd_purge, "check": cmd_check,
                "staff": staff_cli.cmd_staff, "db": staff_cli.cmd_db,
                "export": review_cli.cmd_export}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
