"""The dossier pages in a real browser (Chromium through Playwright) against `motcua serve`:
the public lookup page (from the receipt's QR link, and a wrong lookup code), the clerk's
reception page (login, a field error beside the CCCD box, then a receipt), and the counter
tablet (three faces; an unhappy rating with a reason for the ticket just served).

Screenshots go to artifacts/dossiers/ for a person to look at."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from queue_server.config import load_settings
from queue_server.services.context import Context
from queue_server.services.dossiers import reception as dossiers
from queue_server.services.queue import counters
from queue_server.services.queue import tickets as queue
from queue_server.store import migrate
from tests.conftest import ARTIFACTS, PASSWORD, ServerProcess, build_hall
from tests.dossiers.helpers import payload

pytestmark = pytest.mark.slow

SHOTS = ARTIFACTS / "dossiers"


@pytest.fixture
def served(tmp_path: Path):
    """A hall on SQLite with one dossier, then `motcua serve` on it."""
    data = tmp_path / "data"
    settings = load_settings(env={}, data_dir=str(data))
    ctx = Context.create(settings)
    migrate.upgrade(ctx.db.engine)
    hall = build_hall(ctx)
    received = dossiers.receive_dossier(ctx, hall.clerk, payload("1.000894"))
    server = ServerProcess(data).start()
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield server, ctx, hall, received
    finally:
        server.stop()
        ctx.db.dispose()


def log_in(page, url: str, username: str) -> None:  # noqa: ANN001
    """Open a staff page and sign in on its login form."""
    page.goto(url)
    page.fill("#login-user", username)
    page.fill("#login-pass", PASSWORD)
    page.click("#login-submit")


def test_public_lookup_page(browser, served) -> None:
    server, _ctx, _hall, d = served
    page = browser.new_page(locale="vi-VN")
    page.goto(f"{server.url}/dossiers/lookup?code={d['code']}&key={d['lookup_code']}")
    page.wait_for_selector("#result:not(.hidden)")
    assert page.inner_text("#r-applicant") == "N*** T** H*** N"
    assert page.inner_text("#r-state") == "Đã tiếp nhận"
    assert page.inner_text("#r-procedure") == "Đăng ký kết hôn"
    assert "Tiếp nhận hồ sơ" in page.inner_text("#r-timeline")
    assert "Nguyễn" not in page.content()
    page.screenshot(path=str(SHOTS / "lookup.png"), full_page=True)
    page.fill("#key", "ZZZZZZ")
    page.click("#lookup-submit")
    page.wait_for_selector("#message:not(.hidden)")
    assert page.inner_text("#message").startswith("Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này")
    assert page.is_hidden("#result")
    page.screenshot(path=str(SHOTS / "lookup-wrong.png"), full_page=True)
    page.close()


def fill_reception(page, url: str, id_number: str) -> None:  # noqa: ANN001
    """A clerk signs in at the reception page and fills a change-of-residence dossier."""
    log_in(page, url, "an")
    page.wait_for_selector("#reception:not(.hidden)")
    page.wait_for_function("() => document.querySelectorAll('#procedure option').length > 10")
    page.select_option("#procedure", "1.004222")
    page.wait_for_selector("#docs tbody tr")
    page.wait_for_function("() => document.querySelector('#due-preview').textContent.includes('Thời hạn 7 ngày làm việc')")
    page.fill("#a-name", "Phạm Thị Thu Hà")
    page.fill("#a-id", id_number)
    page.fill("#a-phone", "0912 345 678")
    page.fill("#a-email", "thuha@vi-du.vn")
    page.fill("#a-address", "Số 3 phố Huế, phường Hai Bà Trưng")


def reception_context(browser, **options):  # noqa: ANN001, ANN201
    """A clerk's browser at reception. Headless Chromium has no print dialog (a real print of
    the receipt there can crash the page): each print call is recorded instead, in whichever
    frame it is made."""
    context = browser.new_context(locale="vi-VN", **options)
    context.add_init_script("window.print = () => { try { window.top.__printed = (window.top.__printed || 0) + 1; }"
                            " catch (e) {} };")
    return context


def test_reception_page_shows_field_errors_then_receives(browser, served) -> None:
    server, ctx, hall, _d = served
    context = reception_context(browser)
    page = context.new_page()
    fill_reception(page, f"{server.url}/dossiers/reception", "12345")
    page.click("#submit")
    error = page.wait_for_selector('[data-error="applicant.id_number"]')
    assert error.inner_text().startswith("Số CCCD phải gồm đúng 12 chữ số.")
    assert "invalid" in page.get_attribute("#a-id", "class")
    page.screenshot(path=str(SHOTS / "reception-error.png"), full_page=True)
    page.fill("#a-id", "001305012345")
    page.click("#submit")
    page.wait_for_selector("#done:not(.hidden)")
    code = page.inner_text("#d-code")
    assert re.fullmatch(r"000\.00\.01\.H01-\d{6}-0002", code)
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", page.inner_text("#d-key"))  # as printed on the receipt
    page.screenshot(path=str(SHOTS / "reception-done.png"), full_page=True)
    pdf = context.request.get(server.url + page.get_attribute("#d-pdf", "href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    # no slip printer in this hall: said calmly, the PDF is there to print
    page.wait_for_function("() => document.querySelector('#d-print-msg').textContent.includes('Chưa cấu hình máy in')")
    stored = dossiers.get_dossier(ctx, hall.supervisor, code)
    assert stored["applicant"]["name"] == "Phạm Thị Thu Hà" and stored["applicant"]["phone"] == "0912345678"
    assert [doc["name"] for doc in stored["documents"] if doc["received"]][:1] == [
        "Tờ khai thay đổi thông tin cư trú"]
    context.close()


def test_receive_and_print_opens_the_receipt_for_printing_and_prints_the_slip(browser, tmp_path: Path) -> None:
    data = tmp_path / "data"
    ctx = Context.create(load_settings(env={}, data_dir=str(data)))
    migrate.upgrade(ctx.db.engine)
    build_hall(ctx)
    slip = tmp_path / "receipt-slip.bin"
    config = tmp_path / "motcua.toml"
    config.write_text(f'[dossiers]\nprinter_url = "file://{slip}"\n', encoding="utf-8")
    server = ServerProcess(data, config=config).start()
    context = reception_context(browser, viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        fill_reception(page, f"{server.url}/dossiers/reception", "001305012345")
        with page.expect_response(lambda r: r.url.endswith("/receipt.pdf")) as receipt:
            page.click("#submit")  # "Tiếp nhận và in giấy hẹn"
        assert receipt.value.status == 200 and receipt.value.headers["content-type"] == "application/pdf"
        assert page.get_attribute("#print-frame", "src").endswith("/receipt.pdf")  # the frame the print dialog is for
        page.wait_for_function("() => window.__printed >= 1")
        page.wait_for_function("() => document.querySelector('#d-print-msg').textContent.startsWith('Đã in phiếu nhiệt')")
        code = page.inner_text("#d-code")
        # the receipt printer got this dossier's slip, byte for byte what the server makes for it
        made = context.request.get(f"{server.url}/api/v1/dossiers/{code}/receipt.bin")
        assert made.status == 200 and slip.read_bytes() == made.body()
        page.screenshot(path=str(SHOTS / "reception-printed.png"), full_page=True)
    finally:
        context.close()
        server.stop()
        ctx.db.dispose()


def test_counter_tablet_rates_the_ticket_just_served(browser, served) -> None:
    server, ctx, hall, _d = served
    counters.set_state(ctx, hall.clerk, hall.c3, "open")
    ticket = queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket
    queue.call_next(ctx, hall.clerk, hall.c3)
    queue.start(ctx, hall.clerk, hall.c3)
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sent: list[dict] = []

    def ratings(route):  # the kiosk room's POST /api/v1/ratings: check what the tablet sends it
        if route.request.method == "POST":
            sent.append(json.loads(route.request.post_data))
            route.fulfill(status=201, content_type="application/json", body='{"stored": true}')
        else:
            route.continue_()

    page.route("**/api/v1/ratings", ratings)
    page.goto(f"{server.url}/dossiers/rate?counter=3")
    page.fill("#login-user", "an")
    page.fill("#login-pass", PASSWORD)
    page.click("#login-submit")
    page.wait_for_function(f"() => document.querySelector('#counter-line').textContent.includes('{ticket.code}')")
    page.screenshot(path=str(SHOTS / "tablet.png"))
    queue.finish(ctx, hall.clerk, hall.c3)  # the clerk is done before the citizen taps
    page.click("#face-unsatisfied")
    page.wait_for_selector("#why:not(.hidden)")
    page.check("#reasons input[value=long_wait]")
    page.screenshot(path=str(SHOTS / "tablet-reasons.png"))
    page.click("#send-reasons")
    page.wait_for_selector("#thanks:not(.hidden)")
    assert sent == [{"level": "unsatisfied", "reasons": ["long_wait"], "counter_number": 3,
                     "ticket_id": ticket.id, "comment": ""}]
    context.close()


def teardown_module() -> None:
    shutil.rmtree(SHOTS / "tmp", ignore_errors=True)


def test_supervisor_page_lists_late_dossiers_and_records_a_hand_off(browser, served) -> None:
    server, ctx, hall, d = served
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, f"{server.url}/dossiers/supervisor", "giam")
    page.wait_for_selector("#app:not(.hidden)")
    page.wait_for_selector("#ratings p")
    assert page.inner_text("#n-late") == "0"
    page.fill("#open-code", d["code"])
    page.click("#open-form button")
    page.wait_for_selector("#detail .timeline li")
    page.click("#detail details summary >> text=Chuyển hồ sơ")
    form = page.locator("#detail details[open] form")
    form.locator("input").nth(0).fill("Công chức Tư pháp – Hộ tịch")
    form.locator("input").nth(1).fill("Lê Văn Tư")
    form.locator("button").click()
    page.wait_for_function("() => document.querySelector('#detail .timeline').textContent.includes('Công chức Tư pháp')")
    page.screenshot(path=str(SHOTS / "supervisor.png"), full_page=True)
    stored = dossiers.get_dossier(ctx, hall.supervisor, d["id"])
    assert stored["state"] == "in_progress" and stored["steps"][-1]["received_by"] == "Lê Văn Tư"
    for fmt in ("csv", "xlsx", "pdf"):
        r = context.request.get(server.url + page.get_attribute(f"#lb-{fmt}", "href"))
        assert r.status == 200 and len(r.body()) > 100
    context.close()


def test_dates_read_dd_mm_yyyy_in_any_browser_language_and_the_cccd_field_fits_twelve_digits(browser, served):
    server, ctx, hall, d = served
    context = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 768})  # a browser left in English
    page = context.new_page()
    log_in(page, f"{server.url}/dossiers/supervisor", "giam")
    page.wait_for_selector("#app:not(.hidden)")
    page.wait_for_selector("#ratings p")
    start, end = page.input_value("#from"), page.input_value("#to")
    assert re.fullmatch(r"01/\d\d/\d{4}", start) and re.fullmatch(r"\d\d/\d\d/\d{4}", end)
    today = date.today()
    assert end == f"{today:%d/%m/%Y}" or end.endswith(f"/{today:%Y}")
    assert page.get_attribute("#lb-csv", "href").endswith(f"to={end[6:]}-{end[3:5]}-{end[:2]}")  # ISO to the API
    page.fill("#from", "1/3/2026")  # typed the Vietnamese way, without zeros
    page.click("#range button")
    page.wait_for_function("() => document.querySelector('#lb-csv').href.includes('from=2026-03-01')")

    reception = context.new_page()
    reception.goto(f"{server.url}/dossiers/reception")  # signed in already: the context keeps the session
    reception.wait_for_selector("#a-id", state="visible")
    reception.fill("#a-id", "001198012345")
    fits = reception.evaluate("() => { const i = document.querySelector('#a-id'); return i.scrollWidth <= i.clientWidth; }")
    assert fits  # all twelve digits in view, none scrolled out of the box
    context.close()
