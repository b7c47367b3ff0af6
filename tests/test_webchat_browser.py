"""The web chat in a real browser (Debian chromium via Playwright) against the real service.

Help now, the urgent banner, phone links and reading from the top: tests/test_webchat_browser_help.py.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from bot.contact_log import contact_sessions, contacts
from bot.locales import catalog
from bot.pseudonym import pseudonymise
from tests.conftest import LiveServer, make_server
from tests.support.browser import (
    bot_texts,
    first_line,
    open_chat,
    wait_for_bot_count,
    wait_for_bot_text,
    wait_until_connected,
)

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


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
    session_id = page.evaluate("JSON.parse(sessionStorage.getItem('ocsea_session')).session_id")
    assert session_id and page.evaluate("localStorage.getItem('ocsea_session')") is None  # this tab only
    conversation = pseudonymise("webchat", session_id)
    eng = create_engine(f"sqlite:///{live_server.data_dir / 'ocsea.db'}", future=True)
    with eng.connect() as conn:  # the session's link to its contact record, while the session is active
        contact_id = conn.execute(
            select(contact_sessions.c.contact_id).where(contact_sessions.c.conversation == conversation)
        ).scalar()
    assert contact_id
    page.locator("#quick-exit").click()
    page.wait_for_url(live_server.exit_url, timeout=10_000)
    assert foreign == []  # nothing was loaded from another host
    context.close()

    deadline = time.monotonic() + 15
    quick_exit, linked = None, True
    while time.monotonic() < deadline and not (quick_exit and not linked):
        with eng.connect() as conn:
            quick_exit = conn.execute(select(contacts.c.quick_exit).where(contacts.c.id == contact_id)).scalar()
            linked = conn.execute(
                select(contact_sessions.c.contact_id).where(contact_sessions.c.conversation == conversation)
            ).first() is not None
        time.sleep(0.3)
    eng.dispose()
    assert quick_exit  # recorded on the contact
    assert not linked  # and nothing joins the contact to this conversation any more


def session_of(page: object) -> dict:
    return page.evaluate("JSON.parse(sessionStorage.getItem('ocsea_session'))")


def wait_until_all_sent(page: object, timeout: float) -> None:
    """No message of the child's is waiting for its acknowledgement any more."""
    deadline = time.monotonic() + timeout
    while page.locator(".msg.user.pending").count():
        assert time.monotonic() < deadline, "a message was never acknowledged"
        page.wait_for_timeout(100)


def user_turns(server: LiveServer, conversation: str) -> list[str]:
    """The texts of the user messages Rasa's tracker holds for a conversation."""
    eng = create_engine(f"sqlite:///{server.data_dir / 'ocsea.db'}", future=True)
    try:
        with eng.connect() as conn:
            rows = conn.execute(
                text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"), {"s": conversation}
            ).scalars().all()
    finally:
        eng.dispose()
    return [json.loads(row).get("text") for row in rows]


def test_reload_keeps_the_conversation_and_a_new_tab_starts_afresh(browser: object, live_server: LiveServer) -> None:
    cat = catalog()
    context, page, _ = open_chat(browser, live_server, width=1024)
    wait_for_bot_count(page, 2)
    page.locator(".quick-reply", has_text=cat.button("en", "age_13_15")["title"]).first.click()
    page.locator(".quick-reply", has_text=cat.button("en", "country_KE")["title"]).first.wait_for()
    session = session_of(page)
    assert session["session_id"] and session["signature"]
    assert page.evaluate("Object.keys(localStorage).length") == 0  # nothing outlives the tab
    before = bot_texts(page)

    page.reload()  # the same tab: the same conversation, where it was
    wait_until_connected(page)
    assert bot_texts(page) == before
    assert session_of(page) == session
    page.locator(".quick-reply", has_text=cat.button("en", "country_KE")["title"]).last.click()
    wait_for_bot_text(page, first_line(cat.message("menu", "en").text))  # the server still knew the age

    # a new tab of the same browser (or the next person picking up the phone): a new conversation
    welcome, again = first_line(cat.message("welcome", "en").text), first_line(cat.message("greet_again", "en").text)
    tab = context.new_page()
    tab.goto(live_server.url + "/")
    wait_for_bot_count(tab, 2)
    assert welcome in bot_texts(tab)[0] and not any(again in t for t in bot_texts(tab))
    assert session_of(tab)["session_id"] != session["session_id"]
    assert page.locator("#status").inner_text() == cat.webchat["en"]["connected"]  # the first tab keeps its own
    context.close()

    other, page, _ = open_chat(browser, live_server)  # another browser profile: the same
    wait_for_bot_count(page, 2)
    assert welcome in bot_texts(page)[0] and not any(again in t for t in bot_texts(page))
    assert session_of(page)["session_id"] != session["session_id"]
    other.close()


