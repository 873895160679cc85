"""The administration page (/admin) in Chromium at 1366x768, against a real server: an
administrator sets up a service, a counter serving it and a clerk, all from the browser;
then a kiosk takes a number of that service and the new clerk calls it (no CLI anywhere)."""

from __future__ import annotations

import httpx
import zxingcpp
from PIL import Image

from queue_server.services import admin
from queue_server.services.context import SYSTEM
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot


def admin_user(served, role: str = "admin", username: str = "quantri") -> None:  # noqa: ANN001
    admin.create_user(served.ctx, SYSTEM, username=username, password=PASSWORD, role=role, full_name="Quản Trị",
                      site_id=served.hall.site_id)


def log_in(page, served, username: str = "quantri") -> None:  # noqa: ANN001
    page.goto(f"{served.url}/admin")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_selector("#view-admin:not([hidden]) #site-name")
    page.wait_for_function("() => document.querySelector('#site-name').value === 'UBND Phường 1'")


def test_an_admin_sets_up_a_service_a_counter_and_a_clerk_who_then_calls_a_number(served, new_page):
    admin_user(served)
    page = new_page(1366, 768)
    log_in(page, served)
    screenshot(page, "admin-site-1366x768")

    # a service
    page.click("[data-tab='services']")
    page.wait_for_selector("#tab-services:not([aria-busy])")
    page.wait_for_selector("#svc-rows tr[data-code='HT']")
    page.click("#svc-new")
    page.fill("#svc-code", "DD")
    page.fill("#svc-prefix", "D")
    page.fill("#svc-name-vi", "Đất đai")
    page.fill("#svc-name-en", "Land")
    page.fill("#svc-target", "20")
    page.click("#svc-save")
    page.wait_for_selector("#svc-rows tr[data-code='DD']")
    assert "Đất đai · Land" in page.inner_text("#svc-rows tr[data-code='DD']")
    assert "20 phút" in page.inner_text("#svc-rows tr[data-code='DD']")
    assert page.inner_text("#message-vi") == "Đã lưu dịch vụ DD."
    screenshot(page, "admin-services-1366x768")

    # a counter serving it, with weight 2
    page.click("[data-tab='counters']")
    page.wait_for_selector("#tab-counters:not([aria-busy])")
    page.wait_for_selector("#ctr-rows tr[data-number='3']")
    page.click("#ctr-new")
    page.fill("#ctr-number", "7")
    page.fill("#ctr-name", "Quầy Đất đai")
    page.check("#ctr-services tr[data-code='DD'] .ctr-serves")
    page.fill("#ctr-services tr[data-code='DD'] .ctr-weight", "2")
    page.click("#ctr-save")
    page.wait_for_selector("#ctr-rows tr[data-number='7']")
    assert "DD (2)" in page.inner_text("#ctr-rows tr[data-number='7']")
    screenshot(page, "admin-counters-1366x768")

    # a clerk; the password is the server's, shown once
    page.click("[data-tab='users']")
    page.wait_for_selector("#tab-users:not([aria-busy])")
    page.wait_for_selector("#usr-rows tr[data-username='an']")
    page.click("#usr-new")
    page.fill("#usr-username", "cuong")
    page.fill("#usr-fullname", "Nguyễn Văn Cường")
    page.select_option("#usr-role", "clerk")
    page.click("#usr-save")
    page.wait_for_selector("#usr-secret:not([hidden])")
    password = page.inner_text("#usr-password").strip()
    assert len(password) == 12
    page.wait_for_selector("#usr-rows tr[data-username='cuong']")
    screenshot(page, "admin-users-1366x768")
    listed = httpx.get(f"{served.url}/api/v1/admin/users", headers=served.bearer()).json()
    assert all("password" not in u for u in listed)  # never again

    # the kiosk takes a number of the new service; the new clerk opens counter 7 and calls it
    services = httpx.get(f"{served.url}/api/v1/admin/sites/{served.hall.site_id}/services",
                         headers=served.bearer()).json()
    dd = next(s for s in services if s["code"] == "DD")
    assert served.issue(dd["id"]) == ["D001"]
    login = httpx.post(f"{served.url}/api/v1/auth/login", json={"username": "cuong", "password": password})
    assert login.status_code == 200, login.text
    clerk = {"Authorization": f"Bearer {login.json()['token']}"}
    counters = httpx.get(f"{served.url}/api/v1/admin/sites/{served.hall.site_id}/counters",
                         headers=served.bearer()).json()
    c7 = next(c for c in counters if c["number"] == 7)
    assert httpx.post(f"{served.url}/api/v1/counters/{c7['id']}/open", headers=clerk).status_code == 200
    called = httpx.post(f"{served.url}/api/v1/counters/{c7['id']}/call-next", headers=clerk)
    assert called.status_code == 200, called.text
    assert called.json()["code"] == "D001"

    # the service now has a ticket today: deleting it is refused with the way out
    page.click("[data-tab='services']")
    page.wait_for_selector("#tab-services:not([aria-busy])")  # the list is redrawn once read
    page.click("#svc-rows tr[data-code='DD']")
    page.click("#svc-delete")
    page.click("#confirm-yes")
    page.wait_for_function("() => document.querySelector('#message-vi').textContent"
                           ".startsWith('Không thể xóa dịch vụ DD (Đất đai): hôm nay đã có 1 số thứ tự')")
    assert page.is_visible("#svc-rows tr[data-code='DD']")

    # the audit trail shows each of these changes with who made them; filtered by kind
    page.click("[data-tab='audit']")
    page.wait_for_selector("#tab-audit:not([aria-busy])")
    page.wait_for_selector("#audit-rows tr[data-kind='admin.user_created']")
    row = page.inner_text("#audit-rows tr[data-kind='admin.user_created']")
    assert "Quản Trị" in row and "Người dùng cuong" in row
    assert "Quầy 7" in page.inner_text("#audit-rows tr[data-kind='admin.counter_created']")
    page.select_option("#audit-kind", "admin.service_created")
    page.click("#audit-apply")
    page.wait_for_function("() => [...document.querySelectorAll('#audit-rows tr')]"
                           ".every(r => r.dataset.kind === 'admin.service_created')")
    assert "Dịch vụ DD" in page.inner_text("#audit-rows")
    screenshot(page, "admin-audit-1366x768")
    assert page.errors == []


