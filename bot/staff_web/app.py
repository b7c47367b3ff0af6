"""The staff side's own Sanic app on CONSOLE_PORT, served from the same process and event loop as
the children's service (so the console reaches the conversations' transcripts and the relay
directly), but on a port a deployment can keep off the public internet. Nothing of it answers on
PORT, and nothing of the children's service answers here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sanic import Sanic, response
from sanic.touchup import TouchUp

from bot import web_guard
from bot.settings import Settings
from bot.staff_web import staff_blueprint

STATIC_DIR = Path(__file__).parent / "static"
# The children's page forbids forms posting anywhere; the staff sign-in form posts to this origin.
CSP = web_guard.CSP.replace("form-action 'none'", "form-action 'self'")


def build_console_app(settings: Settings) -> Sanic:
    app = Sanic("ocsea_console", configure_logging=False)
    web_guard.install(app, csp=CSP)
    app.blueprint(staff_blueprint(settings))
    app.static("/static", str(STATIC_DIR), name="staff_static")

    @app.get("/")
    async def root(_request: Any) -> Any:
        return response.redirect("/staff/sign-in", status=303)

    @app.get("/favicon.ico")
    async def no_icon(_request: Any) -> Any:  # browsers ask; an empty answer keeps the console's log clean
        return response.empty(status=204)

    return app


class ConsoleServer:
    """Starts and stops the console app inside the running service's event loop."""

    def __init__(self, app: Sanic, host: str, port: int) -> None:
        self.app, self.host, self.port = app, host, port
        self.server: Any = None

    async def start(self) -> None:
        server = await self.app.create_server(
            host=self.host, port=self.port, return_asyncio_server=True, access_log=False,
            protocol=web_guard.CappedProtocol,
        )
        # Sanic 21.12 rewrites its request handler's source at each app's start-up ("TouchUp"); the
        # second app's rewrite of the already rewritten method fails, and the first one's serves both.
        registry = set(TouchUp._registry)
        TouchUp._registry.clear()
        try:
            await server.startup()
        finally:
            TouchUp._registry.update(registry)
        await server.before_start()  # create_server has awaited the server: it is listening already
        await server.after_start()
        self.server = server

    async def stop(self) -> None:
        if self.server is None:
            return
        await self.server.before_stop()
        self.server.close()
        await self.server.wait_closed()
        await self.server.after_stop()
        self.server = None
