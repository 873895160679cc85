"""The position page the slip's QR opens (/t/{id}?k=KEY), as any phone browser fetches it.

Contract (issue 11): the `position_url` in the answer to POST /api/v1/tickets answers 200 with
an HTML page that names the ticket's code; a wrong key answers exactly like an unknown ticket.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app


@pytest.fixture
def client(hall, ctx):
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        yield c


def issue(client: TestClient, hall, service_id: int) -> dict:  # noqa: ANN001
    r = client.post("/api/v1/tickets", json={"service_id": service_id},
                    headers={"Authorization": f"Bearer {hall.kiosk_token}"})
    assert r.status_code == 201, r.text
    return r.json()


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_the_position_url_of_a_new_ticket_answers_a_page_naming_its_code(client, hall):
    issue(client, hall, hall.a)
    body = issue(client, hall, hall.a)
    assert urlsplit(body["position_url"]).path == f"/t/{body['ticket']['id']}"
    page = client.get(local(body["position_url"]))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<p class="ph-code" id="code">A002</p>' in html
    assert "Hộ tịch" in html and "Đang chờ" in html
    # the key is in the address: never cached, never passed on to another site
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    # scripts and styles come only from files of this server (no inline script, style or handler)
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<style" not in html and " style=" not in html and " onclick=" not in html
    scripts = [line for line in html.splitlines() if "<script" in line]
    assert all('src="/' in line or 'type="application/json"' in line for line in scripts), scripts
    # what the page carries for its script: no priority class
    assert "priority" not in html


def test_a_wrong_or_missing_key_answers_exactly_like_an_unknown_ticket(client, hall):
    body = issue(client, hall, hall.b)
    tid = body["ticket"]["id"]
    unknown = client.get(f"/t/{tid + 1000}?k={body['position_key']}")
    assert unknown.status_code == 404
    assert "Không tìm thấy số này" in unknown.text and "B001" not in unknown.text
    for address in (f"/t/{tid}?k=WRONG", f"/t/{tid}", f"/t/{tid}?k=", f"/t/{tid}?k={body['position_key'][:-1]}",
                    f"/t/{tid}?k=kh%C3%B3a", f"/t/{tid}?k={'x' * 500}", "/t/abc?k=1", "/t/-3?k=1", "/t/0?k=1",
                    f"/t/{10**30}?k=1", f"/t/{tid}.0?k={body['position_key']}"):
        answer = client.get(address)
        assert (answer.status_code, answer.content) == (unknown.status_code, unknown.content), address
        assert answer.headers["content-type"] == unknown.headers["content-type"], address
    # another ticket's key opens nothing either
    other = issue(client, hall, hall.b)
    assert client.get(f"/t/{tid}?k={other['position_key']}").content == unknown.content


def test_a_transferred_ticket_opens_where_it_waits_now(client, hall):
    body = issue(client, hall, hall.a)
    token = client.post("/api/v1/auth/login", json={"username": "giam", "password": "mat-khau-an-toan"}).json()["token"]
    h = {"Authorization": f"Bearer {token}"}
    client.post(f"/api/v1/counters/{hall.c3}/open", headers=h)
    client.post(f"/api/v1/counters/{hall.c3}/call-next", headers=h)
    client.post(f"/api/v1/counters/{hall.c3}/transfer", json={"service_id": hall.b}, headers=h)
    html = client.get(local(body["position_url"])).text
    assert "A001" in html and "Chứng thực" in html and 'data-state="waiting"' in html


def test_the_page_script_style_and_service_worker_are_served(client):
    js = client.get("/phone/static/phone.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert client.get("/phone/static/phone.css").headers["content-type"].startswith("text/css")
    worker = client.get("/t/sw.js")
    assert worker.status_code == 200 and worker.headers["service-worker-allowed"] == "/t/"
    assert client.get("/phone/static/ticket.html").status_code == 404  # only the two assets
