"""A clerk works a counter in the console while the hall display shows and announces the calls."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, wait_until

pytestmark = pytest.mark.slow


def audio_requests(page) -> list[str]:  # noqa: ANN001
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/api/v1/announcements/" in r.url else None)
    return requests


def log_in_at_counter(page, served, number: int, username: str = "an") -> None:  # noqa: ANN001
    page.goto(f"{served.url}/console")
    page.wait_for_selector("#view-login:not([hidden])")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.click(f".counter-choice[data-number='{number}']")
    page.wait_for_selector("#view-work:not([hidden])")
    page.wait_for_function("() => document.querySelector('#live').dataset.state === 'live'")


def message(page, expected: str | None = None) -> str:  # noqa: ANN001
    """The console's message; with `expected`, once it says that (messages follow each other)."""
    page.wait_for_selector("#message:not([hidden])")
    if expected is not None:
        page.wait_for_function("(text) => document.querySelector('#message-vi').textContent === text", arg=expected)
    return page.inner_text("#message-vi")


def test_a_clerk_calls_next_and_the_hall_display_shows_and_announces_it(served, new_page):
    served.issue(served.hall.a, 2)
    hall = new_page(1920, 1080)
    heard = audio_requests(hall)
    hall.goto(f"{served.url}/display/hall")
    hall.wait_for_selector(".tile[data-counter='3']")

    console = new_page(1366, 768)
    console.goto(f"{served.url}/console")
    console.wait_for_selector("#view-login:not([hidden])")
    screenshot(console, "console-login-1366x768")
    log_in_at_counter(console, served, 3)
    assert console.inner_text("#queue tr[data-service='HT'] .q-count") == "2"

    console.keyboard.press("n")  # Gọi số tiếp, by its shortcut
    console.wait_for_function("() => document.querySelector('#cur-code').textContent === 'A001'")
    assert "Đã mời số A001" in message(console)
    console.wait_for_function("() => document.querySelector(\"#queue tr[data-service='HT'] .q-count\").textContent === '1'")
    assert re.fullmatch(r"\d\d:\d\d", console.inner_text("#cur-timer"))

    hall.wait_for_function("() => document.querySelector(\".tile[data-counter='3'] .tile-code\").textContent === 'A001'")
    assert hall.inner_text("#now-code") == "A001"
    hall.wait_for_function("() => document.querySelector(\".tile[data-counter='3']\").classList.contains('flash')")
    wait_until(lambda: heard, message="the display to ask for the announcement", page=hall)
    assert heard[0].endswith("/api/v1/announcements/vi/A001/3.wav")

    # recall (once the citizen has had a few seconds to come): said again and flashed again,
    # still one row in the recent calls
    hall.wait_for_timeout(5200)
    hall.evaluate("document.querySelector(\".tile[data-counter='3']\").classList.remove('flash')")
    console.click(".act[data-action='recall']")
    hall.wait_for_function("() => document.querySelector(\".tile[data-counter='3']\").classList.contains('flash')")
    wait_until(lambda: len(heard) == 2, timeout=20, page=hall,
               message="a second announcement request (after the first ends)")
    assert heard[1].endswith("/api/v1/announcements/vi/A001/3.wav")
    assert hall.locator("#calls li").all_inner_texts() == ["A001\n→\nQuầy 3"]
    console.wait_for_function("() => document.querySelector('#cur-calls').textContent.startsWith('Đã gọi 2 lần, chưa đến')")

    console.keyboard.press("s")  # Bắt đầu
    console.wait_for_function("() => document.querySelector('#cur-state').textContent === 'Đang phục vụ'")
    screenshot(console, "console-serving-1366x768")
    hall.wait_for_timeout(600)
    screenshot(hall, "hall-display-1920x1080")
    assert hall.errors == [] and console.errors == []


