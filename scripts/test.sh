#!/usr/bin/env bash
# The whole suite (called by `make test` after `make setup`): lint, locale check, then pytest,
# which also runs Rasa's data validation and test stories, the real server over HTTP on SQLite
# and PostgreSQL, and the web chat in Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[test] installing Debian chromium for the browser tests"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "[test] chromium is missing: install it (apt-get install chromium) for the browser tests" >&2
  fi
fi

export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1
.venv/bin/ruff check bot actions tests bench
.venv/bin/python -m bot check
exec .venv/bin/python -m pytest -ra --durations=15 "$@"  # the slowest tests, to keep the suite under 30 minutes
