"""The audit trail of the administration: every change is listed with who made it and
what changed, filtered by who, what and which days, a page at a time. On both engines."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from queue_server.services import admin
from queue_server.services.context import SYSTEM
from tests.conftest import PASSWORD


@pytest.fixture
def setup(hall, ctx, clock):
    lan = admin.create_user(ctx, SYSTEM, username="lan", password=PASSWORD, role="admin", full_name="Trần Thị Lan")
    minh = admin.create_user(ctx, SYSTEM, username="minh", password=PASSWORD, role="admin", full_name="Lê Văn Minh")
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        yield c, logins(c), lan, minh


def logins(c: TestClient) -> dict[str, dict[str, str]]:
    tokens = {}
    for u in ("lan", "minh", "giam", "an"):
        r = c.post("/api/v1/auth/login", json={"username": u, "password": PASSWORD})
        tokens[u] = {"Authorization": f"Bearer {r.json()['token']}"}
    return tokens


def trail(client: TestClient, hall, h: dict, **params) -> dict:  # noqa: ANN001
    r = client.get(f"/api/v1/admin/sites/{hall.site_id}/audit", params=params, headers=h)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_trail_lists_who_changed_what_and_filters_by_who_what_and_day(setup, hall, clock):
    client, h, lan, minh = setup
    day1 = clock.now()
    client.patch(f"/api/v1/admin/counters/{hall.c3}", json={"name": "Quầy Hộ tịch"}, headers=h["lan"])
    client.post(f"/api/v1/admin/sites/{hall.site_id}/services",
                json={"code": "DD", "prefix": "D", "name_vi": "Đất đai"}, headers=h["minh"])
    clock.advance(days=1)
    h = logins(client)  # yesterday's sessions have ended
    client.patch(f"/api/v1/admin/services/{hall.a}", json={"name_en": "Civil registration"}, headers=h["minh"])
    client.post("/api/v1/admin/users", json={"username": "cuong", "role": "clerk", "site_id": hall.site_id},
                headers=h["lan"])
    # something that is not an administration change never shows
    client.post(f"/api/v1/counters/{hall.c3}/open", headers=h["an"])

    everything = trail(client, hall, h["giam"])  # a supervisor may read the trail
    kinds = [e["kind"] for e in everything["events"]]
    assert kinds[:4] == ["admin.user_created", "admin.service_updated", "admin.service_created",
                         "admin.counter_updated"]  # newest first
    assert "counter.opened" not in kinds
    counter_change = everything["events"][3]
    assert counter_change["by_name"] == "Trần Thị Lan" and counter_change["actor"] == f"user:{lan['id']}"
    assert counter_change["data"]["changes"] == {"name": ["Quầy 3", "Quầy Hộ tịch"]}

    by_minh = trail(client, hall, h["lan"], actor=f"user:{minh['id']}")
    assert [e["kind"] for e in by_minh["events"]] == ["admin.service_updated", "admin.service_created"]
    updates = trail(client, hall, h["lan"], kind="admin.service_updated")
    assert [e["data"]["service"] for e in updates["events"]] == ["HT"]
    first_day = day1.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    on_day1 = trail(client, hall, h["lan"], since=first_day.isoformat(), until=first_day.isoformat())
    assert {e["kind"] for e in on_day1["events"]} >= {"admin.counter_updated", "admin.service_created"}
    assert "admin.user_created" not in [e["kind"] for e in on_day1["events"] if e["data"].get("user") == "cuong"]
    on_day2 = trail(client, hall, h["lan"], since=(first_day + timedelta(days=1)).isoformat())
    assert [e["kind"] for e in on_day2["events"]] == ["admin.user_created", "admin.service_updated"]


def test_the_trail_comes_a_page_at_a_time(setup, hall):
    client, h, *_ = setup
    for i in range(5):
        client.patch(f"/api/v1/admin/counters/{hall.c3}", json={"name": f"Quầy {i}"}, headers=h["lan"])
    seen, before = [], None
    while True:
        page = trail(client, hall, h["lan"], kind="admin.counter_updated", limit=2,
                     **({"before_id": before} if before else {}))
        assert len(page["events"]) <= 2
        seen += [e["data"]["changes"]["name"][1] for e in page["events"]]
        before = page["next_before_id"]
        if before is None:
            break
    assert seen == ["Quầy 4", "Quầy 3", "Quầy 2", "Quầy 1", "Quầy 0"]


def test_bad_filters_are_refused_naming_the_field_and_clerks_read_nothing(setup, hall):
    client, h, *_ = setup
    r = client.get(f"/api/v1/admin/sites/{hall.site_id}/audit", params={"kind": "ticket.called"}, headers=h["lan"])
    assert r.status_code == 422 and "không thuộc nhật ký quản trị" in r.json()["detail"]
    r = client.get(f"/api/v1/admin/sites/{hall.site_id}/audit", params={"since": "2026-03-05", "until": "2026-03-01"},
                   headers=h["lan"])
    assert r.status_code == 422
    r = client.get(f"/api/v1/admin/sites/{hall.site_id}/audit", params={"until": "9999-12-31"}, headers=h["lan"])
    assert r.status_code == 422
    assert client.get(f"/api/v1/admin/sites/{hall.site_id}/audit", headers=h["an"]).status_code == 403
    client.cookies.clear()  # the logins above left a session cookie
    assert client.get(f"/api/v1/admin/sites/{hall.site_id}/audit").status_code == 401
