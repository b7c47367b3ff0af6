"""The counsellor console and the child's web chat in one real browser (Debian chromium), two pages,
against the real service: sign in, take, talk both ways, the child's quick exit, the wrap-up."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, select

from bot.locales import catalog
from bot.tables import counsellor_categories, counsellor_codings
from tests.support.browser import open_chat, wait_for_bot_count, wait_for_bot_text, wait_until_connected
from tests.support.console import PASSWORD, add_counsellor

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    from tests.conftest import make_server

    server = make_server(tmp_path_factory.mktemp("console"))
    server.env.update(STAFF_COOKIE_SECURE="false")  # plain http here
    server.start()
    url = f"sqlite:///{server.data_dir / 'ocsea.db'}"
    add_counsellor(url, "neema", display_name="Neema")
    yield server, url
    server.stop()


def signed_in_console(browser: object, server) -> tuple[object, object, list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    console_url = f"http://127.0.0.1:{server.console_port}"
    page.goto(console_url + "/staff/sign-in")
    page.fill("input[name=username]", "neema")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(console_url + "/console/")
    page.wait_for_selector("#availability")
    # the page has read the session (it writes #who and the availability together): only then is "away" true
    wait_until(lambda: page.locator("#who").inner_text() not in ("", "…"), page)
    if "away" in page.locator("#availability-state").inner_text().lower():
        page.click("#availability")
        wait_until(lambda: "away" not in page.locator("#availability-state").inner_text().lower(), page)
    return context, page, problems


def ask_for_a_person(browser: object, server) -> tuple[object, object]:
    context, page, _ = open_chat(browser, server)
    wait_until_connected(page)
    wait_for_bot_count(page, 2)
    page.fill("#message-input", "someone is threatening to share my pics")
    page.press("#message-input", "Enter")
    wait_for_bot_count(page, 3)
    page.fill("#message-input", "can i talk to a real person please")
    page.press("#message-input", "Enter")
    wait_for_bot_text(page, catalog().message("human_queued", "en").text.splitlines()[0])
    return context, page


def wait_until(condition, page: object, timeout: float = 15) -> None:
    """Poll from Python: the console's CSP forbids the page-side evaluation wait_for_function uses."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(100)


def log_text(console: object) -> str:
    return console.locator("#chat-log").inner_text()


def wait_in_log(console: object, text: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while text not in log_text(console):
        assert time.monotonic() < deadline, f"{text!r} not in the console: {log_text(console)}"
        console.wait_for_timeout(100)


def take_first(console: object) -> None:
    console.wait_for_selector(".queue-item .take", timeout=15000)
    console.click(".queue-item .take")
    console.wait_for_selector("#chat-pane:not([hidden])")


def test_take_talk_both_ways_and_the_childs_quick_exit_shows_at_once(browser: object, service) -> None:
    server, _ = service
    counsellor_context, console, problems = signed_in_console(browser, server)
    child_context, child = ask_for_a_person(browser, server)

    take_first(console)
    wait_in_log(console, "someone is threatening to share my pics")  # the bot's transcript, above the live chat
    joined = catalog().message("live_joined_named", "en", values={"counsellor": "Neema"}).text.splitlines()[0]
    wait_for_bot_text(child, joined)

    child.fill("#message-input", "he says he will post them tonight")
    child.press("#message-input", "Enter")
    wait_in_log(console, "he says he will post them tonight")

    console.fill("#compose", "You did the right thing telling us. You are not in trouble.")
    console.click("#send")
    wait_for_bot_text(child, "You did the right thing telling us. You are not in trouble.")
    person = child.locator(".msg.person")
    assert person.count() == 1 and catalog().webchat["en"]["counsellor"] in person.inner_text()  # a person, not the bot

    child.click("#quick-exit")
    console.wait_for_selector("#child-left:not([hidden])", timeout=10000)
    assert console.locator("#compose").is_disabled()
    assert problems == []  # no script error and no Content-Security-Policy violation
    child_context.close()
    counsellor_context.close()


def test_end_with_the_wrap_up_form_saves_the_counsellors_coding(browser: object, service) -> None:
    server, url = service
    counsellor_context, console, problems = signed_in_console(browser, server)
    child_context, child = ask_for_a_person(browser, server)
    take_first(console)
    wait_in_log(console, "someone is threatening to share my pics")

    console.click("#insert-numbers")
    assert "112" in console.locator("#compose").input_value()  # the numbers (country unknown: ones that work widely)
    console.fill("#compose", "")
    console.click("#end-chat")
    console.wait_for_selector("#wrap-up:not([hidden])")
    assert console.locator('input[name="category"][value="ocsea.sextortion"]').is_checked()  # pre-filled from triage
    console.check('input[name="category"][value="ocsea.grooming"]')
    console.select_option('select[name="setting-ocsea.grooming"]', "both")
    console.select_option('select[name="gender"]', "boy")
    console.select_option('select[name="outcome"]', "counselled")
    console.click("#save-wrap-up")
    wait_until(lambda: "Saved" in console.locator("#status").inner_text(), console)
    wait_for_bot_text(child, catalog().message("live_ended", "en").text.splitlines()[0])
    assert problems == []

    with create_engine(url).connect() as conn:
        coding = conn.execute(select(counsellor_codings)).mappings().all()
        assert [(c["gender"], c["outcome"]) for c in coding] == [("boy", "counselled")]
        categories = dict(conn.execute(select(counsellor_categories.c.code, counsellor_categories.c.setting)).all())
        assert categories["ocsea.grooming"] == "both" and "ocsea.sextortion" in categories
    child_context.close()
    counsellor_context.close()
