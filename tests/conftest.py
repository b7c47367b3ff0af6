"""Shared fixtures: real databases (SQLite and PostgreSQL) and the real service in a subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_KEY = "test-pseudonym-key-not-secret"
REST_TOKEN = "test-rest-token-not-secret-0123456789"
os.environ.setdefault("PSEUDONYM_KEY", TEST_KEY)
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
# In-process actions record contacts: into a scratch database, never the project's own var/.
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="ocsea-tests-"))
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_ports(count: int) -> list[int]:
    """Distinct free ports, all held open while they are picked (two separate picks can return the
    same port: a server and its console were once given one port)."""
    with contextlib.ExitStack() as stack:
        held = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in held:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in held]


def free_port() -> int:
    return free_ports(1)[0]


# --- databases -----------------------------------------------------------------------------
def _pg_available() -> bool:
    try:
        import psycopg2

        psycopg2.connect(PG_ADMIN_URL, connect_timeout=3).close()
        return True
    except Exception:  # noqa: BLE001
        return False


def _fresh_postgres() -> Iterator[str]:
    """Create a throw-away PostgreSQL database, yield its URL, then drop it."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and not reachable at {PG_ADMIN_URL}")
        pytest.skip("PostgreSQL not reachable")
    import psycopg2

    name = f"ocsea_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(PG_ADMIN_URL)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    from bot.database import engine

    engine.cache_clear()
    admin.close()
    admin = psycopg2.connect(PG_ADMIN_URL)  # a new connection: a test may have restarted the server
    admin.autocommit = True
    admin.cursor().execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
    )
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    yield from _fresh_postgres()


@pytest.fixture(scope="module")
def module_postgres_url() -> Iterator[str]:
    """A PostgreSQL database of the module's own (for a service that must not share its tables)."""
    yield from _fresh_postgres()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of this test's own, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        yield from _fresh_postgres()


# --- the live service ----------------------------------------------------------------------
@dataclass
class LiveServer:
    """`python -m bot serve` running in a subprocess, with its output kept for log checks."""

    port: int
    data_dir: Path
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen | None = None
    senders: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def console_port(self) -> int:
        return int(self.env["CONSOLE_PORT"])

    @property
    def exit_url(self) -> str:
        return self.env["QUICK_EXIT_URL"]

    def start(self, timeout: float = 180) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited:\n" + self.log_path.read_text(errors="replace")[-4000:])
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise RuntimeError("server did not become healthy:\n" + self.log_path.read_text(errors="replace")[-4000:])

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            import signal

            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)

    def send(self, sender: str, message: object, **extra: object) -> list[dict]:
        body = json.dumps({"sender": sender, "message": message, **extra}).encode()
        return self.post_raw(body)[1]

    def post_raw(self, body: bytes) -> tuple[int, object]:
        request = urllib.request.Request(
            f"{self.url}/webhooks/rest/webhook", data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {REST_TOKEN}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")


def make_server(tmp_path: Path, database_url: str | None = None) -> LiveServer:
    data_dir = tmp_path / "var"
    port, action_port, console_port = free_ports(3)
    env = {
        **os.environ,
        "PORT": str(port),
        "ACTION_PORT": str(action_port),
        "CONSOLE_PORT": str(console_port),
        "DATA_DIR": str(data_dir),
        "PSEUDONYM_KEY": TEST_KEY,
        "REST_TOKEN": REST_TOKEN,
        "QUICK_EXIT_URL": f"http://127.0.0.1:{port}/static/neutral.html?left",
        "LOG_LEVEL": "INFO",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    return LiveServer(port=port, data_dir=data_dir, env=env, log_path=tmp_path / "server.log")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The whole service on SQLite, as `make run` starts it."""
    server = make_server(tmp_path_factory.mktemp("live"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator["Harness"]:  # noqa: F821
    """The web chat's channel in a small server with a stand-in for Rasa, for one test module."""
    from tests.support.webchat import Harness

    server = Harness(tmp_path_factory.mktemp("webchat-harness"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian chromium through Playwright, for one test module."""
    from tests.support.browser import launched_chromium

    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def fake_bot_api() -> Iterator["FakeTelegram"]:  # noqa: F821
    """A local fake Telegram Bot API server for one test module."""
    from tests.fake_telegram import FakeTelegram

    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def trained_model() -> str:
    from bot.__main__ import latest_model

    return latest_model()


@pytest.fixture(scope="session")
def agent(trained_model: str) -> "Agent":  # noqa: F821
    """The trained model, loaded once for the in-process tests."""
    from rasa.core.agent import Agent

    return Agent.load(trained_model)


@pytest.fixture(scope="session")
def executor() -> "ActionExecutor":  # noqa: F821
    """The real actions, loaded by package name as the action server loads them."""
    from rasa_sdk.executor import ActionExecutor

    actions = ActionExecutor()
    actions.register_package("actions")
    return actions


@pytest.fixture
def chat(agent, executor):
    """A new in-process conversation: chat("en") or chat("sw", country="KE")."""
    from tests.support.inprocess import Chat

    return lambda language="en", channel=None, **slots: Chat(agent, executor, language, channel, **slots)