def test_refused_actions_show_the_servers_reason(served, new_page):
    served.issue(served.hall.a, 1)
    console = new_page(1366, 768)
    log_in_at_counter(console, served, 3)

    console.keyboard.press("f")  # nothing to finish yet
    assert message(console, "Quầy 3 không có số nào đang phục vụ.")
    assert console.get_attribute("#message", "data-kind") == "error"

    console.keyboard.press("n")
    console.wait_for_function("() => document.querySelector('#cur-code').textContent === 'A001'")
    console.keyboard.press("n")  # A001 is still being called
    assert message(console, "Quầy 3 đang gọi số A001: hãy bấm Bắt đầu, Gọi lại hoặc Vắng mặt trước.")
    # the no-show button says when it will be allowed (2 calls or 60 s after the first call)
    assert re.fullmatch(r"sau (60|59|58|57) giây", console.inner_text("#noshow-hint"))
    assert "dim" in console.get_attribute(".act[data-action='no-show']", "class")
    console.keyboard.press("x")  # too early for a no-show
    console.wait_for_function("() => document.querySelector('#message-vi').textContent.startsWith('Chưa thể đánh vắng mặt')")
    assert "Ticket A001 cannot be marked no-show yet" in console.inner_text("#message-en")
    screenshot(console, "console-refused-1366x768")
    console.keyboard.press("r")  # the second call: now the citizen may be marked absent
    console.wait_for_function("() => document.querySelector('#noshow-hint').textContent === ''")
    assert "dim" not in console.get_attribute(".act[data-action='no-show']", "class")

    console.keyboard.press("s")
    console.keyboard.press("n")  # "next" finishes A001; nobody else waits
    console.wait_for_function("() => document.querySelector('#message-vi').textContent.startsWith('Không còn ai chờ')")
    console.wait_for_function("() => document.querySelector('#cur-code').textContent === '—'")
    assert console.errors == []


def test_transfer_and_pause_from_the_console(served, new_page):
    served.issue(served.hall.a, 1)
    console = new_page(1366, 768)
    log_in_at_counter(console, served, 3)
    console.keyboard.press("n")
    console.wait_for_function("() => document.querySelector('#cur-code').textContent === 'A001'")

    console.keyboard.press("t")
    console.wait_for_selector("#transfer-dialog[open] .transfer-choice")
    assert console.locator(".transfer-choice .tc-name").all_inner_texts() == ["Chứng thực"]
    # the service keeps its number in the hall's order (Hộ tịch 1, Chứng thực 2), as on the keypads' T2E
    assert console.locator(".transfer-choice .tc-number").all_inner_texts() == ["2"]
    screenshot(console, "console-transfer-1366x768")
    console.keyboard.press("1")  # its own service: not a choice, nothing happens
    assert console.is_visible("#transfer-dialog")
    console.keyboard.press("2")
    console.wait_for_function("() => document.querySelector('#message-vi').textContent === "
                              "'Đã chuyển số A001 sang dịch vụ 2 · B Chứng thực.'")
    assert console.inner_text("#message-en") == "Transferred A001 to service 2 · B Certification."
    console.wait_for_function("() => document.querySelector('#cur-code').textContent === '—'")
    waiting_b = [t for t in served.counter(served.hall.c2)["services"] if t["code"] == "CT"][0]["waiting"]
    assert waiting_b == 1

    console.keyboard.press("p")
    console.wait_for_function("() => document.querySelector('.where-state').textContent === 'Tạm dừng'")
    assert console.inner_text("#pause-vi") == "Mở lại"
    assert served.counter(served.hall.c3)["state"] == "paused"
    console.keyboard.press("n")
    assert message(console, "Quầy 3 đang tạm dừng: hãy mở quầy trước khi gọi số.")
    console.keyboard.press("p")
    console.wait_for_function("() => document.querySelector('.where-state').textContent === 'Đang mở'")


