"""Appointments in Chromium against a real server: a citizen's phone (360x640) books a slot on
/appointments, sees the code and the QR, opens the booking page from the URL the QR holds
(decoded from the image on screen), switches to English and cancels; the supervisor's page
(1366x768) shows the day's bookings with names."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import expect

from queue_server.services import appointments as appts
from queue_server.services.context import SYSTEM
from queue_server.store.tables import Procedure
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot

NAME = "Hoàng Văn Nam"
RULE = {"enabled": True, "slot_minutes": 30, "capacity": 2, "weekdays": [0, 1, 2, 3, 4, 5, 6],
        "windows": ["07:30-11:30", "13:30-17:00"], "book_ahead_days": 14, "early_minutes": 30,
        "late_minutes": 15, "share_percent": 50}


def decode_qr(png: bytes) -> str:
    import zxingcpp
    from PIL import Image

    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return found.text


def test_a_citizen_books_sees_the_qr_opens_its_page_and_cancels(served, new_page):
    hall = served.hall
    appts.update_settings(served.ctx, SYSTEM, hall.a, RULE)

    def add(session):
        session.add(Procedure(site_id=hall.site_id, code="1.001193", field_code="HT", name_vi="Đăng ký khai sinh",
                              name_en="Birth registration", service_id=hall.a, data={}))
    served.ctx.db.transaction(add)
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()

    phone = new_page(360, 640)
    phone.goto(f"{served.url}/appointments")
    phone.wait_for_selector("#what option[value='p:1.001193']", state="attached")
    assert phone.inner_text("#site-name") == "UBND Phường 1"
    phone.select_option("#what", "p:1.001193")
    day = phone.locator(f".ap-day:not([disabled]):not([data-day='{today}'])").first
    day.wait_for()
    booked_day = day.get_attribute("data-day")
    day.click()
    slot = phone.locator(".ap-slot:not([disabled])").first
    slot.wait_for()
    booked_time = slot.get_attribute("data-time")
    slot.click()
    phone.fill("#name", NAME)
    phone.fill("#phone", "123")
    phone.click("#book")
    phone.wait_for_selector("#error:not([hidden])")
    assert "Số điện thoại di động không đúng" in phone.inner_text("#error-vi")
    assert "phone" in phone.inner_text("#error-en")
    phone.fill("#phone", "+84 912 345 678")
    screenshot(phone, "appointments-form-360x640")
    phone.click("#book")
    phone.wait_for_selector("#done:not([hidden])")
    code = phone.inner_text("#done-code")
    assert len(code) == 8 and code.startswith("H")
    assert booked_time in phone.inner_text("#done-when")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.wait_for_function("document.querySelector('#done-qr').naturalWidth > 0")
    url = decode_qr(phone.locator("#done-qr").screenshot())
    assert url == phone.get_attribute("#done-link", "href") and "/appointments/b/" in url and "?k=" in url
    screenshot(phone, "appointments-booked-360x640")

    # a second citizen, for the supervisor's day
    other = httpx.post(f"{served.url}/api/v1/appointments", json={
        "service_id": hall.a, "day": booked_day, "time": booked_time, "name": "Đỗ Thị Lan", "phone": "0987654321"})
    assert other.status_code == 201, other.text

    own = new_page(360, 640)
    own.goto(url.replace(served.server.url, served.url))
    own.wait_for_selector("#booking:not([hidden])")
    assert own.inner_text("#code") == code and own.inner_text("#state") == "Đã đặt lịch"
    assert own.inner_text("#procedure") == "Đăng ký khai sinh"
    body = own.inner_text("body")
    assert NAME not in body and "0912345678" not in body and "912 345 678" not in body
    own.wait_for_function("document.querySelector('#qr').naturalWidth > 0")
    assert decode_qr(own.locator("#qr").screenshot()) == url
    screenshot(own, "appointment-page-360x640")
    own.click("#lang")
    assert own.inner_text("#state") == "Booked" and own.inner_text("h1") == "Your appointment"
    own.click("#lang")
    own.click("#cancel")
    own.wait_for_selector("#confirm:not([hidden])")
    own.click("#cancel-yes")
    own.wait_for_selector("body[data-state='cancelled']")
    assert own.inner_text("#state") == "Đã huỷ" and own.locator("#cancel").is_hidden()
    screenshot(own, "appointment-cancelled-360x640")

    desk = new_page(1366, 768)
    desk.goto(f"{served.url}/supervisor")
    desk.fill("#username", "giam")
    desk.fill("#password", PASSWORD)
    desk.click("#login-button")
    desk.wait_for_selector("#view-monitor:not([hidden])")
    desk.goto(f"{served.url}/supervisor/appointments?day={booked_day}")  # the monitor's link, with a day
    assert desk.get_attribute("#to-monitor", "href").startswith("/supervisor")
    desk.wait_for_selector("#view-appointments:not([hidden])")
    desk.wait_for_selector(f"#slots tr[data-time='{booked_time}'] li[data-state='booked']")
    row = desk.inner_text(f"#slots tr[data-time='{booked_time}']")
    assert "Đỗ Thị Lan" in row and "0987654321" in row and NAME in row and code in row
    assert desk.locator("#enabled").is_checked() and desk.input_value("#capacity") == "2"
    assert "Đã đặt 1" in desk.inner_text("#totals")
    screenshot(desk, "supervisor-appointments-1366x768")
    desk.once("dialog", lambda d: d.accept())
    desk.click(f"#slots tr[data-time='{booked_time}'] li[data-state='booked'] .sa-cancel")
    desk.wait_for_selector("#message[data-kind='ok']:not([hidden])")
    expect(desk.locator("#totals")).to_contain_text("huỷ 2")
    desk.fill("#capacity", "3")
    desk.click("#save")
    desk.wait_for_selector("#message[data-kind='ok']:not([hidden])")
    expect(desk.locator(f"#slots tr[data-time='{booked_time}'] td:nth-child(2)")).to_have_text("0/3")
    assert phone.errors == [] and own.errors == [] and desk.errors == []
