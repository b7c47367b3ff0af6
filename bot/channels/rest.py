"""Rasa's REST webhook (`POST /webhooks/rest/webhook`) for integrations and tests.

Same request shape as rasa.core.channels.rest.RestInput, but: it is on only with REST_TOKEN set
and answers only `Authorization: Bearer <REST_TOKEN>` (compared in constant time), JSON only (a
cross-origin form or text post from any website is refused); the sender id is pseudonymised; the
text goes through bot.channels.inbound; replies carry no recipient id; bad requests get a clear
4xx; a turn that fails, produces nothing or (for an urgent message) is still running after
URGENT_REPLY_WAIT seconds gets the failsafe reply, so an urgent message always gets the emergency
number; nothing a child wrote is ever put in a log line.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.failsafe import URGENT_REPLY_WAIT, answered_in_time, failsafe_key, failsafe_reply, let_finish, prepare
from bot.channels.inbound import MEDIA_PAYLOAD, inbound_metadata, inbound_text
from bot.pseudonym import pseudonymise
from bot.ratelimit import MessageLimits

log = logging.getLogger(__name__)
MAX_SENDER = 128


def _bad_request(reason: str, status: int = 400) -> response.HTTPResponse:
    return response.json({"error": reason}, status=status)


def _reply(message: dict[str, Any]) -> dict[str, Any]:
    """Rasa's reply shape, without the recipient id (the caller knows who it wrote as)."""
    out: dict[str, Any] = {"text": message.get("text") or ""}
    if message.get("buttons"):
        out["buttons"] = [{"title": b["title"], "payload": b["payload"]} for b in message["buttons"]]
    return out


class RestChannel(InputChannel):
    def __init__(self, token: str) -> None:
        self.token = token.encode()
        self.limits = MessageLimits()

    @classmethod
    def name(cls) -> str:
        return "rest"

    def authorised(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("rest_webhook", __name__)
        prepare()  # the failsafe is ready before the first message, not built in the event loop

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            if not self.authorised(request):
                return _bad_request("Missing or wrong 'Authorization: Bearer <REST_TOKEN>'.", 401)
            if (request.content_type or "").split(";")[0].strip().lower() != "application/json":
                return _bad_request("The body must be JSON (Content-Type: application/json).", 415)
            try:
                body = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError, RecursionError):
                return _bad_request("The body must be JSON: {\"sender\": \"...\", \"message\": \"...\"}.")
            if not isinstance(body, dict):
                return _bad_request("The body must be a JSON object.")
            sender = body.get("sender")
            if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER:
                return _bad_request(f"'sender' must be a string of 1 to {MAX_SENDER} characters.")
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
            raw = body.get("message")
            text = MEDIA_PAYLOAD if body.get("attachment") else inbound_text(raw)
            if not self.limits.allow(sender, None):  # token-authenticated: per sender (bot.ratelimit)
                if failsafe_key(text) != "failed":  # over the limit, but urgent: the numbers, without a turn
                    return response.json([_reply(failsafe_reply(text, metadata.get("language")))])
                return response.json({"error": "Too many messages; please wait a moment."}, status=429,
                                     headers={"Retry-After": "2"})
            collector = CollectingOutputChannel()
            turn = asyncio.ensure_future(on_new_message(
                UserMessage(
                    text, collector, pseudonymise("rest", sender.encode("utf-8", "replace").decode()),
                    input_channel="rest", metadata=inbound_metadata(raw, metadata.get("language")),
                )
            ))
            try:
                if not await answered_in_time(turn, text):  # urgent and slow: the numbers now
                    let_finish(turn)
                    log.error("rest: an urgent turn took over %.0f s; the failsafe reply was sent", URGENT_REPLY_WAIT)
                    return response.json([_reply(failsafe_reply(text, metadata.get("language")))])
            except Exception as exc:  # noqa: BLE001 - the child still gets an answer; only the type is logged
                log.error("rest: a turn failed (%s); the failsafe reply was sent", type(exc).__name__)
                return response.json([_reply(failsafe_reply(text, metadata.get("language")))])
            if not collector.messages:  # the action server or the database failed behind Rasa
                log.error("rest: a turn produced no reply; the failsafe reply was sent")
                return response.json([_reply(failsafe_reply(text, metadata.get("language")))])
            return response.json([_reply(m) for m in collector.messages])

        return bp
