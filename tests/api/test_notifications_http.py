"""Messages out over HTTP: the phone page's wish to be texted (PUT /api/v1/tickets/{id}/messages)
answers a wrong key exactly like an unknown ticket, names a wrong phone number, says when the
hall sends no messages; the staff list of messages masks the numbers and refuses others."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from queue_server.config import load_settings
from queue_server.services.context import Context
from queue_server.store import migrate
from tests.conftest import PASSWORD, build_hall

SECRET = "bi-mat-cua-cong-tin-nhan"


@pytest.fixture
def hall_with(db_url, tmp_path, clock):  # noqa: ANN001, ANN201
    made = []

    def make(webhook: bool):  # noqa: ANN202 - once per test (one database)
        settings = load_settings(env={}, data_dir=str(tmp_path), database_url=db_url,
                                 webhook_url="http://127.0.0.1:9/sms" if webhook else None,
                                 webhook_secret=SECRET if webhook else None)
        ctx = Context.create(settings, clock)
        migrate.upgrade(ctx.db.engine)
        hall = build_hall(ctx)
        client = TestClient(create_app(ctx.settings, ctx=ctx)).__enter__()
        made.append((client, ctx))
        return client, hall

    yield make
    for client, ctx in made:
        client.__exit__(None, None, None)
        ctx.db.dispose()


def issue(client: TestClient, hall) -> dict:  # noqa: ANN001
    r = client.post("/api/v1/tickets", json={"service_id": hall.a}, headers={"Authorization": f"Bearer {hall.kiosk_token}"})
    assert r.status_code == 201, r.text
    return r.json()


def login(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_a_wrong_key_is_an_unknown_ticket_and_a_wrong_number_is_named(hall_with):
    client, hall = hall_with(True)
    body = issue(client, hall)
    tid, key = body["ticket"]["id"], body["position_key"]
    wrong = client.put(f"/api/v1/tickets/{tid}/messages", json={"k": "0" * 12, "phone": "0912345678"})
    unknown = client.put(f"/api/v1/tickets/{tid + 99}/messages", json={"k": key, "phone": "0912345678"})
    assert wrong.status_code == unknown.status_code == 404
    assert {k: v for k, v in wrong.json().items() if k != "request_id"} == \
        {k: v for k, v in unknown.json().items() if k != "request_id"}
    bad = client.put(f"/api/v1/tickets/{tid}/messages", json={"k": key, "phone": "12345"})
    assert bad.status_code == 422 and bad.json()["field"] == "phone"
    assert "10 chữ số" in bad.json()["detail"] and "10 digits" in bad.json()["detail_en"]
    too_many = client.put(f"/api/v1/tickets/{tid}/messages", json={"k": key, "phone": "0912345678", "ahead": 500})
    assert too_many.status_code == 422
    ok = client.put(f"/api/v1/tickets/{tid}/messages", json={"k": key, "phone": "+84 912 345 678", "ahead": 3})
    assert ok.status_code == 200 and ok.json() == {"ticket_id": tid, "messages": True, "ahead": 3,
                                                   "phone": "0912***678"}


def test_a_hall_without_a_gateway_says_so(hall_with):
    client, hall = hall_with(False)
    body = issue(client, hall)
    r = client.put(f"/api/v1/tickets/{body['ticket']['id']}/messages",
                   json={"k": body["position_key"], "phone": "0912345678"})
    assert r.status_code == 409 and "nhắn tin" in r.json()["detail"]
    page = client.get(f"/t/{body['ticket']['id']}?k={body['position_key']}")
    assert '"messages":false' in page.text


def test_the_message_list_is_for_supervisors_with_numbers_masked(hall_with):
    client, hall = hall_with(True)
    body = issue(client, hall)
    client.put(f"/api/v1/tickets/{body['ticket']['id']}/messages", json={"k": body["position_key"], "phone": "0912345678"})
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.get("/api/v1/notifications", headers=login(client, "an")).status_code == 403
    r = client.get("/api/v1/notifications", headers=login(client, "giam"))
    assert r.status_code == 200 and r.json() == {"enabled": True, "messages": []}
    page = client.get(f"/t/{body['ticket']['id']}?k={body['position_key']}")
    assert '"messages":true' in page.text and 'id="sms"' in page.text
