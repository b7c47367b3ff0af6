"""`python -m bot serve`: the whole service on one public port.

Rasa's Sanic app is built in code (no HTTP API: it would expose raw conversations) with our
channels and our own routes: the web chat page at `/`, its socket at `/socket.io`, Rasa's REST
webhook at `/webhooks/rest/webhook`, Telegram's at `/webhooks/telegram/webhook` (when
TELEGRAM_BOT_TOKEN is set) and `GET /health`. The rasa_sdk action server runs beside it
as a child process on 127.0.0.1 only; Ctrl-C stops both.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from functools import partial
from html import escape
from pathlib import Path

from bot.health import health_blueprint
from bot.locales import catalog
from bot.settings import DEFAULT_LANGUAGE, PROJECT_ROOT, Settings, get_settings
from bot.supervisor import ActionServer, guard_action_app, port_is_free

log = logging.getLogger(__name__)
STATIC_DIR = PROJECT_ROOT / "bot" / "webchat" / "static"
TRACKER_STORE = "bot.tracker_store.ResilientSQLTrackerStore"


def tracker_store_config(settings: Settings) -> "EndpointConfig":  # noqa: F821
    """Rasa's SQL tracker store on the same database as the contact log."""
    from rasa.utils.endpoints import EndpointConfig
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return EndpointConfig(type=TRACKER_STORE, dialect="sqlite", db=url.database)
    return EndpointConfig(
        type=TRACKER_STORE, dialect=url.drivername, url=url.host, port=url.port, db=url.database,
        username=url.username, password=url.password,
    )


def lock_store_config(settings: Settings) -> "EndpointConfig | None":  # noqa: F821
    """Redis locks when REDIS_URL is set (several Rasa servers), else in-process locks."""
    if not settings.redis_url:
        return None
    from rasa.utils.endpoints import EndpointConfig
    from sqlalchemy.engine import make_url

    url = make_url(settings.redis_url)
    return EndpointConfig(  # Rasa's Redis lock store, its calls off the event loop (bot/lock_store.py)
        type="bot.lock_store.ThreadedRedisLockStore", url=url.host, port=url.port or 6379, db=int(url.database or 0),
        password=url.password, key_prefix="ocsea",
    )


def build_endpoints(settings: Settings, actions: ActionServer | None = None) -> "AvailableEndpoints":  # noqa: F821
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    return AvailableEndpoints(
        nlg=EndpointConfig(type="bot.nlg.LocaleNLG"),
        action=EndpointConfig(url=settings.action_endpoint, headers=actions.headers if actions else None),
        tracker_store=tracker_store_config(settings),
        lock_store=lock_store_config(settings),
    )


def site_blueprint(settings: Settings) -> "Blueprint":  # noqa: F821
    """The chat page, its static files and the health check."""
    from sanic import Blueprint, response

    bp = Blueprint("site")
    labels = catalog().webchat
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8").replace(
        "https://www.bbc.co.uk/weather", escape(settings.quick_exit_url, quote=True)
    )
    for key, value in labels[DEFAULT_LANGUAGE].items():
        page = page.replace("{{" + key + "}}", escape(str(value), quote=True))
    # The page's own labels in every language, for when the conversation switches language.
    strings_js = "window.OCSEA_STRINGS = " + json.dumps(labels, ensure_ascii=False).replace("</", "<\\/") + ";\n"
    # "Get help now": help numbers per language and country ("" = country not known yet), rendered once
    # here so the page can show them even when the socket is down. Same script, so CSP stays 'self'.
    from bot.settings import SUPPORTED_LANGUAGES

    cat = catalog()
    help_now = {
        lang: {code: cat.message("help_now", lang, country=code or None).text for code in [*cat.directory["entries"], ""]}
        for lang in SUPPORTED_LANGUAGES
    }
    strings_js += "window.OCSEA_HELP = " + json.dumps(help_now, ensure_ascii=False).replace("</", "<\\/") + ";\n"
    headers = {"Cache-Control": "no-store"}  # the security headers are added to every response (bot.web_guard)

    @bp.get("/")
    async def index(_request):  # noqa: ANN001, ANN202
        return response.html(page, headers=headers)

    @bp.get("/ui-strings.js")
    async def ui_strings(_request):  # noqa: ANN001, ANN202
        return response.text(strings_js, content_type="application/javascript; charset=utf-8", headers={"Cache-Control": "no-cache"})

    bp.static("/static", str(STATIC_DIR), name="static")
    return bp


