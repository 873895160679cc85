"""/admin's site setup, holiday calendar and catalogue tabs in Chromium at 1366x768 against a
real server: the admin sets the hours, the public address and the hall's notice, and the
hall TV shows the notice as soon as it is saved; a swapped working day on a weekday is
refused and marked, then a year is saved; a catalogue with one bad procedure imports
nothing and its error is listed, a good one is then browsable."""

from __future__ import annotations

import json

import httpx

from queue_server.services.catalog_files import DEMO_CATALOG
from tests.e2e.conftest import screenshot
from tests.e2e.test_admin_page import admin_user, log_in


def test_the_admin_sets_hours_address_and_notice_and_the_hall_tv_shows_the_notice(served, new_page):
    admin_user(served)
    hall = new_page(1366, 768)
    hall.goto(f"{served.url}/display/hall")
    hall.wait_for_function("() => document.querySelector('#notice').textContent.startsWith('Kính chào')")

    page = new_page(1366, 768)
    log_in(page, served)
    assert page.is_checked("#hours-config")  # nothing set yet: the configuration's hours
    assert page.input_value("#hours-mon") == "07:30-11:30, 13:30-17:00"
    page.uncheck("#hours-config")
    page.fill("#hours-sat", "07:30-11:30")
    page.fill("#site-public-url", "ftp://10.0.0.2")
    page.fill("#site-notice", "Giờ làm việc: 7:30–11:30, 13:30–17:00; thứ Bảy 7:30–11:30")
    page.click("#setup-save")
    page.wait_for_selector("#message:not([hidden])")
    assert page.inner_text("#message-vi").startswith("public_url: địa chỉ công khai")
    assert "bad" in page.get_attribute("#site-public-url", "class")
    page.fill("#site-public-url", "http://10.0.0.2:8000")
    page.click("#setup-save")
    page.wait_for_function("() => document.querySelector('#message-vi').textContent.startsWith('Đã lưu giờ làm việc')")
    assert page.inner_text("#public-url-effect") == "Đang dùng: http://10.0.0.2:8000"
    screenshot(page, "admin-site-setup-1366x768")

    # the hall TV follows the saved notice live
    hall.wait_for_function("() => document.querySelector('#notice').textContent.includes('thứ Bảy 7:30–11:30')")
    screenshot(hall, "hall-notice-1366x768")
    site = httpx.get(f"{served.url}/api/v1/admin/sites/{served.hall.site_id}", headers=served.bearer()).json()
    assert site["working_hours"]["sat"] == ["07:30-11:30"] and site["public_url"] == "http://10.0.0.2:8000"
    # a kiosk's next slip opens the address set here
    r = httpx.post(f"{served.url}/api/v1/tickets", json={"service_id": served.hall.a},
                   headers={"Authorization": f"Bearer {served.hall.kiosk_token}"})
    assert r.json()["position_url"].startswith("http://10.0.0.2:8000/t/")
    # and the audit trail has one change with all three
    page.click("[data-tab='audit']")
    page.wait_for_selector("#tab-audit:not([aria-busy])")
    page.wait_for_selector("#audit-rows tr[data-kind='admin.site_updated']")
    assert "public_url" in page.inner_text("#audit-rows tr[data-kind='admin.site_updated']")


