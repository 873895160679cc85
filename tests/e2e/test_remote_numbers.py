"""A number taken from a phone, in Chromium at 360x640 against a real `motcua serve`: the
public page lists the service, takes the number with a phone number, and opens the live page,
which says "chưa có mặt" until the kiosk checks it in; then it waits, is called, and the
page shows the counter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from queue_server.clock import SystemClock
from queue_server.services.context import SYSTEM
from queue_server.services.remote import settings
from tests.conftest import ServerProcess, build_hall, make_ctx
from tests.e2e.conftest import Served, screenshot

pytestmark = pytest.mark.slow

ALL_DAY = "\n".join(["[dossiers.working_hours]"] + [f'{d} = ["00:00-23:59"]'
                                                      for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")])


@pytest.fixture
def served_all_day(tmp_path: Path) -> Iterator[Served]:
    """The test hall, open around the clock (the test runs whatever the time), remote numbers on
    for service A (Hộ tịch)."""
    data = tmp_path / "data"
    data.mkdir()
    config = tmp_path / "motcua.toml"
    config.write_text(ALL_DAY + "\n", encoding="utf-8")
    ctx = make_ctx(f"sqlite:///{data / 'motcua.db'}", data, SystemClock())
    hall = build_hall(ctx)
    settings.update_settings(ctx, SYSTEM, hall.site_id, {"enabled": True, "checkin_minutes": 45})
    settings.update_service(ctx, SYSTEM, hall.a, enabled=True, daily_quota=30)
    server = ServerProcess(data, config=config).start()
    try:
        yield Served(hall, server, ctx)
    finally:
        server.stop()
        ctx.db.dispose()


def test_take_a_number_on_the_phone_check_in_at_the_kiosk_and_see_the_call(served_all_day, new_page):
    served = served_all_day
    hall = served.hall
    served.issue(hall.a, 2)  # two walk-ins already wait
    page = new_page(360, 640)
    page.goto(f"{served.url}/remote")
    card = page.locator(f".rm-service[data-service-id='{hall.a}']")
    card.wait_for()
    assert page.locator(".rm-service").count() == 1  # only the service open for remote numbers
    assert "Hộ tịch" in card.inner_text() and "2 người đang chờ" in card.inner_text()
    screenshot(page, "remote-01-services")
    card.locator("button").click()
    page.fill("#phone", "12345")
    page.click("#take")
    page.locator("#phone-error").wait_for()
    assert "Số điện thoại di động không đúng" in page.inner_text("#phone-error")
    assert page.get_attribute("#phone", "aria-invalid") == "true"
    screenshot(page, "remote-02-phone-error")
    page.fill("#phone", "+84 912 345 678")
    page.click("#take")
    page.wait_for_url("**/t/*")
    page.wait_for_function("() => document.body.dataset.state === 'absent'")
    assert page.inner_text("#state-words") == "Chưa có mặt"
    code = page.inner_text("#checkin-code").strip()
    assert len(code) == 8 and code.startswith("R")
    assert "xác nhận có mặt" in page.inner_text("#next-step")
    assert page.inner_text("#ahead") == "2"  # who waits now, were it to check in
    page.wait_for_function("() => document.body.dataset.stream === 'live'", timeout=15000)
    screenshot(page, "remote-03-not-checked-in")
    assert page.errors == []

    # at the hall: the kiosk checks the code in; the page follows by itself
    r = httpx.post(f"{served.url}/api/v1/checkin", json={"code": code},
                   headers={"Authorization": f"Bearer {hall.kiosk_token}"})
    assert r.status_code == 200, r.text
    page.wait_for_function("() => document.body.dataset.state === 'waiting'", timeout=15000)
    assert page.locator("#checkin-box").is_hidden()
    # a remote number keeps its place from when it was taken: the walk-ins came before it
    page.wait_for_function("() => document.querySelector('#ahead').textContent === '2'", timeout=15000)
    assert served.post(f"/api/v1/counters/{hall.c3}/open").status_code == 200
    for _ in range(3):
        called = served.post(f"/api/v1/counters/{hall.c3}/call-next")
        assert called.status_code == 200, called.text
        if called.json()["code"] == "A003":
            break
        assert served.post(f"/api/v1/counters/{hall.c3}/finish").status_code == 200
    assert called.json()["code"] == "A003" and called.json()["channel"] == "remote"
    page.wait_for_function("() => document.body.dataset.state === 'called'", timeout=15000)
    assert page.inner_text("#counter") == "3"
    screenshot(page, "remote-04-called")
    assert page.errors == []


def test_the_page_in_english_and_a_refusal_in_both_languages(served_all_day, new_page):
    served = served_all_day
    page = new_page(360, 640)
    page.goto(f"{served.url}/remote")
    page.locator(".rm-service").first.wait_for()
    page.click("#lang")
    assert page.inner_text("#t-title") == "Take a number remotely"
    page.locator(".rm-service button").first.click()
    page.fill("#phone", "0912 345 678")
    page.click("#take")
    page.wait_for_url("**/t/*")
    page.wait_for_function("() => document.body.dataset.state === 'absent'")
    assert page.inner_text("#state-words") == "Not checked in yet"
    page.goto(f"{served.url}/remote")  # the same browser again: one live remote number per browser
    page.locator(".rm-service button").first.click()
    page.fill("#phone", "0987 654 321")
    page.click("#take")
    page.locator("#error").wait_for()
    text = page.inner_text("#error")
    assert "đang giữ số A001" in text and "already holds number A001" in text
    screenshot(page, "remote-05-one-per-browser")


def test_an_admin_opens_a_service_for_remote_numbers_in_the_services_tab(served, new_page):
    from queue_server.services import admin
    from tests.conftest import PASSWORD

    admin.create_user(served.ctx, SYSTEM, username="quantri", password=PASSWORD, role="admin",
                      full_name="Quản Trị", site_id=served.hall.site_id)
    page = new_page(1366, 768)
    page.goto(f"{served.url}/admin")
    page.fill("#username", "quantri")
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.click("[data-tab='services']")
    row = page.locator(f"#rm-rows tr[data-id='{served.hall.b}']")
    row.wait_for()
    assert not page.is_checked("#rm-enabled")  # off by default
    page.check("#rm-enabled")
    page.fill("#rm-minutes", "40")
    page.fill("#rm-from", "08:00")
    row.locator(".rm-on").check()
    row.locator(".rm-quota").fill("25")
    page.click("#rm-save")
    page.wait_for_function("() => document.querySelector('#message-vi').textContent.includes('lấy số từ xa')")
    page.locator("#remote-form").scroll_into_view_if_needed()
    screenshot(page, "remote-06-admin-services-tab")
    rules = httpx.get(f"{served.url}/api/v1/admin/remote?site={served.hall.site_id}", headers=served.bearer()).json()
    assert rules["enabled"] is True and rules["checkin_minutes"] == 40 and rules["hours_from"] == "08:00"
    b = next(s for s in rules["services"] if s["service_id"] == served.hall.b)
    assert b["enabled"] is True and b["daily_quota"] == 25
    page.fill("#rm-until", "07:00")  # before "from": refused in the server's words, nothing saved
    page.click("#rm-save")
    page.wait_for_function("() => document.querySelector('#message-vi').textContent.includes('Giờ kết thúc')")
    assert "hours_until" in page.inner_text("#message-en")
    again = httpx.get(f"{served.url}/api/v1/admin/remote?site={served.hall.site_id}", headers=served.bearer()).json()
    assert again["hours_until"] == "" and again["version"] == rules["version"]
    assert page.errors == []


def test_the_console_marks_remote_and_appointment_numbers_and_the_hall_shows_appointments(served, new_page):
    """Generic on the ticket's channel: a remote number and an appointment (its ticket made
    here as the appointments' check-in will make it) carry their mark; nothing personal."""
    import json

    from queue_server.domain.catalog import check_catalog
    from queue_server.services.catalog import import_catalog
    from queue_server.services.catalog_files import DEMO_CATALOG
    from queue_server.services.context import Actor
    from queue_server.services.queue import tickets as queue
    from tests.e2e.test_console_and_hall import log_in_at_counter

    ctx, hall = served.ctx, served.hall
    import_catalog(ctx, SYSTEM, check_catalog(json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))))

    def ticket(channel: str, procedure: str | None) -> None:
        def work(session):  # noqa: ANN001, ANN202
            conn = session.connection()
            queue.insert_ticket(conn, queue.service_to_issue(conn, hall.a), Actor(kind="system"), ctx.clock.now(),
                                channel=channel, procedure_code=procedure)
        ctx.db.transaction(work)

    ticket("appointment", "1.001193")
    ticket("remote", None)
    display = new_page(1366, 768)
    display.goto(f"{served.url}/display/hall")
    display.wait_for_function("() => document.body.dataset.stream === 'live'")
    console = new_page(1366, 768)
    log_in_at_counter(console, served, 3)
    console.keyboard.press("n")
    console.wait_for_function("() => document.querySelector('#cur-code').textContent === 'A001'")
    console.wait_for_function("() => document.querySelector('#cur-tags').textContent.includes('Đăng ký khai sinh')")
    assert console.locator("#cur-tags .tag").all_inner_texts() == [
        "Khách hẹn trước · Appointment", "1.001193 · Đăng ký khai sinh"]
    display.wait_for_function("() => document.querySelector('#calls li .c-mark')"
                              " && document.querySelector('#calls li .c-mark').textContent === 'Khách hẹn trước'")
    screenshot(display, "remote-07-hall-appointment-mark")
    console.keyboard.press("f")
    console.keyboard.press("n")
    console.wait_for_function("() => document.querySelector('#cur-code').textContent === 'A002'")
    assert console.locator("#cur-tags .tag").all_inner_texts() == ["Lấy số từ xa · Remote number"]
    screenshot(console, "remote-08-console-remote-mark")
    # the remote call on the hall screen: no mark (only appointments have one there)
    display.wait_for_function("() => document.querySelector('#calls li .c-code').textContent === 'A002'")
    assert display.locator("#calls li").first.locator(".c-mark").count() == 0
    assert console.errors == [] and display.errors == []


def test_the_hall_display_counts_a_remote_number_as_waiting_only_once_it_checks_in(served_all_day, new_page):
    served = served_all_day
    hall = served.hall
    display = new_page(1366, 768)
    display.goto(f"{served.url}/display/hall")
    count = "() => document.querySelector(\"#waiting tr[data-service='HT'] .w-count\")?.textContent"
    display.wait_for_function(f"() => ({count})() === '0'")
    display.wait_for_function("() => document.body.dataset.stream === 'live'")
    r = httpx.post(f"{served.url}/api/v1/remote/tickets", json={"service_id": hall.a, "phone": "0912345678"})
    assert r.status_code == 201, r.text
    served.issue(hall.a)  # a walk-in after it: once its +1 shows, the remote number's event was read too
    display.wait_for_function(f"() => ({count})() === '1'")
    done = httpx.post(f"{served.url}/api/v1/checkin", json={"code": r.json()["checkin_code"]},
                      headers={"Authorization": f"Bearer {hall.kiosk_token}"})
    assert done.status_code == 200
    display.wait_for_function(f"() => ({count})() === '2'")
    assert display.errors == []
