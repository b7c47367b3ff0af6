"""Rasa's REST webhook (`POST /webhooks/rest/webhook`) for integrations and tests.

Same request and response shape as rasa.core.channels.rest.RestInput, but the sender id is
pseudonymised, the text goes through bot.channels.inbound, bad requests get a clear 400, and
nothing a child wrote is ever put in a log line.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.inbound import MEDIA_PAYLOAD, inbound_text
from bot.pseudonym import pseudonymise

log = logging.getLogger(__name__)
MAX_SENDER = 128


def _bad_request(reason: str) -> response.HTTPResponse:
    return response.json({"error": reason}, status=400)


class RestChannel(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("rest_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            try:
                body = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                return _bad_request("The body must be JSON: {\"sender\": \"...\", \"message\": \"...\"}.")
            if not isinstance(body, dict):
                return _bad_request("The body must be a JSON object.")
            sender = body.get("sender")
            if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER:
                return _bad_request(f"'sender' must be a string of 1 to {MAX_SENDER} characters.")
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
            text = MEDIA_PAYLOAD if body.get("attachment") else inbound_text(body.get("message"))
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text, collector, pseudonymise("rest", sender), input_channel="rest",
                        metadata={k: metadata[k] for k in ("language",) if k in metadata},
                    )
                )
            except Exception as exc:  # noqa: BLE001 - answer 503, log the type only (a message may quote the child)
                log.error("rest: a turn failed (%s)", type(exc).__name__)
                return response.json({"error": "The message could not be handled; please try again."}, status=503)
            return response.json(collector.messages)

        return bp