def test_the_holiday_tab_refuses_a_weekday_swap_then_saves_a_year(served, new_page):
    admin_user(served)
    page = new_page(1366, 768)
    log_in(page, served)
    page.click("[data-tab='holidays']")
    page.wait_for_selector("#tab-holidays:not([aria-busy])")
    page.wait_for_selector("#hol-rows tr[data-year='2026'][data-source='file']")
    page.fill("#hol-new-year", "2028")
    page.click("#hol-open")
    page.wait_for_function("() => document.querySelector('#hol-title').textContent.includes('2028')")
    assert page.locator("#hol-days tr").count() >= 6  # the statutory days to start from
    page.click("#hol-add-day")
    last = page.locator("#hol-days tr").last
    last.locator(".date").fill("2028-11-10")  # a Friday given off
    last.locator(".kind").select_option("swapped_off")
    last.locator(".name-vi").fill("Nghỉ hoán đổi")
    page.click("#hol-add-work")
    work = page.locator("#hol-works tr").last
    work.locator(".date").fill("2028-11-15")  # a Wednesday
    work.locator(".with").fill("2028-11-10")
    page.click("#hol-save")
    page.wait_for_selector("#message:not([hidden])")
    assert "chưa lưu gì" in page.inner_text("#message-vi")
    assert "phải là thứ Bảy hoặc Chủ nhật" in page.inner_text("#message")
    assert "bad" in work.locator(".date").get_attribute("class")
    screenshot(page, "admin-holidays-refused-1366x768")
    work.locator(".date").fill("2028-11-18")  # a Saturday
    page.click("#hol-save")
    page.wait_for_function("() => document.querySelector('#message-vi').textContent.startsWith('Đã lưu lịch nghỉ năm 2028')")
    page.wait_for_selector("#hol-rows tr[data-year='2028'][data-source='admin']")
    screenshot(page, "admin-holidays-1366x768")
    saved = httpx.get(f"{served.url}/api/v1/admin/holidays/2028", headers=served.bearer()).json()
    assert saved["source"] == "admin"
    assert saved["working_days"][0]["date"] == "2028-11-18"
    assert saved["working_days"][0]["swapped_with"] == "2028-11-10"


def test_the_catalogue_upload_imports_nothing_with_one_bad_procedure_and_lists_it(served, new_page, tmp_path):
    admin_user(served)
    doc = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    del doc["procedures"][3]["channels"][0]["processing_time"]
    bad = tmp_path / "phuong-loi.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    page = new_page(1366, 768)
    log_in(page, served)
    page.click("[data-tab='catalog']")
    page.wait_for_selector("#tab-catalog:not([aria-busy])")
    page.wait_for_selector("#cat-none:not([hidden])")
    page.set_input_files("#cat-file", str(bad))
    page.click("#cat-import")
    page.wait_for_selector("#cat-report:not([hidden])")
    assert "chưa nhập gì" in page.inner_text("#cat-report-title")
    assert "procedures[3].channels[0]" in page.inner_text("#cat-issues")
    assert "chưa nhập gì" in page.inner_text("#message-vi")
    screenshot(page, "admin-catalog-refused-1366x768")
    assert httpx.get(f"{served.url}/api/v1/catalog", params={"site": "phuong-1"}).json()["procedures"] == []

    page.set_input_files("#cat-file", str(DEMO_CATALOG))
    page.click("#cat-import")
    page.wait_for_function("() => document.querySelector('#cat-report-title').textContent.includes('đã nhập')")
    page.wait_for_selector("#cat-rows tr")
    total = page.locator("#cat-rows tr").count()
    assert total == len(doc["procedures"])
    page.fill("#cat-search", "khai sinh")  # without diacritics
    page.wait_for_function(f"() => document.querySelectorAll('#cat-rows tr').length < {total}")
    codes = [page.locator("#cat-rows tr").nth(i).get_attribute("data-code") for i in range(page.locator("#cat-rows tr").count())]
    assert "1.001193" in codes and "1.004884" in codes  # Đăng ký khai sinh, Đăng ký lại khai sinh
    assert "1.000894" not in codes  # Đăng ký kết hôn
    screenshot(page, "admin-catalog-1366x768")


def test_a_supervisor_reads_the_new_tabs_but_cannot_change_them(served, new_page):
    admin_user(served, role="supervisor", username="giamsat")
    page = new_page(1366, 768)
    log_in(page, served, "giamsat")
    assert page.is_disabled("#hours-mon") and page.is_disabled("#site-public-url") and page.is_disabled("#site-notice")
    assert not page.is_visible("#setup-save")
    page.click("[data-tab='holidays']")
    page.wait_for_selector("#tab-holidays:not([aria-busy])")
    page.wait_for_function("() => document.querySelectorAll('#hol-days tr').length > 0")
    assert page.locator("#hol-days input:not([disabled])").count() == 0
    assert not page.is_visible("#hol-save") and not page.is_visible("#hol-add-day")
    page.click("[data-tab='catalog']")
    page.wait_for_selector("#tab-catalog:not([aria-busy])")
    page.wait_for_selector("#cat-none:not([hidden])")
    assert not page.is_visible("#cat-form")
    assert page.is_enabled("#cat-search")  # browsing stays open
