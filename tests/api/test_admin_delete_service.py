"""Deleting a service: one made by mistake goes (and leaves its counters); one with tickets
today, or in the history, is refused with the reason and the way out (deactivate it)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from queue_server.services import admin
from queue_server.services.context import SYSTEM
from queue_server.services.queue import tickets as queue
from tests.conftest import PASSWORD


@pytest.fixture
def client(hall, ctx):
    admin.create_user(ctx, SYSTEM, username="root", password=PASSWORD, role="admin", full_name="Quản Trị")
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        r = c.post("/api/v1/auth/login", json={"username": "root", "password": PASSWORD})
        c.headers["Authorization"] = f"Bearer {r.json()['token']}"
        yield c


def services(client: TestClient, hall) -> dict[str, dict]:  # noqa: ANN001
    return {s["code"]: s for s in client.get(f"/api/v1/admin/sites/{hall.site_id}/services").json()}


def test_a_service_with_tickets_today_is_not_deleted_and_the_answer_says_deactivate_instead(client, hall, ctx):
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    r = client.delete(f"/api/v1/admin/services/{hall.a}")
    assert r.status_code == 409
    body = r.json()
    assert body["reason"] == "tickets_today" and body["tickets_today"] == 1
    assert body["detail"].startswith("Không thể xóa dịch vụ HT (Hộ tịch): hôm nay đã có 1 số thứ tự")
    assert "ngừng hoạt động" in body["detail"] and "Deactivate it instead" in body["detail_en"]
    assert "HT" in services(client, hall)
    # the way out the answer names: deactivate
    off = client.patch(f"/api/v1/admin/services/{hall.a}", json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False


def test_a_service_with_tickets_of_earlier_days_is_kept_for_the_history(client, hall, ctx, clock):
    queue.issue_ticket(ctx, hall.kiosk, hall.b)
    clock.advance(days=1)
    r = client.post("/api/v1/auth/login", json={"username": "root", "password": PASSWORD})
    client.headers["Authorization"] = f"Bearer {r.json()['token']}"
    r = client.delete(f"/api/v1/admin/services/{hall.b}")
    assert r.status_code == 409 and r.json()["reason"] == "tickets_earlier"
    assert "lịch sử" in r.json()["detail"]


def test_a_service_made_by_mistake_is_deleted_and_leaves_its_counters(client, hall):
    made = client.post(f"/api/v1/admin/sites/{hall.site_id}/services",
                       json={"code": "XX", "prefix": "X", "name_vi": "Nhầm"}).json()
    client.patch(f"/api/v1/admin/counters/{hall.c3}",
                 json={"services": [{"service_id": hall.a, "weight": 1}, {"service_id": made["id"], "weight": 2}]})
    client.put(f"/api/v1/monitor/thresholds?site={hall.site_id}", json={"service_wait_target_minutes": {"XX": 15}})
    r = client.delete(f"/api/v1/admin/services/{made['id']}")
    assert r.status_code == 200, r.text
    assert "XX" not in services(client, hall)
    c3 = next(c for c in client.get(f"/api/v1/admin/sites/{hall.site_id}/counters").json() if c["id"] == hall.c3)
    assert c3["services"] == [{"service_id": hall.a, "weight": 1}]
    assert "XX" not in client.get(f"/api/v1/monitor/thresholds?site={hall.site_id}").json()["service_wait_target_minutes"]
    trail = client.get(f"/api/v1/admin/sites/{hall.site_id}/audit", params={"kind": "admin.service_deleted"}).json()
    assert [(e["data"]["service"], e["data"]["counters"], e["by_name"]) for e in trail["events"]] == [("XX", [3], "Quản Trị")]
    # the prefix is free again
    again = client.post(f"/api/v1/admin/sites/{hall.site_id}/services", json={"code": "XX", "prefix": "X", "name_vi": "Đúng"})
    assert again.status_code == 201
