"""Staff sign-in and the staff routes over HTTP against the real service (bot.staff_web)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import create_engine, select, update

from bot import staff
from bot.staff import Role
from bot.staff_web import PUBLIC, ROUTES
from bot.tables import staff_sessions
from tests.support.staff_browser import PASSWORD, Browser, signed_in


@pytest.fixture(scope="module")
def staffed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    from tests.conftest import make_server

    server = make_server(tmp_path_factory.mktemp("staff"))
    server.env.update(STAFF_COOKIE_SECURE="true", TRUST_PROXY="true")
    server.start()
    url = f"sqlite:///{server.data_dir / 'ocsea.db'}"
    secrets = {}
    for role in Role:
        secrets[role] = staff.add(f"user.{role.value}", role, PASSWORD, url=url)
    yield server, url, secrets
    server.stop()


def test_sign_in_sets_a_strict_http_only_secure_cookie_and_one_answer_for_every_failure(staffed) -> None:
    server, _, secrets = staffed
    browser = signed_in(server, secrets, Role.COUNSELLOR)
    header = browser.last_cookie_header
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Secure" in header and "Path=/;" in header + ";"
    assert len(browser.cookie) >= 22  # 128 random bits, URL-safe base64
    answers = set()
    for username, password, code in (("user.counsellor", "wrong password!!", ""), ("nobody.here", PASSWORD, ""),
                                     ("user.admin", PASSWORD, ""), ("user.admin", PASSWORD, "123456")):
        status, _, text = Browser(server.console_port).request(
            "POST", "/staff/sign-in", {"username": username, "password": password, "code": code})
        answers.add((status, re.sub(r"\s+", " ", text)))
    assert len(answers) == 1 and answers.pop()[0] == 401


def test_sign_out_ends_the_session_and_needs_the_csrf_token(staffed) -> None:
    server, _, secrets = staffed
    browser = signed_in(server, secrets, Role.COUNSELLOR)
    assert browser.request("POST", "/staff/sign-out", {})[0] == 403  # no token: refused
    assert browser.request("POST", "/staff/sign-out", {"csrf": "forged"})[0] == 403
    assert browser.request("POST", "/staff/sign-out", {"csrf": "fälschung ✓"})[0] == 403
    old = browser.cookie
    assert browser.request("POST", "/staff/sign-out", {"csrf": browser.csrf()})[0] == 303
    browser.cookie = old  # the old cookie, replayed
    assert browser.request("GET", "/staff/api/session")[0] == 401


def test_an_idle_session_and_one_past_the_shift_end(staffed) -> None:
    server, url, secrets = staffed
    for column, age in (("last_seen_at", timedelta(minutes=31)), ("created_at", timedelta(hours=12, minutes=1))):
        browser = signed_in(server, secrets, Role.SUPERVISOR)
        assert browser.request("GET", "/staff/api/session")[0] == 200
        with create_engine(url, future=True).begin() as conn:
            when = conn.execute(select(staff_sessions.c[column]).order_by(staff_sessions.c.created_at.desc())).first()[0]
            conn.execute(update(staff_sessions).values(**{column: when - age}))
        assert browser.request("GET", "/staff/api/session")[0] == 401
        assert browser.request("GET", "/staff/")[0] == 303  # a page sends you to sign in


def test_disabling_an_account_ends_its_sessions(staffed) -> None:
    server, url, _ = staffed
    staff.add("temp.worker", Role.COUNSELLOR, PASSWORD, url=url)
    browser = Browser(server.console_port)
    assert browser.sign_in("temp.worker") == 303
    staff.disable("temp.worker", url=url)
    assert browser.request("GET", "/staff/api/session")[0] == 401


def expected_status(route, role: Role | None) -> set[int]:
    if not route.roles:
        return {200, 303, 401, 429}  # public: the sign-in page and form (401: no credentials sent)
    if role is None:
        return {303} if route.page and route.method == "GET" else {401}
    if role not in route.roles:
        return {403}
    # allowed: a page answers, an API call answers about what it was sent (no such conversation, no body)
    return {200, 303} if route.page else {200, 400, 404, 409}


def test_every_route_with_every_role_and_none(staffed) -> None:
    server, _, secrets = staffed
    browsers = {None: Browser(server.console_port), **{role: signed_in(server, secrets, role) for role in Role}}
    tokens = {role: browsers[role].csrf() for role in Role}
    ends_the_session = {"/staff/sign-out", "/console/api/session"}
    walked = 0
    for route in ROUTES:
        if route.path in ends_the_session and route.method in ("POST", "DELETE") and route.roles:
            continue  # checked on its own
        path = route.path.replace("<request_id:int>", "999999")  # no such conversation
        for role, browser in browsers.items():
            form = {"csrf": tokens[role]} if route.method == "POST" and role else ({} if route.method == "POST" else None)
            status = browser.request(route.method, path, form)[0]
            assert status in expected_status(route, role), (route.method, route.path, role, status)
            walked += 1
    assert walked >= 18 * len(browsers)
    assert browsers[None].request("POST", "/staff/sign-out", {})[0] == 401
    assert browsers[None].request("DELETE", "/console/api/session")[0] == 401
    assert PUBLIC == frozenset()


def test_nothing_of_the_console_answers_on_the_childrens_port(staffed) -> None:
    server = staffed[0]
    outsider = Browser(server.port)
    for route in ROUTES:
        path = route.path.replace("<request_id:int>", "1")
        assert outsider.request(route.method, path, {} if route.method == "POST" else None)[0] in (404, 405), path


def test_staff_paths_not_in_the_table_do_not_exist(staffed) -> None:
    server, _, secrets = staffed
    admin = signed_in(server, secrets, Role.ADMIN)
    for path in ("/staff/export", "/staff/api/take", "/staff/../health", "/staff/admin", "/staff/queue", "/health"):
        assert admin.request("GET", path)[0] == 404, path


def test_the_admin_sees_the_audit_log_and_no_secret_in_it(staffed) -> None:
    server, _, secrets = staffed
    status, _, text = signed_in(server, secrets, Role.ADMIN).request("GET", "/staff/audit")
    assert status == 200 and "staff.add" in text and "sign_in" in text and "sign_out" in text and PASSWORD not in text
    assert all(pyotp.parse_uri(uri).secret not in text for uri in secrets.values() if uri)


def test_sign_in_attempts_from_one_address_are_rate_limited(staffed) -> None:
    server, _, _ = staffed
    statuses = [Browser(server.console_port, address="10.99.0.1").sign_in("nobody.here", "x" * 12) for _ in range(25)]
    assert statuses[:10] == [401] * 10 and set(statuses[12:]) == {429}, statuses
    assert Browser(server.console_port, address="10.99.0.2").sign_in("nobody.here", "x" * 12) == 401  # another address


def test_nothing_secret_reaches_the_server_log(staffed) -> None:
    server, _, secrets = staffed
    logs = server.logs()
    assert PASSWORD not in logs and not any(pyotp.parse_uri(u).secret in logs for u in secrets.values() if u)


def test_the_queue_is_most_urgent_first_then_longest_wait_with_the_triage(staffed) -> None:
    import json
    import uuid

    from bot.contact_log import ContactUpdate, record_turn

    server, url, secrets = staffed
    made = {}
    for risk, country in (("high", "KE"), ("none", "TZ"), ("urgent", "UG"), ("high", "ZA")):
        contact = uuid.uuid4().hex
        record_turn(ContactUpdate(
            contact_id=contact, conversation=f"queue-{contact}", channel="telegram", country=country, language="sw",
            age_band="13_15", risk=risk, queue_for_counsellor=True, categories={"ocsea.sextortion": "online"},
            attributes={"platform": "instagram", "perpetrator": "stranger"}), url)
        made[country] = contact
    counsellor = signed_in(server, secrets, Role.COUNSELLOR)
    status, _, text = counsellor.request("GET", "/console/api/queue")
    assert status == 200
    waiting = json.loads(text)["waiting"]
    assert [entry["country"] for entry in waiting] == ["UG", "KE", "ZA", "TZ"]  # urgent, high (older first), normal
    first = waiting[0]
    assert first["risk"] == "urgent" and first["categories"] == {"ocsea.sextortion": "online"}
    assert first["platform"] == "instagram" and first["perpetrator"] == "stranger" and first["waiting_seconds"] >= 0
    assert "conversation" not in text and "queue-" not in text  # the conversation hash never leaves the server
    status, _, page = counsellor.request("GET", "/console/")
    assert status == 200 and 'src="/static/console.js"' in page


def test_the_start_banner_says_where_staff_sign_in(staffed) -> None:
    server, _, _ = staffed
    assert f"Console:    http://localhost:{server.console_port}/" in server.logs()
