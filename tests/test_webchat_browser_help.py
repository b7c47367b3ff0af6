"""The web chat's help in a real browser: Get help now, offline help, the urgent banner and tappable phone numbers."""

from __future__ import annotations

import asyncio
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.channels.webchat import WebChatOutput
from bot.locales import catalog
from tests.conftest import LiveServer
from tests.support.browser import (
    bot_texts,
    first_line,
    open_chat,
    wait_for_bot_count,
    wait_for_bot_text,
    wait_until_connected,
)

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


FIRST_LINE_BOX = """(i) => {
    const nodes = document.querySelectorAll('.msg.bot .text');
    const node = nodes[i < 0 ? nodes.length + i : i];
    const text = document.createTreeWalker(node, NodeFilter.SHOW_TEXT).nextNode();
    const range = document.createRange();
    range.setStart(text, 0);
    range.setEnd(text, 1);
    const box = range.getBoundingClientRect();
    const chat = document.getElementById('messages').getBoundingClientRect();
    return {top: box.top, bottom: box.bottom, chatTop: chat.top, chatBottom: chat.bottom};
}"""


def assert_first_line_in_view(page: object, index: int) -> None:
    """The first line of a bot message is on screen, inside the chat area (scrolling may still be smooth)."""
    deadline = time.monotonic() + 3
    while True:
        box = page.evaluate(FIRST_LINE_BOX, index)
        visible = box["top"] >= 0 and box["bottom"] < 740 and box["chatTop"] - 1 <= box["top"] and box["bottom"] <= box["chatBottom"] + 1
        if visible or time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    assert visible, f"first line of bot message {index} is out of view: {box}"


