"""What channels hand to Rasa: typed `/intent` text never steers the bot."""

from __future__ import annotations

import pytest

from bot.buttons import BUTTON_PAYLOADS
from bot.channels.inbound import EMPTY_PAYLOAD, inbound_text


@pytest.mark.parametrize("payload", sorted(BUTTON_PAYLOADS.values()))
def test_button_payloads_pass(payload: str) -> None:
    assert inbound_text(payload) == payload


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("/restart", "restart"),
        ("//session_start", "session_start"),
        ('/inform_country{"country":"DE"}', 'inform_country{"country":"DE"}'),
        ("/start", "/greet"),
        ("/help", "/help"),
        ("/language", "/choose_language"),
        ("/start@helper_bot", "/greet"),
        ("hello", "hello"),
        ("", EMPTY_PAYLOAD),
        ("\u200b\u200c", EMPTY_PAYLOAD),
        ("   ", EMPTY_PAYLOAD),
        (None, EMPTY_PAYLOAD),
        (42, EMPTY_PAYLOAD),
        ("/", EMPTY_PAYLOAD),
    ],
)
def test_typed_text_is_neutralised(typed: object, expected: str) -> None:
    assert inbound_text(typed) == expected
