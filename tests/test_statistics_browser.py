"""The statistics page in a real browser (Debian chromium) against the real service: a data
officer signs in with their second factor, reads the figures as charts and tables, changes a
filter, downloads an export; the page asks nothing of any other host and fits a 360 px phone."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest

from bot import staff
from bot.staff import Role
from tests.support.contact_data import load_known_log
from tests.support.staff_browser import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
MARCH = "period=month&from=2026-03-01"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    from tests.conftest import make_server

    server = make_server(tmp_path_factory.mktemp("statistics"))
    server.env.update(STAFF_COOKIE_SECURE="false")  # plain http here
    server.start()
    url = f"sqlite:///{server.data_dir / 'ocsea.db'}"
    load_known_log(url)
    secret = pyotp.parse_uri(staff.add("dora", Role.DATA_OFFICER, PASSWORD, url=url)).secret
    yield server, url, secret
    server.stop()


def wait_until(condition, page: object, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(100)


def signed_in_page(browser: object, service: tuple, width: int = 1280) -> tuple[object, object, list[str], list[str]]:
    server, _, secret = service
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []
    requested: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requested.append(r.url))
    origin = f"http://127.0.0.1:{server.console_port}"
    page.goto(origin + "/staff/sign-in")
    page.fill("input[name=username]", "dora")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")
    page.wait_for_url(origin + "/staff/")
    page.goto(f"{origin}/staff/statistics?{MARCH}")
    wait_until(lambda: "contacts from" in page.locator("#status").inner_text(), page)
    return context, page, problems, requested


def table(page: object, figure: str) -> dict[str, list[str]]:
    rows = page.locator(f"#figure-{figure} tbody tr")
    found = {}
    for i in range(rows.count()):
        cells = [text.strip() for text in rows.nth(i).locator("th, td").all_inner_texts()]
        found[cells[0]] = cells[1:]
    return found


def test_figures_filters_and_an_export_download(browser: object, service: tuple) -> None:
    server, _, _ = service
    context, page, problems, requested = signed_in_page(browser, service)
    assert page.locator("#status").inner_text().startswith("6 contacts from 2026-03-01 to 2026-03-31")
    assert table(page, "channel")["Web chat"][0] == "4" and table(page, "channel")["Telegram"][0] == "2"
    # Each charted figure is drawn on a canvas beside its table.
    assert page.locator("#figure-categories canvas").bounding_box()["height"] > 100
    assert page.locator("#figure-over_time table caption").inner_text().startswith("Contacts over time")
    # A filter: every figure follows it, and the address and the export links too.
    page.select_option("#f-channel", "telegram")
    page.click("#apply")
    wait_until(lambda: page.locator("#status").inner_text().startswith("2 contacts"), page)
    assert "channel=telegram" in page.url
    assert set(table(page, "channel")) >= {"Telegram"} and table(page, "channel")["Telegram"][0] == "2"
    assert "channel=telegram" in page.locator("#export-csv").get_attribute("href")
    # The aggregate export downloads as a spreadsheet would open it.
    with page.expect_download() as download:
        page.click("#export-csv")
    saved = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename == "ocsea-aggregate-2026-03-01-to-2026-03-31.csv"
    assert saved.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(saved.decode("utf-8-sig"))))
    about = {row["breakdown"]: row["value"] for row in rows if row["section"] == "about"}
    assert about["filters"] == "channel=telegram" and "<10" in about["suppression_rule"]
    assert {row["contacts"] for row in rows if row["section"] == "all_contacts"} <= {"<10", "x", "0"}
    # A data officer also has the record export.
    assert page.locator("#export-records-csv").is_visible()
    origin = f"http://127.0.0.1:{server.console_port}/"
    assert [u for u in requested if not u.startswith(origin)] == []  # no CDN, no third party
    assert problems == []
    context.close()


def test_the_page_fits_a_phone_and_prints(browser: object, service: tuple) -> None:
    context, page, problems, _ = signed_in_page(browser, service, width=360)
    widest = max(box["x"] + box["width"] for box in (
        page.locator(selector).bounding_box() for selector in ("#filters", "#figure-categories", "#figure-setting canvas")))
    assert widest <= 360
    assert page.locator("#figure-setting canvas").bounding_box()["height"] > 100
    # In print, the controls go and every figure stays, its chart and its numbers.
    page.emulate_media(media="print")
    assert page.locator("#filters").is_hidden() and page.locator("#exports").is_hidden()
    assert page.locator("#figure-categories table").is_visible()
    assert page.locator("#figure-setting canvas").is_visible()
    assert problems == []
    context.close()
