"""No child's words, id or hash in any log line, whatever fails.

Third-party libraries put what they hold into their error messages: Rasa logs the action
server's error body (the whole tracker, with every message the child wrote), SQLAlchemy logs
bound parameters (a conversation's hash), aiohttp and Sanic quote requests. Our own code logs
exception types only. This filter, on every handler, keeps a third-party record's logger name,
level and exception type, and withholds its message, arguments and traceback.
"""

from __future__ import annotations

import logging

OWN_LOGGERS = ("bot", "actions", "__main__")
WITHHELD = "details withheld (they may quote a conversation)"


class WithholdThirdPartyDetails(logging.Filter):
    """Replaces the message of third-party warnings and errors by a fixed text and the exception type."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".")[0] in OWN_LOGGERS or record.levelno < logging.WARNING:
            return True
        kind = record.exc_info[1].__class__.__name__ if record.exc_info and record.exc_info[1] else None
        record.msg = f"{WITHHELD}{f' ({kind})' if kind else ''}"
        record.args = None
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


def install(handler: logging.Handler) -> None:
    handler.addFilter(WithholdThirdPartyDetails())
