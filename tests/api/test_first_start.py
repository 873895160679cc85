"""The first start of a real hall: with no user in the database, the setup creates the first
administrator (and the site), then closes for good; two setups at once make one admin."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from queue_server.services.admin import first_start
from queue_server.services.errors import Conflict

SITE = {"code": "phuong-ben-nghe", "name": "UBND Phường Bến Nghé", "agency_code": "000.00.07.H29"}


@pytest.fixture
def client(ctx):
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        yield c


def test_the_first_admin_and_the_site_are_made_once_then_the_setup_closes(client):
    assert client.get("/api/v1/setup").json() == {"needed": True, "site": None}
    assert client.get("/setup").status_code == 200
    no_site = client.post("/api/v1/setup", json={"username": "quantri", "password": "mat-khau-dai"})
    assert no_site.status_code == 422 and no_site.json()["detail"].startswith("Chưa có điểm phục vụ")
    short = client.post("/api/v1/setup", json={"username": "quantri", "password": "ngan", "site": SITE})
    assert short.status_code == 422

    made = client.post("/api/v1/setup", json={"username": "quantri", "password": "mat-khau-dai",
                                              "full_name": "Nguyễn Thị Hoa", "site": SITE})
    assert made.status_code == 201, made.text
    assert made.json()["user"]["role"] == "admin" and made.json()["user"]["site_id"] is None
    assert made.json()["site"]["name"] == "UBND Phường Bến Nghé"
    login = client.post("/api/v1/auth/login", json={"username": "quantri", "password": "mat-khau-dai"})
    assert login.status_code == 200
    assert client.get("/api/v1/setup").json()["needed"] is False

    client.cookies.clear()
    again = client.post("/api/v1/setup", json={"username": "ke-gian", "password": "mat-khau-dai"})
    assert again.status_code == 409 and "đã có người dùng" in again.json()["detail"]
    h = {"Authorization": f"Bearer {login.json()['token']}"}
    trail = client.get(f"/api/v1/admin/sites/{made.json()['site']['id']}/audit", headers=h).json()["events"]
    assert [(e["kind"], e["data"]["user"], e["actor"]) for e in trail] == [("admin.user_created", "quantri", "setup")]


def test_a_hall_with_users_never_offers_the_setup(hall, client):
    assert client.get("/api/v1/setup").json()["needed"] is False
    r = client.post("/api/v1/setup", json={"username": "ke-gian", "password": "mat-khau-dai"})
    assert r.status_code == 409


def test_two_setups_at_once_make_one_administrator(ctx):
    results: list[str] = []
    barrier = threading.Barrier(2)

    def run(name: str) -> None:
        barrier.wait()
        try:
            first_start.create_first_admin(ctx, username=name, password="mat-khau-dai", site=SITE)
            results.append("made")
        except Conflict:
            results.append("refused")

    threads = [threading.Thread(target=run, args=(n,)) for n in ("mot", "hai")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["made", "refused"]
    assert first_start.needed(ctx)["needed"] is False
