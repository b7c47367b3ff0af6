"""The statistics page, its JSON and the exports over real HTTP against the real service: who may
reach what, what comes back, and the audit log's filters (bot.staff_web.review_api)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest

from bot import staff
from bot.staff import Role
from tests.support.contact_data import load_known_log
from tests.support.staff_browser import PASSWORD, Browser, signed_in

MARCH = "period=month&from=2026-03-01"
REVIEW_PATHS = ("/staff/statistics", f"/staff/api/statistics?{MARCH}", f"/staff/api/export?{MARCH}&format=csv",
                f"/staff/api/export/records?{MARCH}&format=json")


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    from tests.conftest import make_server

    server = make_server(tmp_path_factory.mktemp("review"))
    server.env.update(STAFF_COOKIE_SECURE="false", TRUST_PROXY="true")
    server.start()
    url = f"sqlite:///{server.data_dir / 'ocsea.db'}"
    load_known_log(url)
    secrets = {role: staff.add(f"user.{role.value}", role, PASSWORD, url=url) for role in Role}
    yield server, url, secrets
    server.stop()


@pytest.mark.parametrize(("role", "allowed"), [
    (None, ()), (Role.COUNSELLOR, ()), (Role.ADMIN, ()),
    (Role.SUPERVISOR, REVIEW_PATHS[:3]), (Role.DATA_OFFICER, REVIEW_PATHS),
])
def test_who_reaches_statistics_and_exports(reviewed, role: Role | None, allowed: tuple[str, ...]) -> None:
    server, _, secrets = reviewed
    browser = signed_in(server, secrets, role) if role else Browser(server.console_port)
    for path in REVIEW_PATHS:
        status, headers, _ = browser.request("GET", path)
        if path in allowed:
            assert status == 200, (role, path)
        elif role is None:
            assert (status, headers.get("Location")) in ((303, "/staff/sign-in"), (401, None)), (path, status)
        else:
            assert status == 403, (role, path, status)


def test_the_statistics_json_and_a_refused_filter(reviewed) -> None:
    server, _, secrets = reviewed
    browser = signed_in(server, secrets, Role.SUPERVISOR)
    status, headers, body = browser.request("GET", f"/staff/api/statistics?{MARCH}&channel=telegram")
    page = json.loads(body)
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert page["total"] == 2 and page["filters"]["channel"] == "telegram"
    assert [f["id"] for f in page["figures"]][:3] == ["over_time", "channel", "language"]
    assert {"value": "KE", "label": "Kenya (KE)"} in page["options"]["country"]
    status, _, body = browser.request("GET", f"/staff/api/statistics?{MARCH}&risk=extreme")
    assert status == 400 and "risk" in json.loads(body)["error"]


def test_downloads_are_attachments_and_audited(reviewed) -> None:
    server, _, secrets = reviewed
    officer = signed_in(server, secrets, Role.DATA_OFFICER)
    status, headers, body = officer.request("GET", f"/staff/api/export?{MARCH}&format=csv&country=KE")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert headers["Content-Disposition"] == 'attachment; filename="ocsea-aggregate-2026-03-01-to-2026-03-31.csv"'
    assert next(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[0] == "section"
    status, headers, body = officer.request("GET", f"/staff/api/export/records?{MARCH}&format=json")
    assert status == 200 and len(json.loads(body)["rows"]) == 6
    status, _, _ = officer.request("GET", f"/staff/api/export?{MARCH}&format=xlsx")
    assert status == 400
    admin = signed_in(server, secrets, Role.ADMIN)
    status, _, page = admin.request("GET", "/staff/audit?actor=user.data_officer&action=export")
    assert status == 200
    assert "<td>export.aggregate</td>" in page and "<td>export.records</td>" in page
    assert page.count("filters=country=KE") == 1 and "<td>sign_in</td>" not in page
    status, _, page = admin.request("GET", "/staff/audit?action=sign_in&from=2020-01-01&to=2020-01-31")
    assert status == 200 and "0 entries" in page
    status, _, page = admin.request("GET", "/staff/audit?from=yesterday")
    assert status == 400 and "YYYY-MM-DD" in page


def test_the_audit_log_cannot_be_changed_from_the_application(reviewed) -> None:
    server, _, secrets = reviewed
    admin = signed_in(server, secrets, Role.ADMIN)
    csrf = admin.csrf()
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        status, _, _ = admin.request(method, "/staff/audit", {"csrf": csrf} if method == "POST" else None)
        assert status in (404, 405), (method, status)
