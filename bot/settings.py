"""Configuration from environment variables, read once at start-up.

Every setting has a safe default so that `make run` works on a fresh clone with nothing set.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = PROJECT_ROOT / "locales"
DEFAULT_LANGUAGE = "en"


def language_folders(root: Path = LOCALES_DIR) -> tuple[str, ...]:
    """A language is a folder of locales/ with its texts in it (docs/adding-a-language.md): the
    default first, then the others in code order. `python -m bot check` says what one lacks."""
    found = [p.name for p in root.iterdir() if p.is_dir() and (p / "messages.yml").is_file()]
    chosen = {code.strip() for code in os.environ.get("LANGUAGES", "").split(",") if code.strip()}
    if chosen:  # a deployment may offer only some (the reviewed ones, say); the default always
        found = [code for code in found if code in chosen | {DEFAULT_LANGUAGE}]
    return tuple(sorted(found, key=lambda code: (code != DEFAULT_LANGUAGE, code)))


SUPPORTED_LANGUAGES = language_folders()


class Secret(str):
    """A setting that must never appear in a log, a traceback or a repr."""

    def __repr__(self) -> str:
        return "Secret('**********')"


TELEGRAM_MODES = ("polling", "webhook")
TELEGRAM_WEBHOOK_PATH = "/webhooks/telegram/webhook"
_SECRET_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


@dataclass(frozen=True)
class TelegramSettings:
    """The Telegram channel's settings; it is on only when TELEGRAM_BOT_TOKEN is set."""

    token: str
    mode: str = "polling"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    api_base_url: str = "https://api.telegram.org"

    def __repr__(self) -> str:  # the token and secret never end up in a log or traceback
        return f"TelegramSettings(mode={self.mode!r}, webhook_url={self.webhook_url!r}, api_base_url={self.api_base_url!r})"


def telegram_settings(env: dict[str, str]) -> TelegramSettings | None:
    """Read and check the TELEGRAM_* variables; a clear SystemExit when they don't fit together."""
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        return None
    mode = env.get("TELEGRAM_MODE", "polling").strip().lower() or "polling"
    if mode not in TELEGRAM_MODES:
        raise SystemExit(f"TELEGRAM_MODE must be one of {', '.join(TELEGRAM_MODES)}, not {mode!r}.")
    url = env.get("TELEGRAM_WEBHOOK_URL", "").strip() or None
    secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None
    if mode == "webhook":
        if not url or (not url.startswith("https://") and not url.startswith("http://127.0.0.1")):
            raise SystemExit(f"TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_URL, the public https address of {TELEGRAM_WEBHOOK_PATH}.")
        if not secret or not 16 <= len(secret) <= 256 or set(secret) - _SECRET_CHARS:
            raise SystemExit("TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_SECRET: 16-256 characters of A-Z, a-z, 0-9, _ and -.")
    base = env.get("TELEGRAM_API_BASE_URL", "").strip() or "https://api.telegram.org"
    return TelegramSettings(token=token, mode=mode, webhook_url=url, webhook_secret=secret, api_base_url=base.rstrip("/"))


@dataclass(frozen=True)
class Settings:
    port: int
    data_dir: Path
    database_url: str
    redis_url: str | None
    action_port: int
    retention_days: int
    quick_exit_url: str
    telegram: TelegramSettings | None = None
    home_country: str | None = None  # the helpline's own country: numbers when the child's is unknown
    rest_token: Secret | None = None  # the REST webhook is on only with a token (Authorization: Bearer)
    staff_idle_minutes: int = 30  # a staff session ends after this long without a request
    staff_shift_hours: int = 12  # and after this long in any case (a shift)
    staff_cookie_secure: bool = True  # the session cookie only over https; false for plain-http testing
    console_port: int = 5006  # the staff pages and the console API: their own port, never on PORT
    contact_retention_days: int = 5 * 365 + 1  # the anonymised contact log: five years, then purged
    host: str = "0.0.0.0"

    @property
    def action_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.action_port}/webhook"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    data_dir = Path(os.environ.get("DATA_DIR", PROJECT_ROOT / "var")).resolve()
    default_db = f"sqlite:///{data_dir / 'ocsea.db'}"
    return Settings(
        port=int(os.environ.get("PORT", "5005")),
        data_dir=data_dir,
        database_url=os.environ.get("DATABASE_URL", default_db),
        redis_url=os.environ.get("REDIS_URL") or None,
        action_port=int(os.environ.get("ACTION_PORT", "5055")),
        retention_days=int(os.environ.get("RETENTION_DAYS", "30")),
        quick_exit_url=os.environ.get("QUICK_EXIT_URL", "https://www.bbc.co.uk/weather"),
        telegram=telegram_settings(dict(os.environ)),
        home_country=home_country(os.environ.get("HOME_COUNTRY", "")),
        rest_token=rest_token(os.environ.get("REST_TOKEN", "")),
        staff_idle_minutes=int(os.environ.get("STAFF_IDLE_MINUTES", "30")),
        staff_shift_hours=int(os.environ.get("STAFF_SHIFT_HOURS", "12")),
        staff_cookie_secure=os.environ.get("STAFF_COOKIE_SECURE", "true").strip().lower() not in ("false", "0", "no"),
        console_port=int(os.environ.get("CONSOLE_PORT", "5006")),
        contact_retention_days=int(os.environ.get("CONTACT_RETENTION_DAYS", str(5 * 365 + 1))),
        host=os.environ.get("HOST", "0.0.0.0"),
    )


def rest_token(value: str) -> Secret | None:
    """REST_TOKEN: unset turns the REST webhook off; a short one is refused (it guards children's chats)."""
    token = value.strip()
    if not token:
        return None
    if len(token) < 16:
        raise SystemExit("REST_TOKEN must be at least 16 characters (for example: openssl rand -hex 32).")
    return Secret(token)


def home_country(value: str) -> str | None:
    """HOME_COUNTRY as an ISO 3166-1 alpha-2 code (or unset); anything else stops start-up clearly."""
    code = value.strip().upper()
    if not code:
        return None
    if len(code) != 2 or not code.isalpha():
        raise SystemExit(f"HOME_COUNTRY must be an ISO 3166-1 alpha-2 code such as KE or GB, not {value!r}.")
    return code


def secure_data_dir(data_dir: Path) -> None:
    """DATA_DIR holds what children wrote (until retention) and the pseudonym key: 0700 for the
    directory, 0600 for every file in it (WAL and SHM included), also for files an older run left.
    The processes also run with umask 077, so files created later are private too."""
    os.umask(0o077)
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    for path in data_dir.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)


def pseudonym_key() -> bytes:
    """The secret for keyed hashes: PSEUDONYM_KEY, else PSEUDONYM_KEY_FILE (which may live outside
    DATA_DIR, e.g. a mounted secret), else a 0600 file made on first run in DATA_DIR."""
    env = os.environ.get("PSEUDONYM_KEY")
    if env:
        return env.encode()
    if not get_settings().database_url.startswith("sqlite") and not os.environ.get("PSEUDONYM_KEY_FILE"):
        # Several servers share this database: a key each would make one server's hashes and sealed
        # data (Telegram updates, live chats) unreadable to the others.
        raise SystemExit("A shared database (DATABASE_URL) needs PSEUDONYM_KEY (or PSEUDONYM_KEY_FILE), the same on "
                         "every server. Make one with: openssl rand -hex 32")
    path = Path(os.environ.get("PSEUDONYM_KEY_FILE") or get_settings().data_dir / "pseudonym.key")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()
