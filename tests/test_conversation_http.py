"""End to end: the real service (Rasa server, action server, SQLite) over its REST webhook."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, select, text

from bot.buttons import BUTTON_PAYLOADS
from bot.contact_log import contact_categories, handoff_requests
from bot.locales import catalog
from bot.pseudonym import pseudonymise
from tests.conftest import LiveServer
from tests.support.console import off_duty, on_duty
from tests.support.services import contact_of as session_contact

pytestmark = pytest.mark.e2e


def new_sender() -> str:
    return f"child-{uuid.uuid4().hex[:8]}"


def texts(replies: list[dict]) -> list[str]:
    return [r.get("text", "") for r in replies]


def payloads(replies: list[dict]) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons", [])]


def expected(key: str, lang: str = "en", country: str | None = None, age: str | None = None) -> str:
    return catalog().message(key, lang, age_band=age, country=country).text


def step(topic: str, n: int, lang: str = "en", country: str | None = None, age: str | None = None) -> str:
    return catalog().step(topic, n, lang, age_band=age, country=country).text


def contact_of(server: LiveServer, sender: str) -> dict:
    eng = create_engine(f"sqlite:///{server.data_dir / 'ocsea.db'}", future=True)
    with eng.connect() as conn:
        row = session_contact(conn, pseudonymise("rest", sender))
        rows = [row] if row else []
        assert len(rows) == 1, rows
        row = dict(rows[0])
        row["categories"] = dict(
            conn.execute(
                select(contact_categories.c.code, contact_categories.c.setting).where(contact_categories.c.contact_id == row["id"])
            ).all()
        )
        row["handoff"] = conn.execute(
            select(handoff_requests.c.priority).where(handoff_requests.c.contact_id == row["id"])
        ).scalar()
    eng.dispose()
    return row


def test_health_and_page(live_server: LiveServer) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{live_server.url}/health") as resp:
        assert resp.status == 200
    with urllib.request.urlopen(f"{live_server.url}/") as resp:
        page = resp.read().decode()
    assert 'id="quick-exit"' in page
    assert live_server.exit_url in page  # QUICK_EXIT_URL is written into the page
    assert "{{" not in page and catalog().webchat["en"]["quickExit"] in page  # labels come from locales/
    with urllib.request.urlopen(f"{live_server.url}/ui-strings.js") as resp:
        script = resp.read().decode()
    assert catalog().webchat["sw"]["quickExit"] in script


def test_onboarding_then_whole_sextortion_conversation_in_english(live_server: LiveServer) -> None:
    sender = new_sender()
    replies = live_server.send(sender, "/greet")
    assert texts(replies) == [expected("welcome"), expected("ask_age")]
    assert BUTTON_PAYLOADS["age_13_15"] in payloads(replies)

    replies = live_server.send(sender, BUTTON_PAYLOADS["age_13_15"])
    assert texts(replies) == [expected("age_saved"), expected("ask_country")]
    replies = live_server.send(sender, BUTTON_PAYLOADS["country_KE"])
    assert texts(replies)[0] == expected("country_saved", country="KE")
    assert "Kenya" in texts(replies)[0]
    assert BUTTON_PAYLOADS["topic_sextortion"] in payloads(replies)

    seen = []
    replies = live_server.send(sender, "this guy says he will send my nudes to my family unless i pay him")
    assert texts(replies) == [step("sextortion", 0, country="KE", age="13_15")]
    seen += texts(replies)
    replies = live_server.send(sender, BUTTON_PAYLOADS["next"])
    assert texts(replies) == [step("sextortion", 1, country="KE", age="13_15")]  # how are you feeling?
    assert BUTTON_PAYLOADS["feel_unsafe"] in payloads(replies)
    replies = live_server.send(sender, "no im ok, just scared")  # an answer to the check: thanks, then on
    assert texts(replies) == [expected("feelings_ack", country="KE"), step("sextortion", 2, country="KE", age="13_15")]
    seen += texts(replies)
    for n in range(3, 7):
        replies = live_server.send(sender, "ok")
        assert texts(replies) == [step("sextortion", n, country="KE", age="13_15")]
        seen += texts(replies)
    assert BUTTON_PAYLOADS["talk_to_person"] in payloads(replies)

    whole = "\n".join(seen)
    assert "116" in whole and "Childline Kenya" in whole  # Kenya's helpline, from the directory
    assert "Take It Down" in whole  # removal route
    assert "999" in whole  # Kenya's emergency number

    record = contact_of(live_server, sender)
    assert record["categories"]["ocsea.sextortion"] == "online"
    assert record["highest_risk"] == "high"
    assert (record["channel"], record["country"], record["age_band"], record["language"]) == ("rest", "KE", "13_15", "en")
    assert record["outcome"] == "signposted"
    assert record["started_hour"].minute == 0 and record["started_hour"].second == 0


def test_urgent_message_inside_a_flow_gets_numbers_first(live_server: LiveServer) -> None:
    with on_duty(f"sqlite:///{live_server.data_dir / 'ocsea.db'}"):  # a counsellor is on duty, but REST cannot carry a live chat
        sender = new_sender()
        live_server.send(sender, BUTTON_PAYLOADS["country_GB"])
        replies = live_server.send(sender, "someone is blackmailing me with my pics")
        assert texts(replies)[0] == step("sextortion", 0, country="GB")  # the help first, then who the bot is
        replies = live_server.send(sender, "i just want to kill myself")
        first = texts(replies)[0]
        assert first == expected("urgent", country="GB")
        assert expected("counsellor_coming", country="GB") not in texts(replies)  # never promised on REST
        assert "999" in first.splitlines()[0] and "0800 1111" in first.splitlines()[0]

        record = contact_of(live_server, sender)
        assert record["highest_risk"] == "urgent"
        assert record["outcome"] == "emergency_referral"
        assert {"ocsea.sextortion", "mental_health.suicidal"} <= set(record["categories"])
        assert record["handoff"] is None  # not queued: no counsellor could reach a REST client
        assert not record["human_requested"]


@pytest.mark.parametrize(
    "message",
    ["gonna kms tonight", "i wanna unaliveeee myself", "i want to k1ll mys\u200belf", "NATAKA KUJIUA", "sitaki kuishi tena"],
)
def test_urgent_safety_net_catches_slang_and_obfuscation(live_server: LiveServer, message: str) -> None:
    replies = live_server.send(new_sender(), message)
    assert texts(replies)[0] in (expected("urgent"), expected("urgent", "sw"))


def test_kiswahili_conversation_with_digression_and_resume(live_server: LiveServer) -> None:
    sender = new_sender()
    replies = live_server.send(sender, BUTTON_PAYLOADS["language_sw"])
    assert texts(replies) == [expected("language_changed", "sw"), expected("ask_age", "sw")]  # onboarding goes on
    live_server.send(sender, BUTTON_PAYLOADS["country_TZ"])
    replies = live_server.send(sender, "ex wangu amevujisha picha zangu kwa group ya shule")
    # a disclosure, never greeted: the help first, then who the bot is and what stays private
    assert texts(replies) == [step("images_shared", 0, "sw", country="TZ"), expected("welcome_short", "sw")]
    replies = live_server.send(sender, "mzee mmoja online ananiambia niweke siri mazungumzo yetu")
    assert texts(replies) == [expected("disclosure_ack", "sw"), step("grooming", 0, "sw", country="TZ")]  # told, not asked
    for n in range(1, 4):
        replies = live_server.send(sender, BUTTON_PAYLOADS["next"])
        assert texts(replies) == [step("grooming", n, "sw", country="TZ")]
    assert BUTTON_PAYLOADS["resume"] in payloads(replies)  # "back to: your pictures"
    replies = live_server.send(sender, BUTTON_PAYLOADS["resume"])
    assert texts(replies) == [step("images_shared", 0, "sw", country="TZ")]
    assert "116" in step("grooming", 3, "sw", country="TZ")

    record = contact_of(live_server, sender)
    assert {"ocsea.images_shared", "ocsea.grooming"} <= set(record["categories"])
    assert record["language"] == "sw" and record["country"] == "TZ"


def test_language_suggestion_only_on_longer_messages(live_server: LiveServer) -> None:
    sender = new_sender()
    live_server.send(sender, "/greet")
    replies = live_server.send(sender, "sawa")
    assert expected("language_suggest", "sw") not in texts(replies)
    replies = live_server.send(sender, "mtu ananitishia kusambaza picha zangu za uchi mtandaoni")
    assert texts(replies)[-1] == expected("language_suggest", "sw")
    assert BUTTON_PAYLOADS["language_sw"] in payloads(replies)
    # the language itself did not switch: the topic step is still in English
    assert texts(replies)[0] == step("sextortion", 0, "en")


@pytest.mark.parametrize(
    ("message", "key"),
    [
        ("", "empty_message"),
        ("   \u200b\u200d  ", "empty_message"),
        (None, "empty_message"),
        ("/", "empty_message"),
    ],
)
def test_empty_messages_get_a_kind_answer(live_server: LiveServer, message: object, key: str) -> None:
    replies = live_server.send(new_sender(), message)
    assert texts(replies) == [expected(key)]


@pytest.mark.parametrize(
    "message",
    ["😭😭😭🙏", "x" * 10_000, "help " * 2_000, "I'm scared Я боюсь 我很害怕 naogopa", "\u202eevil bidi text\u202c"],
)
def test_odd_messages_always_get_an_answer(live_server: LiveServer, message: str) -> None:
    replies = live_server.send(new_sender(), message)
    assert replies and all(r.get("text") for r in replies)


def test_typed_slash_commands_cannot_steer_the_bot(live_server: LiveServer) -> None:
    sender = new_sender()
    live_server.send(sender, BUTTON_PAYLOADS["age_16_17"])
    replies = live_server.send(sender, "/restart")  # would wipe the conversation if parsed as an intent
    assert all(r.get("text") for r in replies)
    live_server.send(sender, '/inform_country{"country":"DE"}')  # entities in typed text are not taken
    assert contact_of(live_server, sender)["country"] != "DE"
    replies = live_server.send(sender, BUTTON_PAYLOADS["topic_consent"])
    assert texts(replies)[-1] == step("consent", 0, age="16_17")  # age band survived the typed /restart


def test_media_is_never_fetched_and_gets_a_kind_answer(live_server: LiveServer) -> None:
    replies = live_server.send(new_sender(), None, attachment={"type": "image", "url": "http://127.0.0.1:9/never"})
    assert texts(replies) == [expected("media_received")]


def test_talk_to_a_person_is_recorded_and_signposted_and_never_queued_on_rest(live_server: LiveServer) -> None:
    url = f"sqlite:///{live_server.data_dir / 'ocsea.db'}"
    off_duty(url)
    sender = new_sender()
    live_server.send(sender, BUTTON_PAYLOADS["country_ZA"])
    replies = live_server.send(sender, "can i talk to a real human please")
    assert texts(replies) == [expected("human_requested", country="ZA")]  # honest: nobody can join now
    assert "116" in texts(replies)[0] and "10111" in texts(replies)[0]
    record = contact_of(live_server, sender)
    assert record["human_requested"] is True or record["human_requested"] == 1
    assert record["handoff"] is None  # never queued for nobody

    with on_duty(url):  # someone on duty, but REST cannot carry a live chat: the same honest answer
        sender = new_sender()
        live_server.send(sender, BUTTON_PAYLOADS["country_ZA"])
        replies = live_server.send(sender, "can i talk to a real human please")
        assert texts(replies) == [expected("human_requested", country="ZA")]
        assert contact_of(live_server, sender)["handoff"] is None


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"{not json", 400), (b"[1,2]", 400), (b'{"message":"hi"}', 400), (b'{"sender":"","message":"hi"}', 400)],
)
def test_malformed_requests_get_a_clear_400(live_server: LiveServer, body: bytes, status: int) -> None:
    code, answer = live_server.post_raw(body)
    assert code == status
    assert isinstance(answer, dict) and answer["error"]


def test_no_message_text_or_ids_in_logs_or_contact_tables(live_server: LiveServer) -> None:
    sender = "leakcheck-sender-id-42"
    secret = "zebracorn-blackmail-secret-phrase"
    live_server.send(sender, f"he is blackmailing me {secret}")
    logs = live_server.logs()
    assert secret not in logs and sender not in logs
    eng = create_engine(f"sqlite:///{live_server.data_dir / 'ocsea.db'}", future=True)
    with eng.connect() as conn:
        for table in ("contacts", "contact_categories", "handoff_requests"):
            dump = repr(conn.execute(text(f"SELECT * FROM {table}")).all())
            assert secret not in dump and sender not in dump
        # Rasa's tracker store holds text (purged by retention), but never the raw sender id
        senders = {row[0] for row in conn.execute(text("SELECT DISTINCT sender_id FROM events"))}
        assert sender not in senders and pseudonymise("rest", sender) in senders
    eng.dispose()