def test_the_console_follows_changes_made_elsewhere(served, new_page):
    console = new_page(1366, 768)
    log_in_at_counter(console, served, 1)
    assert console.inner_text("#queue tr[data-service='CT'] .q-count") == "0"
    served.issue(served.hall.b, 3)  # a kiosk issues tickets: the waiting count follows live
    console.wait_for_function("() => document.querySelector(\"#queue tr[data-service='CT'] .q-count\").textContent === '3'")
    served.post(f"/api/v1/counters/{served.hall.c1}/pause")  # a supervisor pauses the counter
    console.wait_for_function("() => document.querySelector('.where-state').textContent === 'Tạm dừng'")


def test_the_current_ticket_shows_its_priority_its_procedure_and_repeated_calls(served, new_page):
    import json

    import httpx

    from queue_server.domain.catalog import check_catalog
    from queue_server.services.catalog import import_catalog
    from queue_server.services.catalog_files import DEMO_CATALOG
    from queue_server.services.context import SYSTEM

    import_catalog(served.ctx, SYSTEM, check_catalog(json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))))
    r = httpx.post(f"{served.url}/api/v1/tickets", headers={"Authorization": f"Bearer {served.hall.kiosk_token}"},
                   json={"service_id": served.hall.a, "priority": "elderly", "procedure_code": "1.001193"})
    assert r.status_code == 201, r.text
    r2 = httpx.post(f"{served.url}/api/v1/tickets", headers={"Authorization": f"Bearer {served.hall.kiosk_token}"},
                    json={"service_id": served.hall.a, "priority": "pregnant"})
    assert r2.status_code == 201, r2.text
    console = new_page(1366, 768)
    log_in_at_counter(console, served, 3)
    # the waiting panel: the longest wait and how many priority citizens wait, not only a count
    detail = console.inner_text("#queue tr[data-service='HT'] .q-detail")
    assert "chờ lâu nhất 0 phút" in detail and "2 ưu tiên" in detail
    console.keyboard.press("n")
    console.wait_for_function("() => document.querySelector('#cur-code').textContent === 'A001'")
    console.wait_for_function("() => document.querySelector('#cur-tags').textContent.includes('Đăng ký khai sinh')")
    tags = console.locator("#cur-tags .tag").all_inner_texts()
    assert tags == ["Ưu tiên: Người cao tuổi · Elderly", "1.001193 · Đăng ký khai sinh"]
    assert "many-calls" not in console.get_attribute("#current", "class")
    console.keyboard.press("r")
    console.wait_for_function("() => document.querySelector('#current').classList.contains('many-calls')")
    assert console.inner_text("#cur-calls") == "Đã gọi 2 lần, chưa đến · Called 2 times, not here yet"
    assert "Called A001 again." in console.inner_text("#message-en")
    screenshot(console, "console-priority-procedure-1366x768")
    console.keyboard.press("s")  # here now: no longer flagged
    console.wait_for_function("() => !document.querySelector('#current').classList.contains('many-calls')")
    assert console.inner_text("#cur-calls") == "Đã gọi 2 lần"
    # the dossier of the ticket being served is received from here: the link opens the reception
    # page for this very ticket, with no id typed
    console.wait_for_selector("#receive-dossier:not([hidden])")
    href = console.get_attribute("#receive-dossier", "href")
    assert href == f"/dossiers/reception?ticket_id={r.json()['ticket']['id']}"
    reception = console.context.new_page()
    reception.goto(served.url + href)
    reception.wait_for_function("() => document.body.textContent.includes('A001')")
    reception.close()
    console.click("#change-counter")  # the start page links the dossier pages a clerk may open
    console.wait_for_selector("#dossier-links a")
    assert console.locator("#dossier-links a").evaluate_all("as => as.map(a => a.getAttribute('href'))") == [
        "/dossiers/reception", "/dossiers/lookup"]
    assert console.errors == []


