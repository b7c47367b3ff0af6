"""The live handoff through the real service: a child on the web chat socket, counsellors on the
console's JSON API (CONSOLE_PORT), over HTTP and socket.io, on SQLite."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pyotp
import pytest
from sqlalchemy import create_engine, select

from bot.buttons import BUTTON_PAYLOADS
from bot.locales import catalog
from bot.staff import Role
from bot.tables import contact_categories, contacts, counsellor_categories, counsellor_codings, handoff_requests
from tests.support.console import Console, add_counsellor
from tests.support.webchat import Child, run


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    from tests.conftest import make_server

    server = make_server(tmp_path_factory.mktemp("handoff"))
    server.env.update(STAFF_COOKIE_SECURE="false", TRUST_PROXY="true")  # each Console its own address
    server.start()
    url = f"sqlite:///{server.data_dir / 'ocsea.db'}"
    add_counsellor(url, "amina", display_name="Amina")
    add_counsellor(url, "baraka")
    SECOND_FACTORS["sup"] = add_counsellor(url, "sup", Role.SUPERVISOR)  # a supervisor needs a second factor
    yield server, url
    server.stop()


SECOND_FACTORS: dict[str, str | None] = {}


def counsellor(server, username: str, max_chats: int = 3) -> Console:
    console = Console(server.console_port)
    uri = SECOND_FACTORS.get(username)
    assert console.sign_in(username, totp=pyotp.TOTP(pyotp.parse_uri(uri).secret).now() if uri else None) == 200
    console.available(max_chats)
    return console


def texts(child: Child) -> list[str]:
    return [reply.get("text", "") for reply in child.replies]


async def queued_child(server, console: Console, *messages: str) -> tuple[Child, int]:
    """A child on the web chat who asked for a person; returns them and their request number."""
    child = Child(server.url, origin=server.url)
    await child.connect()
    before = {item["id"] for item in (await asyncio.to_thread(console.queue))["waiting"]}
    for message in messages:
        await child.say(message)
    await child.say("can i talk to a real person please")
    waiting = [i for i in (await asyncio.to_thread(console.queue))["waiting"] if i["id"] not in before]
    assert len(waiting) == 1, waiting
    return child, waiting[0]["id"]


def test_no_counsellor_available_means_no_queue_and_an_honest_answer(service) -> None:
    server, url = service

    async def scenario() -> None:
        child = Child(server.url, origin=server.url)
        await child.connect()
        await child.say("can i talk to a real person please")
        assert texts(child)[-1] == catalog().message("human_requested", "en").text
        await child.close()
        with create_engine(url).connect() as conn:
            assert conn.execute(select(handoff_requests).where(
                handoff_requests.c.conversation == child.conversation)).first() is None  # not queued for nobody

    run(scenario())


def test_take_join_talk_both_ways_flag_urgent_end_with_coding_and_the_bot_is_back(service) -> None:
    server, url = service
    amina = counsellor(server, "amina")

    async def scenario() -> None:
        child, request = await queued_child(server, amina, "someone is blackmailing me with my nudes on instagram")
        assert texts(child)[-1] == catalog().message("human_queued", "en").text
        item = next(i for i in (await asyncio.to_thread(amina.queue))["waiting"] if i["id"] == request)
        assert item["risk"] == "high" and item["categories"]["ocsea.sextortion"] == "online"
        assert item["platform"] == "instagram" and item["channel"] == "webchat" and item["language"] == "en"
        assert item["topics_covered"] == ["sextortion"]  # what the bot already went through with the child

        assert await asyncio.to_thread(amina.take, request) == 200
        await asyncio.sleep(0.5)
        joined = catalog().message("live_joined_named", "en", values={"counsellor": "Amina"}).text
        assert texts(child)[-1] == joined and "amina" not in joined  # the display name, never the username

        transcript = (await asyncio.to_thread(amina.messages, request))["messages"]
        assert [m["from"] for m in transcript][:2] == ["child", "bot"]
        assert transcript[0]["text"] == "someone is blackmailing me with my nudes on instagram"
        assert transcript[-1]["from"] == "system"
        after = transcript[-1]["seq"]

        # The child's words go to the counsellor, not the bot; urgent words are flagged.
        replies_before = len(child.replies)
        started = time.monotonic()
        polled = asyncio.ensure_future(asyncio.to_thread(amina.messages, request, after, 20))
        await asyncio.sleep(0.3)
        await child.say("honestly i want to kill myself")
        got = (await polled)["messages"]
        assert time.monotonic() - started < 5  # the long poll answered when the message came, not at its end
        assert [(m["from"], m["text"], m["urgent"]) for m in got] == [("child", "honestly i want to kill myself", "urgent_risk")]
        assert len(child.replies) == replies_before  # the bot said nothing
        assert next(i for i in (await asyncio.to_thread(amina.queue))["live"] if i["id"] == request)["flagged"] is True

        await asyncio.to_thread(amina.send, request, "I'm here with you. Are you safe right now?")
        await asyncio.sleep(0.5)
        assert texts(child)[-1] == "I'm here with you. Are you safe right now?"

        status, body = await asyncio.to_thread(amina.end, request, {"ocsea.sextortion": "both", "mental_health.suicidal": None},
                                               "counselled", gender="girl", platform="instagram", perpetrator="known_peer")
        assert status == 200, body
        await asyncio.sleep(0.5)
        ended = child.replies[-1]
        assert ended["text"] == catalog().message("live_ended", "en").text
        assert [b["payload"] for b in ended["quick_replies"]] == [BUTTON_PAYLOADS["helpful_yes"], BUTTON_PAYLOADS["helpful_no"]]
        await child.say(BUTTON_PAYLOADS["helpful_yes"])  # "was this helpful?": stored anonymously, thanked
        assert texts(child)[-1] == catalog().message("live_feedback_thanks", "en").text
        count = len(child.replies)
        await child.say("what is sextortion")
        assert len(child.replies) > count  # the bot answers again
        await child.close()

    run(scenario())
    with create_engine(url).connect() as conn:
        row = conn.execute(select(handoff_requests).where(handoff_requests.c.status == "ended")).mappings().first()
        assert row["conversation"] == "" and row["counsellor"] == "amina" and row["taken_at"] and row["ended_at"]
        contact = row["contact_id"]
        coding = conn.execute(select(counsellor_codings).where(counsellor_codings.c.contact_id == contact)).mappings().one()
        assert (coding["gender"], coding["perpetrator"], coding["outcome"]) == ("girl", "known_peer", "counselled")
        assert dict(conn.execute(select(counsellor_categories.c.code, counsellor_categories.c.setting).where(
            counsellor_categories.c.contact_id == contact)).all()) == {"ocsea.sextortion": "both", "mental_health.suicidal": None}
        bot = dict(conn.execute(select(contact_categories.c.code, contact_categories.c.setting).where(
            contact_categories.c.contact_id == contact)).all())
        assert bot["ocsea.sextortion"] == "online"  # the bot's coding is kept beside the counsellor's
        assert conn.execute(select(contacts.c.outcome, contacts.c.helpful).where(contacts.c.id == contact)).one() == (
            "counselled", "yes")
    logs = server.logs()
    assert "kill myself" not in logs and "blackmailing" not in logs and "Are you safe" not in logs


def test_two_counsellors_taking_the_same_child_at_once_one_gets_it(service) -> None:
    server, _ = service
    amina, baraka = counsellor(server, "amina"), counsellor(server, "baraka")

    async def scenario() -> int:
        child, request = await queued_child(server, amina)
        await child.close()
        return request

    request = run(scenario())
    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(lambda c: c.take(request), (amina, baraka)))
    assert statuses == [200, 409]
    owner = amina if any(i["id"] == request for i in amina.queue()["live"]) else baraka
    other = baraka if owner is amina else amina
    assert other.call("GET", f"/console/api/conversations/{request}/messages")[0] == 404  # not theirs to read
    assert other.call("POST", f"/console/api/conversations/{request}/messages", {"text": "hi"})[0] == 404
    assert owner.end(request, {}, "abandoned")[0] == 200


def test_the_child_quick_exits_and_the_console_shows_it_at_once(service) -> None:
    server, _ = service
    baraka = counsellor(server, "baraka")

    async def scenario() -> None:
        child, request = await queued_child(server, baraka, "a guy is asking me for pics")
        assert await asyncio.to_thread(baraka.take, request) == 200
        after = (await asyncio.to_thread(baraka.messages, request))["messages"][-1]["seq"]
        polled = asyncio.ensure_future(asyncio.to_thread(baraka.messages, request, after, 20))
        await asyncio.sleep(0.3)
        started = time.monotonic()
        await child.sio.call("quick_exit", {}, timeout=15)
        body = await polled
        assert body["status"] == "child_left" and time.monotonic() - started < 5
        assert next(i for i in (await asyncio.to_thread(baraka.queue))["live"] if i["id"] == request)["status"] == "child_left"
        assert (await asyncio.to_thread(baraka.call, "POST", f"/console/api/conversations/{request}/messages",
                                        {"text": "are you there?"}))[0] == 409
        status, _ = await asyncio.to_thread(baraka.end, request, {"ocsea.offer_for_images": "online"}, "abandoned")
        assert status == 200
        await child.close()

    run(scenario())


def test_a_counsellor_at_their_maximum_cannot_take_more_and_a_supervisor_sees_every_live_chat(service) -> None:
    server, _ = service
    baraka, sup = counsellor(server, "baraka", max_chats=1), counsellor(server, "sup")

    async def scenario() -> None:
        first, one = await queued_child(server, baraka)
        second, two = await queued_child(server, baraka)
        assert await asyncio.to_thread(baraka.take, one) == 200
        status, body = await asyncio.to_thread(baraka.call, "POST", f"/console/api/conversations/{two}/take")
        assert status == 409 and "maximum" in body["error"]
        assert one in [i["id"] for i in (await asyncio.to_thread(sup.queue))["live"]]
        # A transfer to the supervisor, who can end it.
        status, _ = await asyncio.to_thread(baraka.call, "POST", f"/console/api/conversations/{one}/transfer", {"to": "sup"})
        assert status == 200
        assert one not in [i["id"] for i in (await asyncio.to_thread(baraka.queue))["live"]]
        assert (await asyncio.to_thread(sup.end, one, {}, "signposted"))[0] == 200
        assert await asyncio.to_thread(baraka.take, two) == 200
        assert (await asyncio.to_thread(baraka.end, two, {}, "signposted"))[0] == 200
        for child in (first, second):
            await child.close()

    run(scenario())


@pytest.mark.parametrize(("body", "problem"), [
    ({"categories": {"made.up": "online"}, "outcome": "counselled"}, "Unknown category"),
    ({"categories": {"ocsea.grooming": "sometimes"}, "outcome": "counselled"}, "setting"),
    ({"categories": {}, "attributes": {"gender": "robot"}, "outcome": "counselled"}, "Gender"),
    ({"categories": {}, "outcome": "solved"}, "outcome"),
    ([1, 2], "JSON object"),
])
def test_a_wrong_wrap_up_is_refused_with_a_clear_reason_and_the_chat_stays_live(service, body, problem) -> None:
    server, _ = service
    amina = counsellor(server, "amina")

    async def scenario() -> int:
        child, request = await queued_child(server, amina)
        await child.close()
        return request

    request = run(scenario())
    assert amina.take(request) == 200
    status, answer = amina.call("POST", f"/console/api/conversations/{request}/end", body)
    assert status == 400 and problem.lower() in answer["error"].lower()
    assert any(i["id"] == request and i["status"] == "live" for i in amina.queue()["live"])
    assert amina.end(request, {}, "abandoned")[0] == 200


def test_state_changes_need_the_csrf_token(service) -> None:
    server, _ = service
    amina = counsellor(server, "amina")
    token, amina.csrf = amina.csrf, "forged"
    assert amina.call("POST", "/console/api/availability", {"available": False})[0] == 403
    amina.csrf = token
    assert amina.call("POST", "/console/api/availability", {"available": True})[0] == 200


def test_while_waiting_the_child_learns_their_place_and_can_leave_the_line(service) -> None:
    server, _ = service
    amina = counsellor(server, "amina")

    async def scenario() -> None:
        child, request = await queued_child(server, amina)
        place = [i["id"] for i in (await asyncio.to_thread(amina.queue))["waiting"]].index(request) + 1
        await child.say("how long do i have to wait")
        # with three or more children taken this week an estimate, else an honest "I can't say"
        answers = {catalog().message("faq_waiting_unknown", "en", values={"position": str(place)}).text} | {
            catalog().message("faq_waiting", "en", values={"position": str(place), "minutes": str(m)}).text for m in range(1, 5)}
        assert texts(child)[-1] in answers
        await child.say("is anyone there??")
        assert texts(child)[-1] in answers
        await child.say("cancel")
        assert texts(child)[-1] == catalog().message("faq_leave_queue", "en").text
        assert request not in [i["id"] for i in (await asyncio.to_thread(amina.queue))["waiting"]]
        await child.say("how long do i have to wait")  # out of the line now: the plain answer
        assert texts(child)[-1] == catalog().message("faq_wait_time", "en").text
        await child.close()

    run(scenario())


def test_a_closed_page_shows_in_the_console_and_so_does_its_return(service) -> None:
    from bot.channels.webchat_live import BACK, GONE

    server, _ = service
    amina = counsellor(server, "amina")

    async def scenario() -> None:
        child, request = await queued_child(server, amina)
        assert await asyncio.to_thread(amina.take, request) == 200
        after = (await asyncio.to_thread(amina.messages, request))["messages"][-1]["seq"]
        session = dict(child.session)
        await child.close()  # the page is closed
        seen = await asyncio.to_thread(amina.wait_for, request, lambda m: m["text"] == GONE, after)
        assert seen[-1]["from"] == "system" and seen[-1]["text"] == GONE
        back = Child(server.url, origin=server.url)
        await back.connect({"session_id": session["session_id"], "signature": session["signature"]})
        seen = await asyncio.to_thread(amina.wait_for, request, lambda m: m["text"] == BACK, seen[-1]["seq"])
        assert seen[-1]["text"] == BACK
        assert (await asyncio.to_thread(amina.end, request, {}, "counselled"))[0] == 200
        await back.close()

    run(scenario())


def test_when_a_child_is_taken_the_others_in_line_hear_their_new_place(service) -> None:
    server, _ = service
    baraka = counsellor(server, "baraka")

    async def scenario() -> None:
        first, one = await queued_child(server, baraka)
        second, two = await queued_child(server, baraka)
        before = [i["id"] for i in (await asyncio.to_thread(baraka.queue))["waiting"]].index(two) + 1
        assert await asyncio.to_thread(baraka.take, one) == 200
        after = [i["id"] for i in (await asyncio.to_thread(baraka.queue))["waiting"]].index(two) + 1
        assert after == before - 1
        moved = catalog().message("queue_moved", "en", values={"position": str(after)}).text
        for _ in range(50):
            if texts(second)[-1] == moved:
                break
            await asyncio.sleep(0.1)
        assert texts(second)[-1] == moved
        assert moved not in texts(first)  # the child taken hears that a counsellor joined instead
        assert (await asyncio.to_thread(baraka.end, one, {}, "counselled"))[0] == 200
        assert await asyncio.to_thread(baraka.take, two) == 200
        assert (await asyncio.to_thread(baraka.end, two, {}, "counselled"))[0] == 200
        for child in (first, second):
            await child.close()

    run(scenario())
