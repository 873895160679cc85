"""The HTTP API as kiosks, clerks' browsers and admins use it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from queue_server.store.engine import Database
from tests.conftest import PASSWORD


@pytest.fixture
def client(hall, ctx):
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client: TestClient, username: str = "an") -> dict:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()


def test_a_kiosk_lists_services_and_issues_a_ticket(client, hall):
    services = client.get("/api/v1/kiosk/services").json()["services"]
    assert [s["name_vi"] for s in services] == ["Hộ tịch", "Chứng thực"]
    r = client.post("/api/v1/tickets", json={"service_id": hall.a}, headers=bearer(hall.kiosk_token))
    assert r.status_code == 201
    body = r.json()
    assert body["ticket"]["code"] == "A001"
    assert "/t/" in body["position_url"]
    # the slip's QR opens the live position without logging in
    pos = client.get(f"/api/v1/tickets/{body['ticket']['id']}/position", params={"k": body["position_key"]})
    assert pos.status_code == 200 and pos.json()["state_vi"] == "đang chờ"
    for guess in ("guess", "ÿ", "khóa"):  # not ASCII: still just a wrong key, not a server error
        wrong = client.get(f"/api/v1/tickets/{body['ticket']['id']}/position", params={"k": guess})
        assert wrong.status_code == 404, guess
        assert wrong.json()["detail"] == "Không tìm thấy số này."


def test_staff_list_todays_tickets_and_a_moved_ticket_shows_where_it_waits(client, hall):
    kiosk = bearer(hall.kiosk_token)
    first = client.post("/api/v1/tickets", json={"service_id": hall.a}, headers=kiosk).json()
    client.post("/api/v1/tickets", json={"service_id": hall.a}, headers=kiosk)
    h = bearer(login(client)["token"])
    client.post(f"/api/v1/counters/{hall.c3}/open", headers=h)
    client.post(f"/api/v1/counters/{hall.c3}/call-next", headers=h)
    all_today = client.get("/api/v1/tickets", headers=h).json()
    assert [(t["code"], t["state"], t["counter_number"]) for t in all_today] == [
        ("A001", "called", 3), ("A002", "waiting", None)]
    assert [t["code"] for t in client.get("/api/v1/tickets", params={"state": "waiting"}, headers=h).json()] == [
        "A002"]
    # A001 moves to Chứng thực: its slip's QR now shows it waiting there
    client.post(f"/api/v1/counters/{hall.c3}/transfer", json={"service_id": hall.b}, headers=h)
    pos = client.get(f"/api/v1/tickets/{first['ticket']['id']}/position", params={"k": first["position_key"]}).json()
    assert (pos["ticket"]["code"], pos["ticket"]["service_code"], pos["state_vi"]) == ("A001", "CT", "đang chờ")


def test_a_repeated_issue_with_the_same_idempotency_key_returns_the_same_ticket(client, hall):
    h = {**bearer(hall.kiosk_token), "Idempotency-Key": "3f0c9a7e-tap"}
    one = client.post("/api/v1/tickets", json={"service_id": hall.a}, headers=h)
    two = client.post("/api/v1/tickets", json={"service_id": hall.a}, headers=h)
    assert one.status_code == two.status_code == 201
    assert one.json()["ticket"]["id"] == two.json()["ticket"]["id"]


def test_issuing_needs_a_device_or_staff(client, hall):
    r = client.post("/api/v1/tickets", json={"service_id": hall.a})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"] == "Vui lòng đăng nhập."


def test_a_clerk_logs_in_with_a_cookie_and_must_echo_the_csrf_token(client, hall):
    session = login(client)
    client.post("/api/v1/tickets", json={"service_id": hall.a}, headers=bearer(hall.kiosk_token))
    # the cookie alone is not enough for a change: a forged form post from elsewhere fails
    r = client.post(f"/api/v1/counters/{hall.c3}/open")
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    csrf = {"X-CSRF-Token": session["csrf_token"]}
    assert client.post(f"/api/v1/counters/{hall.c3}/open", headers=csrf).status_code == 200
    called = client.post(f"/api/v1/counters/{hall.c3}/call-next", headers=csrf)
    assert called.status_code == 200 and called.json()["code"] == "A001"
    assert client.get("/api/v1/auth/me").json()["name"] == "An"


def test_bearer_login_needs_no_csrf(client, hall):
    token = login(client)["token"]
    client.cookies.clear()
    assert client.post(f"/api/v1/counters/{hall.c3}/open", headers=bearer(token)).status_code == 200


def test_wrong_password_is_refused_without_saying_which_part_is_wrong(client):
    r = client.post("/api/v1/auth/login", json={"username": "an", "password": "sai-mat-khau"})
    r2 = client.post("/api/v1/auth/login", json={"username": "khong-co", "password": "sai-mat-khau"})
    assert r.status_code == r2.status_code == 401
    assert r.json()["detail"] == r2.json()["detail"]


def test_counter_operations_over_http(client, hall):
    token = login(client, "giam")["token"]
    h = bearer(token)
    client.cookies.clear()
    client.post("/api/v1/tickets", json={"service_id": hall.a}, headers=bearer(hall.kiosk_token))
    assert client.post(f"/api/v1/counters/{hall.c3}/open", headers=h).status_code == 200
    t = client.post(f"/api/v1/counters/{hall.c3}/call-next", headers=h).json()
    assert client.post(f"/api/v1/counters/{hall.c3}/recall", headers=h).json()["call_count"] == 2
    assert client.post(f"/api/v1/counters/{hall.c3}/start", json={"ticket_id": t["id"]}, headers=h).json()["state"] == "serving"
    assert client.post(f"/api/v1/counters/{hall.c3}/finish", headers=h).json()["state"] == "finished"
    again = client.post(f"/api/v1/counters/{hall.c3}/finish", json={"ticket_id": t["id"]}, headers=h)
    assert again.status_code == 409
    empty = client.post(f"/api/v1/counters/{hall.c3}/call-next", headers=h)
    assert empty.status_code == 204


def test_unknown_counter_and_malformed_bodies_are_named(client, hall):
    h = bearer(login(client, "giam")["token"])
    r = client.post("/api/v1/counters/777/call-next", headers=h)
    assert r.status_code == 404 and "777" in r.json()["detail"]
    r = client.post("/api/v1/tickets", json={"service_id": hall.a, "priority": "vip"}, headers=bearer(hall.kiosk_token))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "priority"
    r = client.post("/api/v1/tickets", content=b"{not json", headers={**bearer(hall.kiosk_token),
                                                                         "content-type": "application/json"})
    assert r.status_code == 422


HUGE = 2**70  # past every id column (PostgreSQL integer and bigint, SQLite's 64-bit INTEGER)


def test_numbers_no_row_can_have_are_named_never_a_server_error(client, hall, ctx):
    from queue_server.services import admin
    from queue_server.services.context import SYSTEM

    admin.create_user(ctx, SYSTEM, username="root", password=PASSWORD, role="admin")
    h = bearer(login(client, "root")["token"])
    for method, url, field in [
        ("post", f"/api/v1/counters/{HUGE}/open", "counter_id"),
        ("get", f"/api/v1/tickets/{HUGE}", "ticket_id"),
        ("get", f"/api/v1/tickets/{HUGE}/position?k=x", "ticket_id"),
        ("get", f"/api/v1/admin/sites/{2**31}/devices", "site_id"),
        ("get", f"/api/v1/dossiers?ticket_id={HUGE}", "ticket_id"),
        ("get", f"/api/v1/events/log?after={HUGE}", "after"),
    ]:
        r = getattr(client, method)(url, headers=h)
        assert r.status_code == 422, (url, r.text)
        assert r.json()["errors"][0]["field"] == field, url
    r = client.patch(f"/api/v1/admin/services/{hall.a}", json={"sort_order": HUGE}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "sort_order"
    r = client.post("/api/v1/tickets", json={"service_id": HUGE}, headers=bearer(hall.kiosk_token))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "service_id"
    # references that may be codes as well as ids: a superscript digit or a huge number is no dossier, no site
    for ref in ("¹", str(HUGE)):
        r = client.get(f"/api/v1/dossiers/{ref}/control-slip.pdf", headers=h)
        assert r.status_code == 404 and ref in r.json()["detail"], r.text
    r = client.get("/api/v1/kiosk/services", params={"site": str(HUGE)})
    assert r.status_code == 404 and str(HUGE) in r.json()["detail"], r.text
    r = client.get("/api/v1/kiosk/services", params={"site": "¹"})  # no site code has such a character
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "site", r.text
    r = client.get("/api/v1/events/log", params={"after": "¹"}, headers=h)
    assert r.status_code == 422
    # a NUL character (PostgreSQL text cannot hold it): refused by the API on both engines, naming the field
    found = client.get("/api/v1/kiosk/services", params={"site": "\x00B"})
    renamed = client.patch(f"/api/v1/admin/services/{hall.a}", json={"name_en": "Civil\x00status"}, headers=h)
    assert found.status_code == 422 and found.json()["errors"][0]["field"] == "site", found.text
    assert renamed.status_code == 422 and renamed.json()["errors"][0]["field"] == "name_en", renamed.text
    assert client.get(f"/api/v1/admin/sites/{hall.site_id}/devices", headers=h).status_code == 200  # still serving


def test_a_number_the_database_cannot_hold_is_bad_data_and_nothing_is_written(hall, ctx):
    """The last line of defence, for a number in a field the API does not bound: SQLite's
    driver raises OverflowError, PostgreSQL SQLSTATE 22003; either way a 422, rolled back."""
    from sqlalchemy import select, update

    from queue_server.store.tables import Service

    app = create_app(ctx.settings, ctx=ctx)

    @app.post("/test/overflow")
    def overflow() -> dict:
        def work(session):
            session.execute(update(Service).where(Service.id == hall.a).values(name_vi="Đổi tên"))
            session.execute(update(Service).where(Service.id == hall.a).values(sort_order=HUGE))
        ctx.db.transaction(work)
        return {}

    @app.post("/test/other-database-error")
    def other() -> dict:
        ctx.db.transaction(lambda session: session.execute(update(Service).values(site_id=None)))  # NOT NULL
        return {}

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/test/overflow")
        other_error = c.post("/test/other-database-error")
    assert r.status_code == 422, r.text
    assert r.json()["detail_en"] == "A number is outside the allowed range."
    # any other refusal by the database is still our bug: a 500 problem document, no details
    assert other_error.status_code == 500 and other_error.json()["type"].endswith("/internal"), other_error.text
    assert "NOT NULL" not in other_error.text.upper()
    with ctx.db.reading() as session:
        assert session.scalar(select(Service.name_vi).where(Service.id == hall.a)) == "Hộ tịch"


def test_roles_are_checked(client, hall):
    clerk = bearer(login(client, "an")["token"])
    r = client.post(f"/api/v1/admin/sites/{hall.site_id}/devices", json={"kind": "kiosk", "name": "K2"}, headers=clerk)
    assert r.status_code == 403
    # a kiosk cannot call numbers
    r = client.post(f"/api/v1/counters/{hall.c3}/call-next", headers=bearer(hall.kiosk_token))
    assert r.status_code == 403


def test_admin_registers_a_device_and_its_token_works_once_shown(client, hall, ctx):
    from queue_server.services import admin
    from queue_server.services.context import SYSTEM

    admin.create_user(ctx, SYSTEM, username="root", password=PASSWORD, role="admin")
    h = bearer(login(client, "root")["token"])
    made = client.post(f"/api/v1/admin/sites/{hall.site_id}/devices", json={"kind": "kiosk", "name": "Ki-ốt 2"}, headers=h)
    assert made.status_code == 201
    token = made.json()["token"]
    listed = client.get(f"/api/v1/admin/sites/{hall.site_id}/devices", headers=h).json()
    assert all("token" not in d for d in listed)
    assert client.post("/api/v1/tickets", json={"service_id": hall.a}, headers=bearer(token)).status_code == 201
    client.delete(f"/api/v1/admin/devices/{made.json()['id']}", headers=h)
    assert client.post("/api/v1/tickets", json={"service_id": hall.a}, headers=bearer(token)).status_code == 401


def test_admin_creates_services_and_counters_with_clear_errors(client, hall, ctx):
    from queue_server.services import admin
    from queue_server.services.context import SYSTEM

    admin.create_user(ctx, SYSTEM, username="root", password=PASSWORD, role="admin")
    h = bearer(login(client, "root")["token"])
    svc = client.post(f"/api/v1/admin/sites/{hall.site_id}/services",
                      json={"code": "DD", "prefix": "C", "name_vi": "Đất đai"}, headers=h)
    assert svc.status_code == 201
    dup = client.post(f"/api/v1/admin/sites/{hall.site_id}/services",
                      json={"code": "DD2", "prefix": "C", "name_vi": "Đất đai 2"}, headers=h)
    assert dup.status_code == 409
    bad = client.post(f"/api/v1/admin/sites/{hall.site_id}/services",
                      json={"code": "X", "prefix": "c1", "name_vi": "X"}, headers=h)
    assert bad.status_code == 422 and "prefix" in bad.text
    c = client.post(f"/api/v1/admin/sites/{hall.site_id}/counters",
                    json={"number": 9, "services": [{"service_id": svc.json()["id"], "weight": 2}]}, headers=h)
    assert c.status_code == 201 and c.json()["name"] == "Quầy 9"
    pol = client.patch(f"/api/v1/admin/sites/{hall.site_id}", json={"policy": {"mode": "sometimes"}}, headers=h)
    assert pol.status_code == 422


def test_display_snapshot_shows_counters_calls_and_waiting(client, hall):
    h = bearer(login(client, "giam")["token"])
    client.cookies.clear()
    for _ in range(2):
        client.post("/api/v1/tickets", json={"service_id": hall.a}, headers=bearer(hall.kiosk_token))
    client.post(f"/api/v1/counters/{hall.c3}/open", headers=h)
    client.post(f"/api/v1/counters/{hall.c3}/call-next", headers=h)
    snap = client.get("/api/v1/display/snapshot", params={"counters": "3"}).json()
    assert [c["number"] for c in snap["counters"]] == [3]
    assert snap["counters"][0]["current"]["code"] == "A001"
    assert snap["last_calls"][0]["code"] == "A001" and snap["last_calls"][0]["counter_number"] == 3
    waiting = {w["code"]: w["waiting"] for w in snap["waiting"]}
    assert waiting["HT"] == 1
    assert snap["last_event_id"] > 0
    bad = client.get("/api/v1/display/snapshot", params={"counters": "ba"})
    assert bad.status_code == 422 and "counters" in bad.json()["detail"]


def test_openapi_is_published(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/tickets" in spec["paths"] and "/api/v1/counters/{counter_id}/call-next" in spec["paths"]


def test_database_down_gives_503_with_a_retry_message(hall, ctx, tmp_path):
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        broken = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
        real, ctx.db = ctx.db, broken
        try:
            r = c.post("/api/v1/tickets", json={"service_id": hall.a}, headers=bearer(hall.kiosk_token))
            assert r.status_code == 503
            assert r.headers["retry-after"] == "5"
            assert "thử lại" in r.json()["detail"]
            assert "Traceback" not in r.text
        finally:
            ctx.db = real
            broken.dispose()
