"""The rasa_sdk action server, supervised: started, checked, restarted when it dies, never orphaned.

- Start-up refuses a port already taken (an orphan of an earlier run would answer in our place).
- The child dies with its parent (Linux PR_SET_PDEATHSIG; elsewhere it notices its parent is
  gone within a second), so a SIGKILL of the service leaves nothing holding ACTION_PORT.
- A watch task restarts it when it exits, with back-off; /health reports it down meanwhile.
- It answers only requests carrying the per-run secret (ACTION_SERVER_SECRET), which Rasa sends
  as a header: loopback is not a boundary against other local processes.
"""

from __future__ import annotations

import asyncio
import ctypes
import hmac
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from bot.settings import PROJECT_ROOT

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Action-Secret"
SECRET_ENV = "ACTION_SERVER_SECRET"
PARENT_ENV = "ACTION_SERVER_PARENT"
START_TIMEOUT = 120.0
RESTART_BACKOFF = (1.0, 30.0)
_PR_SET_PDEATHSIG = 1


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Nothing listens there (connections in TIME_WAIT don't count: servers bind with SO_REUSEADDR)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel sends SIGTERM when the parent dies."""
    with_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
    if with_libc is not None:
        with_libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class ActionServer:
    """One action server child process and its health."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.secret = secrets.token_hex(32)
        self.proc: subprocess.Popen | None = None
        self.restarts = 0

    @property
    def headers(self) -> dict[str, str]:
        return {SECRET_HEADER: self.secret}

    def spawn(self) -> None:
        """Start the child. Call it from a long-lived thread (the main or event-loop thread): the
        kernel's parent-death signal follows the creating thread, not the process."""
        if not port_is_free(self.port):
            raise SystemExit(
                f"ACTION_PORT {self.port} is already in use (an action server left from an earlier run?). "
                "Stop it, or set ACTION_PORT to a free port."
            )
        env = {**os.environ, SECRET_ENV: self.secret, PARENT_ENV: str(os.getpid())}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "actions"], cwd=PROJECT_ROOT, env=env, preexec_fn=_die_with_parent,
        )

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Spawn and wait until it answers (at start-up, before the service takes messages)."""
        self.spawn()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("The action server stopped during start-up; see the lines above.")
            if self.healthy(timeout=1.0):
                return
            time.sleep(0.3)
        self.stop()
        raise SystemExit(f"The action server did not start within {timeout:.0f} s.")

    def healthy(self, timeout: float = 2.0) -> bool:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/health", headers=self.headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:
                return resp.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    async def watch(self, _app: object = None) -> None:
        """Restart the action server whenever it exits (a Sanic background task)."""
        delay = RESTART_BACKOFF[0]
        while True:
            await asyncio.sleep(1.0)
            if self.proc is None or self.proc.poll() is None:
                continue
            log.error("action server exited (code %s); restarting it in %.0f s", self.proc.returncode, delay)
            await asyncio.sleep(delay)
            try:
                self.spawn()  # on the event-loop thread, which lives as long as the service
            except SystemExit as exc:
                log.error("action server restart failed: %s", exc)
                delay = min(delay * 2, RESTART_BACKOFF[1])
                continue
            for _ in range(int(START_TIMEOUT)):
                if self.proc.poll() is not None or await asyncio.to_thread(self.healthy, 1.0):
                    break
                await asyncio.sleep(1.0)
            if self.proc.poll() is None:
                self.restarts += 1
                delay = RESTART_BACKOFF[0]
                log.warning("action server restarted")
            else:
                delay = min(delay * 2, RESTART_BACKOFF[1])


def guard_action_app(app: object) -> None:
    """In the action server: answer only requests with the parent's secret, and exit with the parent."""
    secret = os.environ.get(SECRET_ENV, "")
    parent = os.environ.get(PARENT_ENV)
    if not secret:  # run by hand (`python -m bot actions`, for `rasa shell`): say so, and answer anyone local
        log.warning("action server started without %s: any local process can call it", SECRET_ENV)
        return

    @app.on_request  # type: ignore[attr-defined]
    async def require_secret(request):  # noqa: ANN001, ANN202
        from sanic import response

        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return response.json({"error": "forbidden"}, status=403)
        return None

    if parent and parent.isdigit():
        def watch_parent() -> None:  # where PR_SET_PDEATHSIG is not available
            while os.getppid() == int(parent):
                time.sleep(1.0)
            os._exit(0)

        threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()