def test_a_duplicated_tab_takes_the_conversation_over_and_the_child_can_take_it_back(browser: object, live_server: LiveServer) -> None:
    """One socket per session: a duplicated tab (same sessionStorage) takes the session over; the
    first tab says so and does not fight back by itself, until the child writes there."""
    cat = catalog()
    context, first, _ = open_chat(browser, live_server, width=1024)
    wait_for_bot_count(first, 2)
    wait_until_connected(first)
    stored = first.evaluate("JSON.stringify(Object.fromEntries(Object.entries(sessionStorage)))")
    second = context.new_page()  # what "Duplicate tab" does: a copy of the tab's sessionStorage
    second.add_init_script(f"Object.entries({stored}).forEach(([k, v]) => sessionStorage.setItem(k, v));")
    second.goto(live_server.url + "/")
    wait_until_connected(second)
    assert bot_texts(second) == bot_texts(first)  # the same conversation, not greeted again
    deadline = time.monotonic() + 10
    while first.locator("#status").inner_text() == cat.webchat["en"]["connected"]:
        assert time.monotonic() < deadline, "the first tab was not told"
        first.wait_for_timeout(100)
    elsewhere = first.locator("#status").inner_text()
    assert elsewhere
    first.wait_for_timeout(4000)  # it does not take the session back by itself
    assert first.locator("#status").inner_text() == elsewhere
    assert second.locator("#status").inner_text() == cat.webchat["en"]["connected"]

    first.locator(".quick-reply", has_text=cat.button("en", "age_16_17")["title"]).first.click()  # the child writes here
    wait_for_bot_text(first, first_line(cat.message("age_saved", "en").text))
    wait_until_all_sent(first, 30)
    assert first.locator("#status").inner_text() == cat.webchat["en"]["connected"]
    deadline = time.monotonic() + 10
    while second.locator("#status").inner_text() == cat.webchat["en"]["connected"]:
        assert time.monotonic() < deadline, "the second tab was not told"
        second.wait_for_timeout(100)
    context.close()


