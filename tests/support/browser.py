"""Debian chromium through Playwright, and reading the web chat page as a child sees it."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.locales import catalog
from tests.conftest import LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-quic"]


@contextmanager
def launched_chromium() -> Iterator[object]:
    """Headless chromium, closed afterwards; skips (fails in CI) when it is not installed."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (scripts/test.sh installs it)")
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


def open_chat(browser: object, server: LiveServer, width: int = 360) -> tuple[object, object, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 740})
    page = context.new_page()
    foreign: list[str] = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith((server.url, "data:", "about:")) else None)
    page.goto(server.url + "/")
    return context, page, foreign


def bot_texts(page: object) -> list[str]:
    return page.locator(".msg.bot").all_inner_texts()


def wait_for_bot_count(page: object, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.locator(".msg.bot").count() >= count:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"expected {count} bot messages, saw {bot_texts(page)}")


def first_line(text: str) -> str:
    return text.strip().splitlines()[0].replace("**", "")


def wait_for_bot_text(page: object, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(text in t for t in bot_texts(page)):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"no bot message with {text!r}: {bot_texts(page)}")


def wait_until_connected(page: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while page.locator("#status").inner_text() != catalog().webchat["en"]["connected"]:
        assert time.monotonic() < deadline, "the chat did not connect"
        page.wait_for_timeout(100)
