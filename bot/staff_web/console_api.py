"""The counsellor console's JSON API under /console/api (README: "The console API").

Each handler is small: the rules live in bot.handoff.store (atomic take, who may end what), the
delivery in bot.handoff.relay. Roles and CSRF are checked before a handler runs (bot.staff_web.guard).
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Any

from sanic import response

from bot.handoff import presence, store
from bot.handoff.canned import canned
from bot.handoff.coding import options, parse_coding
from bot.handoff.relay import line_moved, relay
from bot.locales import catalog
from bot.settings import Settings
from bot.staff import Role, record
from bot.staff_web.sessions import StaffSession

NO_STORE = {"Cache-Control": "no-store"}
LONG_POLL_MAX = 25.0
MAX_TEXT = 2000


def _json(body: Any, status: int = 200) -> Any:
    return response.json(body, status=status, headers=NO_STORE)


def _error(message: str, status: int) -> Any:
    return _json({"error": message}, status)


def _parsed(request: Any) -> Any:
    try:
        return request.json
    except Exception:  # noqa: BLE001 - Sanic raises on malformed JSON
        return None


def _body(request: Any) -> dict[str, Any]:
    body = _parsed(request)
    return body if isinstance(body, dict) else {}


def _oversees(session: StaffSession) -> bool:
    return session.role is Role.SUPERVISOR


async def _own_chat(request_id: int, session: StaffSession) -> store.Chat | None:
    """The chat, if this person may work it: their own, or any for a supervisor."""
    chat = await asyncio.to_thread(store.chat, request_id)
    if chat is None or (chat.counsellor != session.username and not _oversees(session)):
        return None
    return chat


# --- session and presence ---------------------------------------------------------------------------
async def session_info(request: Any, session: StaffSession, settings: Settings) -> Any:
    available, max_chats = await asyncio.to_thread(presence.presence, session.username)
    name = await asyncio.to_thread(presence.display_name, session.username)
    return _json({"username": session.username, "role": session.role.value, "display_name": name or session.username,
                  "csrf_token": session.csrf, "available": available, "max_chats": max_chats})


async def availability(request: Any, session: StaffSession, settings: Settings) -> Any:
    body = _body(request)
    available, max_chats = body.get("available"), body.get("max_chats")
    if not isinstance(available, bool) or (max_chats is not None and (
            not isinstance(max_chats, int) or isinstance(max_chats, bool) or not 1 <= max_chats <= 10)):
        return _error('Send {"available": true or false, "max_chats": 1 to 10}.', 400)
    available, max_chats = await asyncio.to_thread(presence.set_presence, session.username, available, max_chats)
    await asyncio.to_thread(record, session.username, "available" if available else "away")
    return _json({"available": available, "max_chats": max_chats})


async def counsellors(request: Any, session: StaffSession, settings: Settings) -> Any:
    return _json({"counsellors": await asyncio.to_thread(presence.counsellors)})


# --- the queue -------------------------------------------------------------------------------------
def _item(item: store.QueueItem, username: str) -> dict[str, Any]:
    fields = asdict(item)
    triage = fields.pop("triage")
    if item.flagged:  # the child wrote urgent words during the live chat: the page alerts on "urgent"
        fields["risk"] = "urgent"
    triage["topics_covered"] = [topic for topic in str(triage.get("topics_covered") or "").split(",") if topic]
    return {**fields, **triage, "mine": item.counsellor == username}


async def queue(request: Any, session: StaffSession, settings: Settings) -> Any:
    waiting, live = await asyncio.to_thread(store.queue, None if _oversees(session) else session.username)
    free = await asyncio.to_thread(presence.counsellors_free)
    return _json({"waiting": [_item(i, session.username) for i in waiting],
                  "live": [_item(i, session.username) for i in live], "counsellors_available": free})


async def take(request: Any, session: StaffSession, settings: Settings, request_id: int) -> Any:
    _, max_chats = await asyncio.to_thread(presence.presence, session.username)
    chats = await asyncio.to_thread(presence.live_chats, session.username)
    if chats >= max_chats:
        return _error(f"You already have {chats} live chats, your maximum. End one, or raise your maximum.", 409)
    chat = await asyncio.to_thread(store.chat, request_id)
    if chat is None:
        return _error("No such conversation.", 404)
    transcript = await relay().transcript(chat.conversation) if relay().transcript and chat.conversation else []
    if not await asyncio.to_thread(store.take, request_id, session.username, transcript):
        return _error("Another counsellor has taken this conversation, or the child left.", 409)
    name = await asyncio.to_thread(presence.display_name, session.username)
    await asyncio.to_thread(store.add_message, request_id, "system", f"{name or session.username} joined the chat.")
    await asyncio.to_thread(record, session.username, "take", f"request:{request_id}")
    key, values = ("live_joined_named", {"counsellor": name}) if name else ("live_joined", {})
    await relay().tell_child(chat, key, f"live:joined:{request_id}", **values)
    await relay().announce(request_id)
    await line_moved(request_id)
    return _json({"id": request_id, "status": store.Status.LIVE.value})


# --- a live chat -----------------------------------------------------------------------------------
def _messages(messages: list[store.Message]) -> list[dict[str, Any]]:
    return [{"seq": m.seq, "from": m.sender, "text": m.text, "at": m.at.isoformat() + "Z", "urgent": m.urgent}
            for m in messages]


async def messages(request: Any, session: StaffSession, settings: Settings, request_id: int) -> Any:
    """Messages after `after`; with `wait`, a long poll that answers as soon as there is something new."""
    chat = await _own_chat(request_id, session)
    if chat is None:
        return _error("Not your conversation.", 404)
    try:
        after = max(0, int(request.args.get("after", "0")))
        wait = min(LONG_POLL_MAX, max(0.0, float(request.args.get("wait", "0"))))
    except ValueError:
        return _error("after and wait must be numbers.", 400)
    if after == 0:
        await asyncio.to_thread(record, session.username, "view_transcript", f"request:{request_id}")
    found = await asyncio.to_thread(store.messages_after, request_id, after)
    if not found and wait and chat.status == store.Status.LIVE.value:
        await relay().wait(request_id, wait)
        chat = await asyncio.to_thread(store.chat, request_id) or chat
        found = await asyncio.to_thread(store.messages_after, request_id, after)
    return _json({"status": chat.status, "counsellor": chat.counsellor, "messages": _messages(found)})


async def send(request: Any, session: StaffSession, settings: Settings, request_id: int) -> Any:
    text = _body(request).get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        return _error(f"Write a message of 1 to {MAX_TEXT} characters.", 400)
    chat = await _own_chat(request_id, session)
    if chat is None:
        return _error("Not your conversation.", 404)
    seq = await asyncio.to_thread(store.add_message, request_id, "counsellor", text.strip(), None, None, True)
    if seq is None:
        return _error("This chat is not live any more.", 409)
    await relay().to_child(chat, text.strip(), f"live:{seq}", person=True)
    await relay().announce(request_id)
    return _json({"seq": seq})


async def helpers(request: Any, session: StaffSession, settings: Settings, request_id: int) -> Any:
    chat = await _own_chat(request_id, session)
    if chat is None:
        return _error("Not your conversation.", 404)
    country = None if chat.country in ("", "unknown") else chat.country
    signposting = catalog().message("help_now", chat.language, country=country).text
    return _json({"canned": canned(chat.language), "signposting": signposting})


async def transfer(request: Any, session: StaffSession, settings: Settings, request_id: int) -> Any:
    to = _body(request).get("to")
    if not isinstance(to, str) or not to or to == session.username:
        return _error("Choose someone else to transfer to.", 400)
    owner = None if _oversees(session) else session.username
    if not await asyncio.to_thread(store.transfer, request_id, owner, to[:64]):
        return _error("That transfer was not possible: the chat is not yours or not live, or that person cannot take it.", 409)
    await asyncio.to_thread(store.add_message, request_id, "system", f"{session.username} transferred the chat to {to[:64]}.")
    await asyncio.to_thread(record, session.username, "transfer", f"request:{request_id}", f"to {to[:64]}")
    await relay().announce(request_id)
    return _json({"id": request_id, "counsellor": to[:64]})


async def end(request: Any, session: StaffSession, settings: Settings, request_id: int) -> Any:
    coding = parse_coding(_parsed(request))
    if isinstance(coding, str):
        return _error(coding, 400)
    owner = None if _oversees(session) else session.username
    chat = await asyncio.to_thread(store.end, request_id, owner, coding)
    if chat is None:
        return _error("This chat is not yours to end, or it has ended already.", 409)
    await asyncio.to_thread(record, session.username, "end", f"request:{request_id}")
    if chat.status == store.Status.LIVE.value:  # the child is still there: they are told, and the bot is back
        await relay().tell_child(chat, "live_ended", f"live:ended:{request_id}")
    await relay().announce(request_id)
    return _json({"status": store.Status.ENDED.value})


async def wrap_up_options(request: Any, session: StaffSession, settings: Settings) -> Any:
    return _json(options())
