"""Fuzzing the input paths with hypothesis: nothing a child (or an attacker) sends breaks them.

- inbound_text: any text becomes bounded, storable text; a leading "/" only for real payloads;
- the safety net and the lexicon read any text without raising;
- the Telegram update classifier and minimiser take any JSON object;
- the REST webhook of the real service answers any body with 200 or a clean 4xx, never a 5xx.
Counts (examples per test) are in the README's figures.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.buttons import ALLOWED_PAYLOADS
from bot.channels.inbound import EMPTY_PAYLOAD, FIXED_COMMANDS, MAX_TEXT, inbound_text
from bot.channels.telegram.updates import classify, minimise
from bot.languages import commands
from bot.lexicon import lexicon
from bot.safety import safety_net
from tests.conftest import REST_TOKEN, LiveServer

COMMANDS = {**FIXED_COMMANDS, **commands()}  # every language's typed commands
EXAMPLES = 400
TEXT = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=5),  # lone surrogates
    st.builds(lambda a, b: a + "/" + b, st.text(max_size=20), st.text(max_size=20)),
    st.sampled_from(sorted(ALLOWED_PAYLOADS) + sorted(COMMANDS) + ["/restart", "//x", "/urgent_risk", "\u200b" * 3]),
    st.text(min_size=MAX_TEXT, max_size=MAX_TEXT + 50),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
UPDATE_KEYS = ["update_id", "message", "edited_message", "callback_query", "my_chat_member", "chat", "from", "text",
               "caption", "photo", "data", "id", "type", "language_code"]
UPDATES = st.recursive(
    st.none() | st.integers() | st.text(max_size=30) | st.booleans(),
    lambda children: st.dictionaries(st.sampled_from(UPDATE_KEYS), children, max_size=5) | st.lists(children, max_size=3),
    max_leaves=25,
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(TEXT)
def test_inbound_text_is_bounded_storable_and_never_steers(text: str) -> None:
    result = inbound_text(text)
    assert isinstance(result, str) and len(result) <= MAX_TEXT
    result.encode("utf-8")  # no lone surrogates: every database can store it
    if result.startswith("/"):
        assert result in ALLOWED_PAYLOADS or result in COMMANDS.values() or result in ("/greet", EMPTY_PAYLOAD)


@settings(max_examples=EXAMPLES, deadline=None)
@given(TEXT)
def test_safety_net_and_lexicon_read_anything(text: str) -> None:
    findings = safety_net().check(text)
    assert findings.urgent in (None, "suicidal", "danger_now")
    words = lexicon()
    for polarity in ("yes_is_risk", "yes_is_safe"):
        assert words.read_answer(text, polarity) in (None, "risk", "safe", "thoughts_safe")
    words.find_country(text, loose=True)
    words.find_age_band(text)
    words.faq_topics(text)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(UPDATE_KEYS), UPDATES, max_size=4))
def test_telegram_update_classifier_takes_any_object(update: dict) -> None:
    incoming = classify(update)
    assert incoming.kind
    json.dumps(minimise(update))


def _post(server: LiveServer, body: bytes) -> int:
    request = urllib.request.Request(
        f"{server.url}/webhooks/rest/webhook", data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {REST_TOKEN}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


REST_BODIES = st.one_of(
    JSON.map(lambda value: json.dumps(value).encode()),
    st.builds(lambda text, extra: json.dumps({"sender": f"fuzz-{uuid.uuid4().hex[:8]}", "message": text, **extra}).encode(),
              TEXT, st.dictionaries(st.sampled_from(["metadata", "attachment", "sender"]), JSON, max_size=2)),
    st.binary(max_size=200),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(REST_BODIES)
def test_rest_answers_any_body_without_a_server_error(live_server: LiveServer, body: bytes) -> None:
    assert _post(live_server, body) in (200, 400, 413, 415, 429)
