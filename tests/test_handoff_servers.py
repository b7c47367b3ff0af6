"""Two servers on one PostgreSQL and one Redis, as behind a load balancer: the child on one, the
counsellor on the other, talking live; a claim atomic across servers; a server restarted in the
middle of a live chat loses nothing; and a shared database refuses to start without PSEUDONYM_KEY."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.locales import catalog
from tests.conftest import ROOT, LiveServer, make_server
from tests.support.console import Console, add_counsellor
from tests.support.services import redis_or_skip
from tests.support.webchat import Child, run

pytestmark = pytest.mark.e2e
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def two_servers(module_postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    redis_or_skip()
    servers = []
    for name in ("a", "b"):
        server = make_server(tmp_path_factory.mktemp(f"server-{name}"), database_url=module_postgres_url)
        server.env.update(REDIS_URL=REDIS_URL, STAFF_COOKIE_SECURE="false", TRUST_PROXY="true")
        servers.append(server)
    for server in servers:
        server.start()
    add_counsellor(module_postgres_url, "zawadi", display_name="Zawadi")
    add_counsellor(module_postgres_url, "juma")
    yield servers[0], servers[1], module_postgres_url
    for server in servers:
        server.stop()


def on(server: LiveServer, username: str) -> Console:
    console = Console(server.console_port)
    assert console.sign_in(username) == 200
    console.available()
    return console


async def asking_child(server: LiveServer, console: Console) -> tuple[Child, int]:
    child = Child(server.url, origin=server.url)
    await child.connect()
    known = {i["id"] for i in (await asyncio.to_thread(console.queue))["waiting"]}
    await child.say("he is threatening to send my pics to my school")
    await child.say("can i talk to a real person")
    new = [i["id"] for i in (await asyncio.to_thread(console.queue))["waiting"] if i["id"] not in known]
    assert len(new) == 1
    return child, new[0]


async def until(condition, timeout: float = 15) -> None:
    for _ in range(int(timeout * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


def test_child_on_one_server_and_counsellor_on_the_other_talk_live(two_servers) -> None:
    server_a, server_b, _ = two_servers
    zawadi = on(server_b, "zawadi")

    async def scenario() -> None:
        child, request = await asking_child(server_a, zawadi)
        assert await asyncio.to_thread(zawadi.take, request) == 200
        joined = catalog().message("live_joined_named", "en", values={"counsellor": "Zawadi"}).text
        await until(lambda: any(r.get("text") == joined for r in child.replies))  # through Redis, to server A's socket

        after = (await asyncio.to_thread(zawadi.messages, request))["messages"][-1]["seq"]
        polled = asyncio.ensure_future(asyncio.to_thread(zawadi.messages, request, after, 20))
        await asyncio.sleep(0.3)
        await child.say("i am scared to go to school tomorrow")
        got = (await polled)["messages"]  # server B's long poll woken by server A's message, through Redis
        assert [m["text"] for m in got] == ["i am scared to go to school tomorrow"]

        await asyncio.to_thread(zawadi.send, request, "That makes sense. Let's make a plan together.")
        await until(lambda: child.replies[-1].get("text") == "That makes sense. Let's make a plan together.")
        assert (await asyncio.to_thread(zawadi.end, request, {"ocsea.sextortion": "online"}, "counselled"))[0] == 200
        await child.close()

    run(scenario())


def test_a_claim_is_atomic_across_servers(two_servers) -> None:
    server_a, server_b, _ = two_servers
    zawadi, juma = on(server_a, "zawadi"), on(server_b, "juma")

    async def scenario() -> int:
        child, request = await asking_child(server_a, zawadi)
        await child.close()
        return request

    request = run(scenario())
    with ThreadPoolExecutor(2) as pool:
        statuses = list(pool.map(lambda console: console.take(request), (zawadi, juma)))
    assert sorted(statuses) == [200, 409]
    winner = (zawadi, juma)[statuses.index(200)]
    assert winner.end(request, {}, "abandoned")[0] == 200


def test_a_server_restarted_mid_chat_loses_no_message_and_the_chat_stays_live(two_servers) -> None:
    server_a, server_b, _ = two_servers
    zawadi = on(server_b, "zawadi")

    async def before_restart() -> tuple[dict, int]:
        child, request = await asking_child(server_a, zawadi)
        assert await asyncio.to_thread(zawadi.take, request) == 200
        session = dict(child.session)
        await child.close()
        return session, request

    session, request = run(before_restart())
    server_a.stop()  # the child's server goes down; the counsellor writes meanwhile
    seq = zawadi.send(request, "Are you still there? Take your time.")
    server_a.start()

    async def after_restart() -> None:
        child = Child(server_a.url, origin=server_a.url)
        await child.connect({"session_id": session["session_id"], "signature": session["signature"]})
        assert child.session["resumed"] is True
        await until(lambda: any(r.get("id") == f"live:{seq}" for r in child.replies))  # sent again on return
        await child.say("yes im here, my phone died")
        got = await asyncio.to_thread(zawadi.wait_for, request, lambda m: m["from"] == "child" and "phone died" in m["text"], seq)
        assert any(m["text"] == "yes im here, my phone died" for m in got)
        status = await asyncio.to_thread(zawadi.messages, request)
        assert status["status"] == "live" and status["counsellor"] == "zawadi"  # the same counsellor, still live
        assert (await asyncio.to_thread(zawadi.end, request, {}, "counselled"))[0] == 200
        await child.close()

    run(after_restart())


def test_a_shared_database_needs_the_pseudonym_key(module_postgres_url: str, tmp_path) -> None:
    env = {**os.environ, "DATABASE_URL": module_postgres_url, "DATA_DIR": str(tmp_path / "var")}
    env.pop("PSEUDONYM_KEY", None)
    env.pop("PSEUDONYM_KEY_FILE", None)
    done = subprocess.run([sys.executable, "-c", "from bot.pseudonym import pseudonymise; pseudonymise('webchat', 'x')"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "needs PSEUDONYM_KEY" in done.stderr
