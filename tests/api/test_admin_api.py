"""The administration API as the /admin page uses it: nobody anonymous gets in, made
passwords are shown once, and every change is an event naming who made it."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from queue_server.services import admin
from queue_server.services.context import SYSTEM
from tests.conftest import PASSWORD


@pytest.fixture
def client(hall, ctx):
    admin.create_user(ctx, SYSTEM, username="root", password=PASSWORD, role="admin", full_name="Quản Trị")
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        yield c


def bearer(client: TestClient, username: str = "root") -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def admin_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every administration endpoint the API documents (the page's, and the thresholds)."""
    out = []
    for path, methods in client.get("/openapi.json").json()["paths"].items():
        if path.startswith("/api/v1/admin") or path == "/api/v1/monitor/thresholds":
            out += [(method.upper(), re.sub(r"\{[^}]+\}", "1", path)) for method in methods]
    return out


def test_the_admin_page_is_served_and_every_admin_api_refuses_anonymous_callers(client):
    page = client.get("/admin")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Quản trị sảnh" in page.text
    routes = admin_routes(client)
    assert len(routes) >= 14  # sites, services, counters, users, devices, thresholds
    for method, path in routes:
        r = client.request(method, path, json={})
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.json()["detail"] == "Vui lòng đăng nhập."


def test_the_page_answers_an_admins_bearer_token_and_a_clerk_cannot_change_anything(client, hall):
    h = bearer(client)
    assert client.get("/admin", headers=h).status_code == 200
    clerk = bearer(client, "an")
    assert client.patch(f"/api/v1/admin/counters/{hall.c3}", json={"name": "X"}, headers=clerk).status_code == 403
    assert client.get("/api/v1/admin/users", headers=clerk).status_code == 403


def test_a_user_made_without_a_password_gets_one_shown_once_and_a_reset_shows_a_new_one(client, hall):
    h = bearer(client)
    made = client.post("/api/v1/admin/users", json={"username": "cuong", "role": "clerk", "site_id": hall.site_id},
                       headers=h)
    assert made.status_code == 201, made.text
    first = made.json()["password"]
    assert client.post("/api/v1/auth/login", json={"username": "cuong", "password": first}).status_code == 200
    assert all("password" not in u for u in client.get("/api/v1/admin/users", headers=h).json())
    reset = client.post(f"/api/v1/admin/users/{made.json()['id']}/reset-password", headers=h)
    second = reset.json()["password"]
    assert second != first
    assert client.post("/api/v1/auth/login", json={"username": "cuong", "password": first}).status_code == 401
    assert client.post("/api/v1/auth/login", json={"username": "cuong", "password": second}).status_code == 200


def test_a_new_devices_answer_carries_its_pairing_text_and_qr_code(client, hall):
    made = client.post(f"/api/v1/admin/sites/{hall.site_id}/devices", json={"kind": "display", "name": "TV sảnh"},
                       headers=bearer(client)).json()
    assert made["qr_svg"].startswith("data:image/svg+xml;base64,")
    assert f'"device_token":"{made["token"]}"' in made["pairing"] and '"kind":"display"' in made["pairing"]


def test_a_sites_admin_never_makes_or_changes_an_account_of_every_site(client, hall, ctx):
    admin.create_user(ctx, SYSTEM, username="qt-phuong", password=PASSWORD, role="admin", site_id=hall.site_id)
    site_admin = bearer(client, "qt-phuong")
    root = next(u for u in client.get("/api/v1/admin/users", headers=site_admin).json() if u["username"] == "root")
    r = client.post(f"/api/v1/admin/users/{root['id']}/reset-password", headers=site_admin)
    assert r.status_code == 403 and "mọi điểm" in r.json()["detail"]
    r = client.post("/api/v1/admin/users", json={"username": "rong", "role": "admin", "site_id": None},
                    headers=site_admin)
    assert r.status_code == 403
    an = next(u for u in client.get("/api/v1/admin/users", headers=site_admin).json() if u["username"] == "an")
    r = client.patch(f"/api/v1/admin/users/{an['id']}", json={"site_id": None}, headers=site_admin)
    assert r.status_code == 403
    # the admin of every site may move a user, and it is in the trail
    r = client.patch(f"/api/v1/admin/users/{an['id']}", json={"site_id": None}, headers=bearer(client))
    assert r.status_code == 200 and r.json()["site_id"] is None
    r = client.patch(f"/api/v1/admin/users/{an['id']}", json={"full_name": "An"}, headers=bearer(client))
    assert r.json()["site_id"] is None  # left out: the user stays where they are
    trail = client.get(f"/api/v1/admin/sites/{hall.site_id}/audit", params={"kind": "admin.user_updated"},
                       headers=bearer(client)).json()["events"]
    assert trail[-1]["data"]["changes"] == {"site_id": [hall.site_id, None]}