def _add_console(app: "Sanic", settings: Settings, host: str) -> None:  # noqa: F821
    """The staff console on CONSOLE_PORT, and the relay between it and the channels, started and
    stopped with the children's service."""
    from bot.handoff.relay import relay
    from bot.handoff.transcript import transcript_source
    from bot.staff_web.app import ConsoleServer, build_console_app

    console = ConsoleServer(build_console_app(settings), host, settings.console_port)
    relay().transcript = transcript_source(lambda: getattr(app.ctx, "agent", None))

    async def start(_app: "Sanic", _loop: object) -> None:  # noqa: F821
        await relay().start(settings.redis_url)
        await console.start()

    async def stop(_app: "Sanic", _loop: object) -> None:  # noqa: F821
        await console.stop()
        await relay().stop()

    app.register_listener(start, "after_server_start")
    app.register_listener(stop, "before_server_stop")


def build_app(
    model_path: str, settings: Settings | None = None, actions: ActionServer | None = None, host: str = "127.0.0.1",
) -> "Sanic":  # noqa: F821
    from rasa.core.channels.channel import register
    from rasa.core.run import close_resources, load_agent_on_start
    from sanic import Sanic

    from bot import rasa_speedups, web_guard
    from bot.channels.rest import RestChannel
    from bot.channels.webchat import WebChatInput
    from bot.retention import retention_task

    settings = settings or get_settings()
    rasa_speedups.install()
    endpoints = build_endpoints(settings, actions)
    # What rasa.core.run.configure_app does without the HTTP API, minus its "Hello from Rasa" at /.
    app = Sanic("ocsea_helper", configure_logging=False)
    web_guard.install(app)
    channels: list = [WebChatInput()]
    if settings.rest_token:
        channels.append(RestChannel(settings.rest_token))
    if settings.telegram:
        from bot.channels.telegram import TelegramInput

        channels.append(TelegramInput(settings.telegram, settings.database_url))  # off: the ready banner says so
    register(channels, app, route="/webhooks/")
    app.blueprint(site_blueprint(settings))
    app.blueprint(health_blueprint(actions))
    _add_console(app, settings, host)
    if actions is not None:
        app.add_task(actions.watch)
    app.register_listener(partial(load_agent_on_start, model_path, endpoints, None), "before_server_start")
    app.register_listener(close_resources, "after_server_stop")
    app.add_task(retention_task(settings))
    return app


def run_action_server() -> None:
    """The rasa_sdk action server, bound to loopback only, answering only its parent (bot.supervisor)."""
    from rasa_sdk.endpoint import create_app

    settings = get_settings()
    app = create_app("actions")
    guard_action_app(app)
    app.run("127.0.0.1", settings.action_port, workers=1, access_log=False, motd=False)


def ready_banner(settings: Settings, host: str) -> str:
    """What a new user needs, printed last, once the service answers: the address and what is on."""
    from sqlalchemy.engine import make_url

    shown = "localhost" if host in ("0.0.0.0", "127.0.0.1") else host
    database = make_url(settings.database_url)
    lines = [
        "",
        "  Helper is ready.",
        f"  Web chat:   http://{shown}:{settings.port}/",
        f"  Console:    http://{shown}:{settings.console_port}/ (staff; accounts: python -m bot staff add NAME --role ROLE)",
        f"  REST:       {'on at /webhooks/rest/webhook (REST_TOKEN)' if settings.rest_token else 'off (REST_TOKEN not set)'}",
        f"  Telegram:   {f'on ({settings.telegram.mode})' if settings.telegram else 'off (TELEGRAM_BOT_TOKEN not set)'}",
        f"  Database:   {'SQLite ' + str(database.database) if database.get_backend_name() == 'sqlite' else 'PostgreSQL'}",
        f"  Locks:      {'Redis' if settings.redis_url else 'in this process (set REDIS_URL for several servers)'}",
        f"  Numbers for an unknown country: {settings.home_country or 'international (set HOME_COUNTRY)'}",
        "  Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)


def serve(model_path: str, host: str) -> None:
    settings = get_settings()
    from bot.handoff.hours import HoursError, configured

    try:
        configured()
    except HoursError as wrong:
        raise SystemExit(f"HOURS_FILE: {wrong}") from None
    bind = host if host not in ("0.0.0.0", "::") else "0.0.0.0"
    for name, port in (("PORT", settings.port), ("CONSOLE_PORT", settings.console_port)):
        if not port_is_free(port, bind):
            raise SystemExit(f"{name} {port} is already in use. Stop what holds it, or set {name} to a free port.")
    actions = ActionServer(settings.action_port)
    actions.start()
    try:
        app = build_app(model_path, settings, actions, host)
        app.register_listener(lambda *_: print(ready_banner(settings, host), flush=True), "after_server_start")
        if os.environ.get("RASA_TELEMETRY_ENABLED") is None:
            os.environ["RASA_TELEMETRY_ENABLED"] = "false"
        from bot.web_guard import CappedProtocol

        app.run(host=host, port=settings.port, workers=1, access_log=False, motd=False, protocol=CappedProtocol)
    finally:
        actions.stop()
        asyncio.set_event_loop(asyncio.new_event_loop())