def test_a_counter_staffed_by_someone_else_is_refused(served, new_page):
    served.post(f"/api/v1/counters/{served.hall.c2}/open", username="binh")
    console = new_page(1366, 768)
    console.goto(f"{served.url}/console")
    console.fill("#username", "an")
    console.fill("#password", PASSWORD)
    console.click("#login-button")
    console.click(".counter-choice[data-number='2']")
    assert message(console, "Quầy 2 đang do người khác phụ trách.")
    screenshot(console, "console-choose-1366x768")
    console.click("#logout")  # the wrong password is refused with the server's words, beside the button
    console.fill("#username", "an")
    console.fill("#password", "sai-mat-khau")
    console.click("#login-button")
    console.wait_for_selector("#login-error:not([hidden])")
    assert console.inner_text("#login-error-vi") == "Sai tên đăng nhập hoặc mật khẩu."
    assert console.inner_text("#login-error-en") != ""
    assert console.inner_text("#login-button") == "Đăng nhập" and console.is_enabled("#login-button")


def test_a_supervisor_calls_out_of_turn_requeues_and_cancels_from_the_console_with_reasons(served, new_page):
    served.issue(served.hall.a, 3)
    clerk = new_page(1366, 768)
    log_in_at_counter(clerk, served, 1)
    assert clerk.is_hidden("#supervise")  # a clerk has no such list

    console = new_page(1366, 768)
    log_in_at_counter(console, served, 3, username="giam")
    rows = "() => [...document.querySelectorAll('#supervise-list tr')].map(r => r.dataset.code + ':' + r.dataset.state)"
    console.wait_for_function(f"() => ({rows})().join() === 'A001:waiting,A002:waiting,A003:waiting'")
    screenshot(console, "console-supervisor-list-1366x768")

    # out of turn: a reason is required, and the call is recorded as out of order with it
    console.click("#supervise-list tr[data-code='A003'] .s-call")
    console.wait_for_selector("#reason-dialog[open]")
    console.click("#reason-ok")
    assert console.is_visible("#reason-error") and console.is_visible("#reason-dialog")
    screenshot(console, "console-supervisor-reason-1366x768")
    console.fill("#reason-text", "Người cao tuổi, sức khoẻ yếu")
    console.click("#reason-ok")
    assert message(console, "Đã gọi số A003 (ngoài thứ tự, đã ghi lý do).")
    console.wait_for_function("() => document.querySelector('#cur-code').textContent === 'A003'")
    console.wait_for_function(f"() => ({rows})().join() === 'A001:waiting,A002:waiting'")

    # A003 does not come: after two calls the counter marks it absent, and it is listed so
    served.post(f"/api/v1/counters/{served.hall.c3}/recall")
    assert served.post(f"/api/v1/counters/{served.hall.c3}/no-show").status_code == 200
    console.wait_for_function(f"() => ({rows})().join() === 'A001:waiting,A002:waiting,A003:no_show'")
    console.click("#supervise-list tr[data-code='A003'] .s-requeue")
    console.click("#reason-ok")  # a reason is optional here
    assert message(console, "Số A003 đã được xếp lại hàng chờ.")
    console.wait_for_function(f"() => ({rows})().join().includes('A003:waiting')")

    console.click("#supervise-list tr[data-code='A002'] .s-cancel")
    console.fill("#reason-text", "Công dân đã về")
    console.keyboard.press("Enter")
    assert message(console, "Đã huỷ số A002.")
    console.wait_for_function(f"() => !({rows})().join().includes('A002')")

    log = httpx.get(f"{served.url}/api/v1/events/log?limit=1000", headers=served.bearer()).json()
    events = {(e["kind"], e["data"].get("code")): e["data"] for e in log["events"]}
    called = events[("ticket.called", "A003")]
    assert called["out_of_order"] is True and called["reason"] == "Người cao tuổi, sức khoẻ yếu"
    assert called["by_name"] == "Giam"  # the full name, not the login
    assert events[("ticket.requeued", "A003")]["by_name"] == "Giam"
    assert events[("ticket.cancelled", "A002")]["reason"] == "Công dân đã về"
    assert console.errors == []
