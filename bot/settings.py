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
SUPPORTED_LANGUAGES = ("en", "sw")
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Settings:
    port: int
    data_dir: Path
    database_url: str
    redis_url: str | None
    action_port: int
    retention_days: int
    quick_exit_url: str

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
    )


def pseudonym_key() -> bytes:
    """The secret for keyed hashes: PSEUDONYM_KEY, else a 0600 file made on first run."""
    env = os.environ.get("PSEUDONYM_KEY")
    if env:
        return env.encode()
    path = get_settings().data_dir / "pseudonym.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()
