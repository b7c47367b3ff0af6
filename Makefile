# Two commands on a fresh clone: `make run` and `make test`. Both set up first (make setup).
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: setup run test lint bench lock clean

setup:  ## venv, pinned install, spaCy pipeline, model training: only what is missing or stale
	@bash scripts/setup.sh

run: setup  ## the whole service on SQLite: web chat on http://localhost:$${PORT:-5005}/
	@$(PY) -m bot serve

test: setup  ## the full suite: data validation, story tests, pytest (SQLite and PostgreSQL, browser)
	@bash scripts/test.sh

lint: setup
	@.venv/bin/ruff check bot actions tests bench

bench: setup  ## per-turn latency, throughput and memory; Telegram webhook; a bystander during a flood; live chat relay; review at 1M contacts
	@$(PY) bench/conversations.py --concurrency 20 --rounds 2 --think-ms 2000
	@$(PY) bench/conversations.py --concurrency 20 --rounds 3
	@$(PY) bench/telegram_webhook.py --chats 100 --per-chat 10 --concurrency 20
	@$(PY) bench/flood.py --seconds 30
	@$(PY) bench/relay.py
	@$(PY) bench/review.py

lock:  ## re-resolve requirements.in into requirements.lock (needs network access to PyPI)
	@rm -rf .venv-lock && python3.10 -m venv .venv-lock && .venv-lock/bin/pip install -q -r requirements.in \
	  && .venv-lock/bin/pip freeze > requirements.lock && rm -rf .venv-lock

clean:
	rm -rf .venv build models var