def assert_tappable(page: object, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    assert box and box["height"] >= 44 and box["y"] >= 0 and box["y"] + box["height"] <= 740, (selector, box)


def tel_links(page: object, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector + " a[href^='tel:']", "els => els.map(a => a.getAttribute('href'))")


def last_bot_tel_links(page: object) -> list[str]:
    return page.evaluate(
        "[...[...document.querySelectorAll('.msg.bot')].pop().querySelectorAll(\"a[href^='tel:']\")].map(a => a.getAttribute('href'))"
    )


def test_get_help_now_phone_links_and_reading_from_the_top(browser: object, live_server: LiveServer) -> None:
    cat = catalog()
    context, page, foreign = open_chat(browser, live_server)  # a 360x740 phone
    # "Get help now" and Quick exit: on screen at once, big enough to tap
    assert_tappable(page, "#help-now")
    assert_tappable(page, "#quick-exit")

    # the welcome is read from its first line, also after the next question arrives
    wait_for_bot_count(page, 1)
    assert_first_line_in_view(page, 0)
    wait_for_bot_count(page, 2)
    assert first_line(cat.message("welcome", "en").text) in bot_texts(page)[0]
    assert_first_line_in_view(page, 0)
    heights = [b["height"] for b in page.eval_on_selector_all(".quick-reply", "els => els.map(e => e.getBoundingClientRect())")]
    assert heights and min(heights) >= 44, heights

    # the help panel before the country is known: the server's text for "no country", Esc closes it
    page.locator("#help-now").click()
    assert page.locator("#help-panel").is_visible()
    assert page.locator("#help-now").get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.activeElement.id") == "help-title"
    expected = page.evaluate("window.OCSEA_HELP.en['']")
    assert expected and page.locator("#help-text").inner_text().strip() == expected.strip()
    page.keyboard.press("Escape")
    assert page.locator("#help-panel").is_hidden()
    assert page.evaluate("document.activeElement.id") == "help-now"

    # choosing Kenya: the panel shows Kenya's numbers as tel: links
    page.locator(".quick-reply", has_text=cat.button("en", "age_13_15")["title"]).first.click()
    kenya = cat.button("en", "country_KE")["title"]
    page.locator(".quick-reply", has_text=kenya).first.wait_for()
    page.locator(".quick-reply", has_text=kenya).first.click()
    wait_for_bot_text(page, first_line(cat.message("menu", "en").text))
    assert page.evaluate("sessionStorage.getItem('ocsea_country')") == "KE"
    assert page.evaluate("localStorage.getItem('ocsea_country')") is None
    page.locator("#help-now").click()
    assert "tel:116" in tel_links(page, "#help-text")
    assert page.locator("#help-text a[href='tel:116']").inner_text() == "116"
    assert_tappable(page, "#help-close")
    page.screenshot(path="/tmp/webchat-help.png")
    page.locator("#help-close").click()
    assert page.locator("#help-panel").is_hidden()

    # after picking a choice, the older buttons are disabled but "Talk to a person" never is
    person = cat.button("en", "talk_to_person")["title"]
    before = page.locator(".msg.bot").count()
    page.locator(".quick-reply", has_text=cat.button("en", "topic_sextortion")["title"]).first.click()
    wait_for_bot_count(page, before + 1)
    old_menu = page.locator(".choices").nth(-2)
    assert old_menu.locator(".quick-reply:disabled").count() > 0
    people = page.locator(".quick-reply", has_text=person)
    assert people.count() >= 2 and all(people.nth(i).is_enabled() for i in range(people.count()))

    # the reply's numbers are tappable, and the reply is shown from its top
    before = page.locator(".msg.bot").count()
    old_menu.locator(".quick-reply", has_text=person).click()
    wait_for_bot_count(page, before + 1)
    assert {"tel:116", "tel:999", "tel:112"} <= set(last_bot_tel_links(page))
    assert_first_line_in_view(page, -1)
    assert tel_links(page, ".choices") == []  # button titles are never linkified
    assert foreign == []
    context.close()


def test_get_help_now_when_the_chat_is_offline(browser: object, live_server: LiveServer) -> None:
    context, page, _ = open_chat(browser, live_server)
    wait_for_bot_count(page, 2)
    assert page.locator("#status-help").is_hidden()

    context.set_offline(True)
    page.locator("#status-help").wait_for(state="visible", timeout=10_000)
    assert page.locator("#status").inner_text() == catalog().webchat["en"]["offline"]
    assert_tappable(page, "#help-now")
    assert_tappable(page, "#status-help")
    page.locator("#status-help").click()
    assert page.locator("#help-panel").is_visible()
    assert page.locator("#help-text").inner_text().strip() == page.evaluate("window.OCSEA_HELP.en['']").strip()
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "status-help"

    context.set_offline(False)  # back online: the chat reconnects and the banner goes
    page.locator("#status-help").wait_for(state="hidden", timeout=30_000)
    assert page.locator("#help-now").is_visible()
    context.close()

    # a socket that never answers: help is offered in the status bar too, after a few seconds
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.route_web_socket(re.compile(r"/socket\.io/"), lambda ws: ws.close())
    page.route(re.compile(r"/socket\.io/"), lambda route: route.abort())
    page.goto(live_server.url + "/")
    page.locator("#status-help").wait_for(state="visible", timeout=15_000)
    assert_tappable(page, "#help-now")
    page.locator("#status-help").click()
    assert page.locator("#help-text").inner_text().strip()
    context.close()


def test_urgent_banner_and_phone_numbers_in_bot_messages(browser: object, live_server: LiveServer) -> None:
    """Bot messages injected into the real socket, as the server will send them."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    sockets: list[object] = []

    def through(ws: object) -> None:
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket(re.compile(r"/socket\.io/"), through)
    page.goto(live_server.url + "/")
    wait_for_bot_count(page, 2)
    wait_until_connected(page)

    def bot_says(text: str, **metadata: object) -> None:
        count = page.locator(".msg.bot").count()
        sockets[-1].send("42" + json.dumps(["bot_uttered", {"text": text, "metadata": metadata}]))
        wait_for_bot_count(page, count + 1)

    bot_says(
        "If you are 13 to 15, call 0800 1111 or 1-800-422-4453 (call or text), or 116 111.\n"
        "See https://example.org/help/116123 or text 999.",
        language="en", country="GB", urgent=True,
    )
    assert last_bot_tel_links(page) == ["tel:08001111", "tel:18004224453", "tel:116111", "tel:999"]
    assert page.locator(".msg.bot").last.locator("a[href='https://example.org/help/116123']").count() == 1
    # urgent: the help numbers for the United Kingdom stay on screen under the header
    assert page.locator("#urgent").is_visible()
    assert {"tel:08001111", "tel:999"} <= set(tel_links(page, "#urgent"))
    assert page.evaluate("[sessionStorage.getItem('ocsea_country'), sessionStorage.getItem('ocsea_urgent')]") == ["GB", "1"]
    assert_tappable(page, "#help-now")
    page.locator("#help-now").click()  # the panel shows the same numbers, the banner steps aside meanwhile
    assert "tel:08001111" in tel_links(page, "#help-text") and page.locator("#urgent").is_hidden()
    page.keyboard.press("Escape")
    assert page.locator("#urgent").is_visible()

    page.reload()  # the banner stays for this browser tab's session
    wait_until_connected(page)
    assert page.locator("#urgent").is_visible()
    bot_says("Another message, urgency not said.", language="en")
    assert page.locator("#urgent").is_visible()
    bot_says("I'm glad you're safe.", language="en", urgent=False)
    assert page.locator("#urgent").is_hidden()
    context.close()


def test_bot_messages_carry_language_country_and_urgency() -> None:
    sent: list[tuple[str, dict]] = []

    class FakeSio:
        async def emit(self, event: str, data: dict, room: str | None = None) -> None:
            sent.append((event, data))

    async def send_two() -> None:
        out = WebChatOutput(FakeSio(), "bot_uttered")
        await out.send_response("r", {"text": "Hi", "language": "sw", "country": "KE", "urgent": False})
        await out.send_response("r", {"text": "Hi", "language": "en"})
        await out.send_response("r", {"text": "Hi", "country": "DE", "urgent": True})  # an EU member state
        await out.send_response("r", {"text": "Hi", "country": "unknown"})

    # in a thread of its own: Playwright's sync API keeps an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, send_two()).result()
    assert sent[0][1]["metadata"] == {"language": "sw", "country": "KE", "urgent": False}
    assert sent[1][1]["metadata"] == {"language": "en"}
    assert sent[2][1]["metadata"] == {"country": "EU", "urgent": True}
    assert sent[3][1]["metadata"] == {"country": ""}
