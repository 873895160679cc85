"""The supervisor's live monitor (/supervisor) in Chromium, against a real server: alerts come
and go with the hall, with no event needed for one that time alone raises, and the
supervisor's actions are events with their name and reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from queue_server.clock import ManualClock
from queue_server.services.context import Context
from queue_server.services.queue import tickets as queue
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, wait_until

WAIT_ALERT = "#alerts li[data-kind='wait_over_target']"


def log_in(page, served, username: str = "giam") -> None:  # noqa: ANN001
    page.goto(f"{served.url}/supervisor")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_selector("#view-monitor:not([hidden]) #services tr[data-code='HT']")


def issued_ago(served, minutes: float) -> dict:  # noqa: ANN001
    """A ticket of Hộ tịch taken `minutes` ago (written by another process, as a kiosk's would be)."""
    then = Context.create(served.ctx.settings, ManualClock(datetime.now(UTC) - timedelta(minutes=minutes)))
    try:
        return queue.issue_ticket(then, served.hall.kiosk, served.hall.a).ticket
    finally:
        then.db.dispose()


def test_an_alert_appears_when_a_ticket_passes_its_target_and_clears_when_it_is_called(served, new_page):
    served.post(f"/api/v1/counters/{served.hall.c3}/open", username="an")
    issued_ago(served, 29.75)  # 15 s before its 30-minute target (room for a slow login under load)
    page = new_page(1366, 768)
    log_in(page, served)
    # the ticket written by another process reaches the page's snapshot or its live stream
    wait_until(lambda: page.inner_text("#services tr[data-code='HT'] .s-waiting") == "1", page=page,
               message="the waiting ticket on the monitor")
    assert page.locator(WAIT_ALERT).count() == 0
    # no event comes: the page reads again at the instant the snapshot said the alerts change
    page.wait_for_selector(WAIT_ALERT, timeout=30000)
    text = page.inner_text(WAIT_ALERT)
    assert "A001" in text and "mục tiêu 30 phút" in text and "target 30 min" in text
    assert "wait_target_minutes" in text  # the threshold that decides it, as configured
    screenshot(page, "supervisor-alert-1366x768")

    served.post(f"/api/v1/counters/{served.hall.c3}/call-next", username="an")
    page.wait_for_selector(WAIT_ALERT, state="detached")
    page.wait_for_function("() => document.querySelector(\"#counters tr[data-number='3'] .c-current\")"
                           ".textContent.includes('A001')")
    assert page.inner_text("#services tr[data-code='HT'] .s-waiting") == "0"
    assert page.inner_text("#live") == "Trực tiếp · Live"
    assert page.errors == []


def test_the_supervisor_calls_out_of_turn_and_closes_a_counter_left_open_with_reasons(served, new_page):
    served.post(f"/api/v1/counters/{served.hall.c3}/open", username="an")
    served.post(f"/api/v1/counters/{served.hall.c2}/open", username="binh")
    served.issue(served.hall.a, 2)
    page = new_page(1920, 1080)  # the wall screen
    log_in(page, served)
    page.wait_for_function("() => document.querySelector('#live').dataset.state === 'live'")
    page.wait_for_selector("#tickets tr[data-code='A002']")
    page.click("#tickets tr[data-code='A002'] [data-action='call']")
    page.wait_for_selector("#action-dialog[open]")
    # only the counters open for Hộ tịch are offered
    assert page.locator("#action-counter option").evaluate_all("os => os.map(o => o.textContent)") == ["Quầy 3 · An"]
    page.click("#action-ok")
    assert page.is_visible("#action-error")  # a reason is required
    page.fill("#action-reason", "Người khuyết tật, đi xe lăn")
    page.click("#action-ok")
    page.wait_for_function("() => document.querySelector('#message-vi').textContent"
                           " === 'Đã gọi số A002 (ngoài thứ tự, đã ghi lý do).'")
    page.wait_for_function("() => document.querySelector(\"#counters tr[data-number='3'] .c-current\")"
                           ".textContent.includes('A002')")
    # the out-of-order call is an alert for its window, naming the supervisor's reason's ticket
    page.wait_for_selector("#alerts li[data-kind='out_of_order']")

    page.click("#counters tr[data-number='2'] [data-action='close']")
    page.fill("#action-reason", "Hết giờ làm việc, cán bộ quên đóng quầy")
    page.keyboard.press("Enter")
    page.wait_for_selector("#counters tr[data-number='2'][data-state='closed']")
    screenshot(page, "supervisor-1920x1080")

    log = httpx.get(f"{served.url}/api/v1/events/log?limit=1000", headers=served.bearer()).json()["events"]
    called = next(e for e in log if e["kind"] == "ticket.called" and e["data"].get("code") == "A002")
    assert called["data"]["out_of_order"] is True and called["data"]["reason"] == "Người khuyết tật, đi xe lăn"
    assert called["data"]["by_name"] == "Giam"
    closed = next(e for e in log if e["kind"] == "counter.closed")
    assert closed["data"]["reason"] == "Hết giờ làm việc, cán bộ quên đóng quầy" and closed["data"]["by_name"] == "Giam"
    assert page.errors == []


def test_a_clerk_cannot_open_the_monitor(served, new_page):
    page = new_page(1366, 768)
    page.goto(f"{served.url}/supervisor")
    page.fill("#username", "an")
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_function("() => document.querySelector('#login-error-vi').textContent"
                           " === 'Trang này dành cho giám sát và quản trị.'")
    assert page.is_hidden("#view-monitor")
    r = httpx.get(f"{served.url}/api/v1/monitor/snapshot", headers=served.bearer("an"))
    assert r.status_code == 403