def test_a_device_is_added_with_its_token_shown_once_as_a_qr_code_the_setup_can_scan(served, new_page, tmp_path):
    admin_user(served)
    page = new_page(1366, 768)
    log_in(page, served)
    page.click("[data-tab='devices']")
    page.wait_for_selector("#tab-devices:not([aria-busy])")
    page.wait_for_selector("#dev-rows tr[data-name='Ki-ốt 1']")
    page.select_option("#dev-kind", "kiosk")
    page.fill("#dev-name", "Ki-ốt tầng 2")
    page.click("#dev-add")
    page.wait_for_selector("#dev-secret:not([hidden])")
    page.wait_for_function("() => document.querySelector('#dev-qr').complete"
                           " && document.querySelector('#dev-qr').naturalWidth > 0")
    token = page.inner_text("#dev-token").strip()
    screenshot(page, "admin-devices-1366x768")
    shot = tmp_path / "qr.png"
    page.locator("#dev-qr").screenshot(path=str(shot))
    found = zxingcpp.read_barcodes(Image.open(shot))
    assert found, "the QR code on the page does not scan"
    import json

    pairing = json.loads(found[0].text)
    assert pairing == {"motcua": "device", "kind": "kiosk", "server_url": served.url, "site": "phuong-1",
                       "device_token": token}
    # the scanned token works as the kiosk's
    r = httpx.post(f"{served.url}/api/v1/tickets", json={"service_id": served.hall.a},
                   headers={"Authorization": f"Bearer {pairing['device_token']}"})
    assert r.status_code == 201
    # revoked from the page: the token stops working
    page.click("#dev-secret-close")
    page.click("#dev-rows tr[data-name='Ki-ốt tầng 2'] [data-action='revoke']")
    page.click("#confirm-yes")
    page.wait_for_function("() => document.querySelector(\"#dev-rows tr[data-name='Ki-ốt tầng 2']\")"
                           ".textContent.includes('Đã thu hồi')")
    r = httpx.post(f"{served.url}/api/v1/tickets", json={"service_id": served.hall.a},
                   headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert page.errors == []


def test_a_supervisor_reads_the_page_but_changes_nothing_and_a_clerk_is_turned_away(served, new_page):
    page = new_page(1366, 768)
    log_in(page, served, "giam")
    assert page.is_visible("#readonly")
    assert page.is_disabled("#site-name")
    assert page.is_hidden("#site-save")
    page.click("[data-tab='services']")
    page.wait_for_selector("#tab-services:not([aria-busy])")
    page.wait_for_selector("#svc-rows tr[data-code='HT']")
    assert page.is_hidden("#svc-new")
    r = httpx.patch(f"{served.url}/api/v1/admin/services/{served.hall.a}", json={"name_vi": "Khác"},
                    headers=served.bearer("giam"))
    assert r.status_code == 403

    clerk = new_page(1366, 768)
    clerk.goto(f"{served.url}/admin")
    clerk.fill("#username", "an")
    clerk.fill("#password", PASSWORD)
    clerk.click("#login-button")
    clerk.wait_for_function("() => document.querySelector('#login-error-vi').textContent"
                            " === 'Trang này dành cho quản trị (giám sát được xem).'")
    assert clerk.is_hidden("#view-admin")
    assert page.errors == [] and clerk.errors == []


def test_two_admins_edit_one_counter_and_the_second_is_told_what_the_first_changed(served, new_page):
    admin_user(served)
    admin_user(served, username="quantri2")
    pages = []
    for username in ("quantri", "quantri2"):
        page = new_page(1366, 768)
        log_in(page, served, username)
        page.click("[data-tab='counters']")
        page.wait_for_selector("#tab-counters:not([aria-busy])")
        page.click("#ctr-rows tr[data-number='3']")
        page.wait_for_selector("#ctr-form:not([hidden])")
        pages.append(page)
    first, second = pages
    first.fill("#ctr-name", "Quầy Hộ tịch")
    first.click("#ctr-save")
    first.wait_for_selector("#ctr-rows tr[data-number='3']:has-text('Quầy Hộ tịch')")

    second.check("#ctr-services tr[data-code='CT'] .ctr-serves")
    second.click("#ctr-save")
    second.wait_for_function("() => document.querySelector('#message-vi').textContent.includes('đã được người khác sửa')")
    assert "Quản Trị" in second.inner_text("#message-list") and "name: Quầy 3 → Quầy Hộ tịch" in second.inner_text("#message-list")
    screenshot(second, "admin-conflict-1366x768")
    assert served.counter(served.hall.c3)["services"][0]["code"] == "HT"
    assert len(served.counter(served.hall.c3)["services"]) == 1  # nothing overwritten
    # the form now shows the first admin's name (untouched here) and keeps this admin's own change;
    # saving again, after review, is made from the stored version and loses neither
    assert second.input_value("#ctr-name") == "Quầy Hộ tịch"
    assert second.is_checked("#ctr-services tr[data-code='CT'] .ctr-serves")
    second.click("#ctr-save")
    second.wait_for_selector("#ctr-rows tr[data-number='3']:has-text('CT (1)')")
    after = served.counter(served.hall.c3)
    assert after["name"] == "Quầy Hộ tịch" and {s["code"] for s in after["services"]} == {"HT", "CT"}
    assert first.errors == [] and second.errors == []


def test_the_dispatch_preview_follows_the_policy_being_edited_and_saves_nothing(served, new_page):
    admin_user(served)
    served.post(f"/api/v1/counters/{served.hall.c1}/open", username="giam")
    for priority in ("normal", "normal", "elderly", "normal"):
        r = httpx.post(f"{served.url}/api/v1/tickets", json={"service_id": served.hall.a, "priority": priority},
                       headers={"Authorization": f"Bearer {served.hall.kiosk_token}"})
        assert r.status_code == 201, r.text
    page = new_page(1366, 768)
    log_in(page, served)
    page.select_option("#preview-counter", str(served.hall.c1))
    page.click("#preview-run")
    page.wait_for_selector("#preview-calls li")
    ratio = page.locator("#preview-calls li").evaluate_all("ls => ls.map(l => l.dataset.code)")
    assert ratio == ["A003", "A001", "A002", "A004"]  # ratio 1:2, the priority ticket first
    page.select_option("#pol-mode", "strict")
    page.fill("#pol-max-wait", "")
    page.click("#preview-run")
    page.wait_for_function("() => document.querySelector('#preview-calls li').textContent.includes('người cao tuổi')")
    assert page.locator("#preview-calls li").evaluate_all("ls => ls.map(l => l.dataset.code)")[0] == "A003"
    screenshot(page, "admin-preview-1366x768")
    site = httpx.get(f"{served.url}/api/v1/admin/sites", headers=served.bearer()).json()[0]
    assert site["policy"]["mode"] == "ratio"  # nothing saved
    called = served.post(f"/api/v1/counters/{served.hall.c1}/call-next", username="giam").json()
    assert called["code"] == ratio[0]
    assert page.errors == []


def test_a_first_start_with_an_empty_database_creates_the_first_admin_from_the_browser(tmp_path, new_page):
    from tests.conftest import ServerProcess

    data = tmp_path / "empty"
    data.mkdir()
    server = ServerProcess(data).start()
    try:
        page = new_page(1366, 768)
        page.goto(f"{server.url}/admin")
        page.wait_for_url(f"{server.url}/setup")  # no user yet: the admin page sends the visitor to the setup
        page.wait_for_selector("#setup-form:not([hidden]) #site-code")
        page.fill("#site-code", "phuong-ben-nghe")
        page.fill("#site-name", "UBND Phường Bến Nghé")
        page.fill("#admin-username", "hoa")
        page.fill("#admin-fullname", "Nguyễn Thị Hoa")
        page.fill("#admin-password", PASSWORD)
        page.fill("#admin-password2", PASSWORD)
        screenshot(page, "admin-setup-1366x768")
        page.click("#setup-save")
        page.wait_for_selector("#setup-done:not([hidden])")
        assert page.inner_text("#message-vi") == "Đã tạo tài khoản quản trị hoa."
        page.click("#to-admin")
        page.fill("#username", "hoa")
        page.fill("#password", PASSWORD)
        page.click("#login-button")
        page.wait_for_function("() => document.querySelector('#site-name').value === 'UBND Phường Bến Nghé'")
        # the setup is closed now
        page.goto(f"{server.url}/setup")
        page.wait_for_selector("#setup-done:not([hidden])")
        assert page.is_hidden("#setup-form")
        assert page.errors == []
    finally:
        server.stop()