def test_a_message_sent_into_a_dead_connection_is_sent_once_after_reconnecting(browser: object, live_server: LiveServer) -> None:
    """The connection dies on the way back (the server hears the page, the page hears nothing): the
    message stays unsent in the page, goes again after the reconnect, is answered once, and shows
    as sent only when its acknowledgement arrives."""
    cat = catalog()
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    sockets: list[dict] = []
    uttered: list[dict] = []

    def through(ws: object) -> None:
        server = ws.connect_to_server()
        state = {"ws": ws, "dead": False, "hold_acks": len(sockets) > 0, "held": [], "acks": 0}

        def up(message: str | bytes) -> None:
            if isinstance(message, str) and message.startswith("42") and '"user_uttered"' in message:
                uttered.append(json.loads(message[message.index("["):])[1])
            server.send(message)

        def down(message: str | bytes) -> None:
            if state["dead"]:
                return
            if state["hold_acks"] and isinstance(message, str) and message.startswith("43"):
                state["held"].append(message)
                return
            ws.send(message)
            if isinstance(message, str) and message.startswith("43"):
                state["acks"] += 1

        ws.on_message(up)
        server.on_message(down)
        sockets.append(state)

    page.route_web_socket(re.compile(r"/socket\.io/"), through)
    page.goto(live_server.url + "/")
    wait_for_bot_count(page, 2)
    wait_until_connected(page)
    conversation = pseudonymise("webchat", session_of(page)["session_id"])

    deadline = time.monotonic() + 30  # the greeting's acknowledgement (it follows its replies) is through:
    while not sockets[-1]["acks"]:  # the page sends one message at a time, each after the previous one's
        assert time.monotonic() < deadline, "the greeting was never acknowledged"
        page.wait_for_timeout(100)
    uttered.clear()  # the page's greeting
    sockets[-1]["dead"] = True
    age = cat.button("en", "age_13_15")["title"]
    page.locator(".quick-reply", has_text=age).first.click()
    mine = page.locator(".msg.user").last
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:  # sent into the dead connection: never shown as sent
        assert "pending" in mine.get_attribute("class")
        page.wait_for_timeout(200)
    assert len(uttered) == 1  # the server did get it

    deadline = time.monotonic() + 30  # noticed within 15 s, then a new connection
    while len(sockets) < 2 or not sockets[-1]["held"]:
        assert time.monotonic() < deadline, "the page did not send the message again after reconnecting"
        page.wait_for_timeout(200)
    saved = first_line(cat.message("age_saved", "en").text)
    wait_for_bot_text(page, saved)  # the answer, lost on the dead connection, came again
    assert "pending" in mine.get_attribute("class")  # answered, but not acknowledged yet
    for held in sockets[-1]["held"]:
        sockets[-1]["ws"].send(held)
    sockets[-1]["hold_acks"] = False
    wait_until_all_sent(page, 10)

    assert [u["id"] for u in uttered] == [uttered[0]["id"]] * 2  # sent twice with one id ...
    assert user_turns(live_server, conversation).count(uttered[0]["message"]) == 1  # ... answered once
    assert sum(saved in t for t in bot_texts(page)) == 1
    assert page.evaluate("JSON.parse(sessionStorage.getItem('ocsea_outbox'))") == []
    context.close()


def test_a_message_typed_offline_is_sent_once_back_online(browser: object, live_server: LiveServer) -> None:
    cat = catalog()
    context, page, _ = open_chat(browser, live_server)
    wait_for_bot_count(page, 2)
    wait_until_connected(page)
    conversation = pseudonymise("webchat", session_of(page)["session_id"])
    context.set_offline(True)
    page.locator("#status-help").wait_for(state="visible", timeout=30_000)
    page.locator("#message-input").fill("i am 14")
    page.keyboard.press("Enter")
    mine = page.locator(".msg.user").last
    assert "pending" in mine.get_attribute("class")
    assert mine.locator(".note").is_visible()  # "will send when connected"
    page.wait_for_timeout(1000)
    assert "pending" in mine.get_attribute("class")

    context.set_offline(False)
    wait_until_all_sent(page, 30)
    wait_for_bot_count(page, 3)
    assert user_turns(live_server, conversation).count("i am 14") == 1
    assert page.locator("#status").inner_text() == cat.webchat["en"]["connected"]
    context.close()


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
        page.locator(".quick-reply", has_text=cat.button("en", "age_13_15")["title"]).first.click()
        kenya = page.locator(".quick-reply", has_text=cat.button("en", "country_KE")["title"]).first
        kenya.wait_for()
        kenya.click()
        wait_for_bot_text(page, first_line(cat.message("menu", "en").text))
        page.locator("#message-input").fill("someone is blackmailing me with my nudes")
        page.keyboard.press("Enter")
        wait_for_bot_text(page, first_line(cat.step("sextortion", 0, "en", age_band="13_15", country="KE").text))

        server.stop()
        page.locator("#status-help").wait_for(state="visible", timeout=30_000)  # "Get help now" while down
        assert page.locator("#help-now").is_visible()
        server.start()
        page.locator("#status-help").wait_for(state="hidden", timeout=60_000)
        before = page.locator(".msg.bot").count()
        page.locator("#message-input").fill("ok")
        page.keyboard.press("Enter")
        wait_for_bot_count(page, before + 1, timeout=60)
        texts = bot_texts(page)
        assert first_line(cat.message("welcome", "en").text) in texts[0]  # the transcript survived
        step = first_line(cat.step("sextortion", 1, "en", age_band="13_15", country="KE").text)
        assert any(step in text for text in texts[before:]), texts[before:]  # and the flow went on
        context.close()
    finally:
        server.stop()
