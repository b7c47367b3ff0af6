"""`python -m bot export`: the statistics exports from the command line, audited like the page's
(the actor is "cli:" and the operating-system user who ran it)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from bot.review.query import FILTERS, QueryError, parse


def register(sub: argparse._SubParsersAction) -> None:
    command = sub.add_parser("export", help="the CHI-style aggregate (or --records) for a period, as CSV or JSON")
    command.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD")
    command.add_argument("--to", dest="last", required=True, help="last day, YYYY-MM-DD (inclusive)")
    command.add_argument("--format", choices=["csv", "json"], default="csv")
    command.add_argument("--records", action="store_true", help="anonymised records instead of the aggregate "
                                                                "(the data officer's export)")
    command.add_argument("--output", "-o", help="file to write (default: standard output)")
    for name in FILTERS:
        command.add_argument(f"--{name.replace('_', '-')}", dest=name, help=f"only contacts with this {name}")


def cmd_export(args: argparse.Namespace) -> int:
    from bot import review

    params = {"period": "custom", "from": args.first, "to": args.last, **{name: getattr(args, name) for name in FILTERS}}
    try:
        query = parse(params)
    except QueryError as wrong:
        print(f"export: {wrong}", file=sys.stderr)
        return 2
    made = review.export(f"cli:{getpass.getuser()}"[:64], "records" if args.records else "aggregate", query,
                         args.format)
    if args.output:
        Path(args.output).write_bytes(made.body)
        print(f"Wrote {made.rows} rows to {args.output}.", file=sys.stderr)
    else:
        sys.stdout.buffer.write(made.body)
        sys.stdout.flush()
    return 0
