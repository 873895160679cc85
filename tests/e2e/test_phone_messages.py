"""Text messages from the phone page (Chromium at 360x640): in a hall with an SMS gateway the
citizen leaves a number on the page the slip's QR opened, and when the counter calls the
ticket the server's own round POSTs a signed message to the gateway; the link in the message
opens the same ticket's page. Without a gateway the page does not offer it."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from queue_server.clock import SystemClock
from queue_server.domain import notifications as rules
from tests.conftest import ServerProcess, build_hall, free_port, make_ctx
from tests.e2e.conftest import screenshot, wait_until
from tests.fake_gateway import Gateway

pytestmark = pytest.mark.slow
SECRET = "bi-mat-cua-cong-tin-nhan"


@pytest.fixture
def gateway():  # noqa: ANN201
    g = Gateway(free_port())
    g.start()
    yield g
    g.stop()


@pytest.fixture
def texting_hall(tmp_path: Path, gateway):  # noqa: ANN001, ANN201
    data = tmp_path / "data"
    data.mkdir()
    ctx = make_ctx(f"sqlite:///{data / 'motcua.db'}", data, SystemClock())
    hall = build_hall(ctx)
    server = ServerProcess(data, env={"MOTCUA_WEBHOOK_URL": gateway.url, "MOTCUA_WEBHOOK_SECRET": SECRET}).start()
    try:
        yield server, hall
    finally:
        server.stop()
        ctx.db.dispose()


def _login(url: str, username: str) -> dict[str, str]:
    from tests.conftest import PASSWORD

    r = httpx.post(f"{url}/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_a_number_left_on_the_page_gets_the_call_by_text(texting_hall, gateway, new_page):
    server, hall = texting_hall
    ticket = httpx.post(f"{server.url}/api/v1/tickets", json={"service_id": hall.a},
                        headers={"Authorization": f"Bearer {hall.kiosk_token}"}).json()
    page = new_page(360, 640)
    parts = urlsplit(ticket["position_url"])
    page.goto(f"{server.url}{parts.path}?{parts.query}")
    form = page.locator("#sms")
    form.wait_for(state="visible")
    page.fill("#sms-phone", "12345")
    page.click("#sms-save")
    page.wait_for_function("() => document.querySelector('#sms-state').textContent.includes('10 chữ số')")
    assert page.get_attribute("#sms-phone", "aria-invalid") == "true"
    page.select_option("#alert-n", "2")
    page.fill("#sms-phone", "+84 912 345 678")
    page.click("#sms-save")
    page.wait_for_function("() => document.querySelector('#sms-state').textContent.includes('0912***678')")
    assert "còn 2 người" in page.text_content("#sms-state")
    screenshot(page, "phone-messages-360")
    page.click("#lang")
    assert page.text_content("#sms-save") == "Stop texts"
    # the counter calls the ticket; the server's round texts the citizen through the gateway
    clerk = _login(server.url, "an")
    assert httpx.post(f"{server.url}/api/v1/counters/{hall.c3}/open", headers=clerk).status_code == 200
    called = httpx.post(f"{server.url}/api/v1/counters/{hall.c3}/call-next", headers=clerk)
    assert called.status_code == 200, called.text
    wait_until(lambda: gateway.received, timeout=20, message="the text at the gateway", page=page)
    got = gateway.received[0]
    body = json.loads(got["body"])
    assert body["text_vi"] == "Xin mời số A001 đến quầy số 3." and body["to"] == "0912345678"
    import time
    assert rules.verify(SECRET, got["headers"][rules.SIGNATURE_HEADER], got["body"], int(time.time()))
    # the link in the text opens this ticket's page
    link = urlsplit(body["url"])
    assert (link.path, link.query) == (parts.path, parts.query)
    again = httpx.get(f"{server.url}{link.path}?{link.query}")
    assert again.status_code == 200 and ">A001<" in again.text
    assert page.errors == []


def test_without_a_gateway_the_page_offers_no_texts(served, new_page):
    ticket = httpx.post(f"{served.url}/api/v1/tickets", json={"service_id": served.hall.a},
                        headers={"Authorization": f"Bearer {served.hall.kiosk_token}"}).json()
    page = new_page(360, 640)
    parts = urlsplit(ticket["position_url"])
    page.goto(f"{served.url}{parts.path}?{parts.query}")
    page.wait_for_function("() => document.body.dataset.stream === 'live'", timeout=15000)
    assert page.locator("#sms").is_hidden()
