"""The web chat in a real browser (Debian chromium via Playwright) against the real service."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from bot.contact_log import contacts
from bot.locales import catalog
from bot.pseudonym import pseudonymise
from tests.conftest import LiveServer, make_server

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if __import__("os").environ.get("CI"):
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


def test_chat_message_button_and_quick_exit(browser: object, live_server: LiveServer) -> None:
    cat = catalog()
    context, page, foreign = open_chat(browser, live_server)
    wait_for_bot_count(page, 2)  # welcome + how old are you
    assert first_line(cat.message("welcome", "en").text) in bot_texts(page)[0]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # phone width, no sideways scroll

    # a button: its title shows as the child's message, and the bot answers the payload
    title = cat.button("en", "age_13_15")["title"]
    page.locator(".quick-reply", has_text=title).first.click()
    wait_for_bot_count(page, 4)
    assert title in page.locator(".msg.user").last.inner_text()
    assert first_line(cat.message("age_saved", "en").text) in bot_texts(page)[2]

    # typing with the keyboard
    before = page.locator(".msg.bot").count()
    page.locator("#message-input").fill("someone is blackmailing me with my nudes")
    page.keyboard.press("Enter")
    wait_for_bot_count(page, before + 1)
    assert first_line(cat.step("sextortion", 0, "en", age_band="13_15").text) in bot_texts(page)[-1]
    assert page.get_by_role("textbox", name="Your message").count() == 1  # a real label for screen readers
    assert page.locator("#messages").get_attribute("role") == "log"

    # quick exit: leaves at once, clears the page's storage, ends the session server-side
    session_id = page.evaluate("localStorage.getItem('ocsea_session')")
    assert session_id
    page.locator("#quick-exit").click()
    page.wait_for_url(live_server.exit_url, timeout=10_000)
    assert foreign == []  # nothing was loaded from another host
    context.close()

    eng = create_engine(f"sqlite:///{live_server.data_dir / 'ocsea.db'}", future=True)
    deadline = time.monotonic() + 15
    quick_exit = None
    while time.monotonic() < deadline and not quick_exit:
        with eng.connect() as conn:
            quick_exit = conn.execute(
                select(contacts.c.quick_exit).where(contacts.c.user_hash == pseudonymise("webchat", session_id))
            ).scalar()
        time.sleep(0.3)
    eng.dispose()
    assert quick_exit


def test_buttons_work_with_the_keyboard_alone(browser: object, live_server: LiveServer) -> None:
    cat = catalog()
    context, page, _ = open_chat(browser, live_server, width=1024)
    wait_for_bot_count(page, 2)
    title = cat.button("en", "age_16_17")["title"]
    for _ in range(40):  # Tab through the page until the button has focus, as a keyboard user would
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.textContent") == title:
            break
    else:
        raise AssertionError("the age button could not be reached with Tab")
    page.keyboard.press("Enter")
    wait_for_bot_count(page, 4)
    assert first_line(cat.message("age_saved", "en").text) in bot_texts(page)[2]
    context.close()


def test_escape_three_times_leaves_and_forgets(browser: object, live_server: LiveServer) -> None:
    context, page, _ = open_chat(browser, live_server, width=1024)
    wait_for_bot_count(page, 2)
    origin_storage = page.evaluate("Object.keys(localStorage).length + Object.keys(sessionStorage).length")
    assert origin_storage > 0
    for _ in range(3):
        page.keyboard.press("Escape")
    page.wait_for_url(live_server.exit_url, timeout=10_000)
    assert page.evaluate("Object.keys(localStorage).length + Object.keys(sessionStorage).length") == 0
    context.close()


def test_reconnects_after_a_server_restart_with_the_conversation_intact(browser: object, tmp_path: Path) -> None:
    server = make_server(tmp_path)
    server.start()
    cat = catalog()
    try:
        context, page, _ = open_chat(browser, server, width=1024)
        wait_for_bot_count(page, 2)
        page.locator("#message-input").fill("someone is blackmailing me with my nudes")
        page.keyboard.press("Enter")
        wait_for_bot_count(page, 3)

        server.stop()
        server.start()
        page.locator("#message-input").fill("ok")
        page.keyboard.press("Enter")
        wait_for_bot_count(page, 4, timeout=60)
        texts = bot_texts(page)
        assert first_line(cat.message("welcome", "en").text) in texts[0]  # the transcript survived
        assert first_line(cat.step("sextortion", 1, "en").text) in texts[-1]  # and the flow went on
        context.close()
    finally:
        server.stop()
