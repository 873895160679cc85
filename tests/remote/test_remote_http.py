"""Remote numbers over HTTP: the public page and API, the kiosk's check-in, the admin API.
Bad input is a clear 4xx naming the field, never a 5xx."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from queue_server.services import admin
from queue_server.services.context import SYSTEM
from queue_server.services.remote import settings

PASSWORD = "mat-khau-an-toan"


@pytest.fixture
def client(hall, ctx):
    settings.update_settings(ctx, SYSTEM, hall.site_id, {"enabled": True})
    settings.update_service(ctx, SYSTEM, hall.a, enabled=True, daily_quota=3)
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        yield c


def kiosk(hall):
    return {"Authorization": f"Bearer {hall.kiosk_token}"}


def take(client, hall, phone="0912 345 678", **kw):
    return client.post("/api/v1/remote/tickets", json={"service_id": hall.a, "phone": phone}, **kw)


def test_the_public_page_lists_the_open_services_without_anything_personal(client, hall):
    page = client.get("/remote")
    assert page.status_code == 200 and "Lấy số từ xa" in page.text
    assert "motcua_rdev" in page.headers["set-cookie"] and "HttpOnly" in page.headers["set-cookie"]
    listed = client.get("/api/v1/remote/services").json()
    assert [s["code"] for s in listed["services"]] == ["HT"]  # only the service open for remote numbers
    assert listed["services"][0]["left_today"] == 3 and listed["services"][0]["available"] is True
    assert listed["hours"] == ["07:30–11:30", "13:30–17:00"]


def test_taking_a_number_opens_the_live_page_showing_not_checked_in(client, hall):
    client.get("/remote")  # the browser's id cookie
    r = take(client, hall)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["code"] == "A001" and body["state"] == "absent" and body["checkin_code"].startswith("R")
    assert r.headers["cache-control"] == "no-store"
    assert "0912" not in r.text and "phone" not in body
    page = client.get(body["position_path"])
    assert page.status_code == 200 and "A001" in page.text and "Chưa có mặt" in page.text
    assert body["checkin_code"] in page.text  # its holder's own code, for the kiosk
    position = client.get(f"/api/v1/tickets/{body['ticket_id']}/position?k={body['position_key']}").json()
    assert position["ticket"]["state"] == "absent" and position["remote"]["checkin_code"] == body["checkin_code"]
    # the same browser (its cookie) cannot take a second one with another phone
    again = take(client, hall, "0987 654 321")
    assert again.status_code == 409 and "A001" in again.json()["detail"]


@pytest.mark.parametrize("phone", ["", "123", "02812345678", "0912-345-67a", "09123456789", " "])
def test_a_wrong_phone_number_is_a_422_naming_the_field(client, hall, phone):
    r = take(client, hall, phone)
    assert r.status_code == 422
    body = r.json()
    assert body["field"] == "phone" and "điện thoại" in body["detail"] and body["detail_en"]


@pytest.mark.parametrize("payload", [{}, {"service_id": "x", "phone": "0912345678"}, {"service_id": 0},
                                     {"service_id": 2**40, "phone": "0912345678"}, {"service_id": 1, "phone": 912},
                                     {"service_id": 1, "phone": "0" * 500}, [], "null"])
def test_bad_bodies_are_4xx_never_5xx(client, hall, payload):
    r = client.post("/api/v1/remote/tickets", json=payload)
    assert 400 <= r.status_code < 500, r.text


def test_refusals_are_clear_conflicts(client, hall):
    r = client.post("/api/v1/remote/tickets", json={"service_id": hall.b, "phone": "0912345678"})
    assert r.status_code == 409 and "không nhận lấy số từ xa" in r.json()["detail"]
    r = client.post("/api/v1/remote/tickets", json={"service_id": 99999, "phone": "0912345678"})
    assert r.status_code == 404


def test_too_many_numbers_from_one_address_is_429(client, hall, ctx):
    settings.update_service(ctx, SYSTEM, hall.a, daily_quota=100)
    from queue_server.services.remote.numbers import TAKES_PER_HOUR

    for i in range(TAKES_PER_HOUR):
        client.cookies.clear()
        assert take(client, hall, f"09120000{i:02d}").status_code == 201
    client.cookies.clear()
    r = take(client, hall, "0912999999")
    assert r.status_code == 429 and r.headers.get("retry-after") and "ki-ốt" in r.json()["detail"]


def test_the_kiosk_checks_in_by_code_and_a_wrong_code_is_the_same_404(client, hall):
    body = take(client, hall).json()
    unknown = client.post("/api/v1/checkin", json={"code": "R2345678"}, headers=kiosk(hall))
    malformed = client.post("/api/v1/checkin", json={"code": "xin chào"}, headers=kiosk(hall))
    assert unknown.status_code == malformed.status_code == 404
    strip = lambda j: {k: v for k, v in j.items() if k != "request_id"}  # noqa: E731
    assert strip(unknown.json()) == strip(malformed.json())
    assert client.post("/api/v1/checkin", json={"code": body["checkin_code"]}).status_code == 401
    done = client.post("/api/v1/checkin", json={"code": body["checkin_code"].lower()}, headers=kiosk(hall))
    assert done.status_code == 200, done.text
    out = done.json()
    assert out["code"] == "A001" and out["ticket"]["state"] == "waiting" and out["already_checked_in"] is False
    assert "priority" not in out["ticket"]
    again = client.post("/api/v1/checkin", json={"code": body["checkin_code"]}, headers=kiosk(hall)).json()
    assert again["already_checked_in"] is True
    for bad in ({}, {"code": 5}, {"code": "x" * 500}, {"code": None}):
        assert client.post("/api/v1/checkin", json=bad, headers=kiosk(hall)).status_code == 422


def test_the_poster_page_checks_in_the_phone_that_took_the_number(client, hall, ctx):
    client.get("/remote")
    body = take(client, hall).json()
    boss = admin.create_user(ctx, SYSTEM, username="quantri", password=PASSWORD, role="admin", site_id=hall.site_id)
    assert boss
    login = client.post("/api/v1/auth/login", json={"username": "quantri", "password": PASSWORD})
    token = login.json()["token"]
    poster = client.get("/api/v1/admin/remote/poster", headers={"Authorization": f"Bearer {token}"}).json()
    key = poster["url"].split("p=")[1]
    page = client.get("/" + poster["url"].split("//", 1)[1].split("/", 1)[1])
    assert page.status_code == 200 and "Tôi đã có mặt" in page.text
    wrong = client.post("/api/v1/remote/poster-checkin", json={"site": "phuong-1", "p": "0" * 16})
    assert wrong.status_code == 404 and wrong.json()["field"] == "p"
    done = client.post("/api/v1/remote/poster-checkin", json={"site": "phuong-1", "p": key})
    assert done.status_code == 200, done.text
    assert done.json()["position_path"] == body["position_path"]


def test_the_admin_api_changes_the_rules_with_field_errors(client, hall, ctx):
    admin.create_user(ctx, SYSTEM, username="quantri", password=PASSWORD, role="admin", site_id=hall.site_id)
    token = client.post("/api/v1/auth/login", json={"username": "quantri", "password": PASSWORD}).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    now = client.get("/api/v1/admin/remote", headers=auth).json()
    assert now["enabled"] is True and [s["code"] for s in now["services"]] == ["HT", "CT"]
    bad = client.put("/api/v1/admin/remote", json={"hours_from": "25:00"}, headers=auth)
    assert bad.status_code == 422 and bad.json()["field"] == "hours_from"
    ok = client.put("/api/v1/admin/remote", json={"checkin_minutes": 30, "version": now["version"]}, headers=auth)
    assert ok.status_code == 200 and ok.json()["checkin_minutes"] == 30
    stale = client.put("/api/v1/admin/remote", json={"checkin_minutes": 40, "version": now["version"]}, headers=auth)
    assert stale.status_code == 409
    svc = client.put(f"/api/v1/admin/remote/services/{hall.b}", json={"enabled": True, "daily_quota": 7},
                     headers=auth)
    assert svc.status_code == 200 and svc.json()["daily_quota"] == 7
    assert client.put(f"/api/v1/admin/remote/services/{hall.b}", json={"daily_quota": -1},
                      headers=auth).json()["field"] == "daily_quota"
    client.cookies.clear()
    assert client.put("/api/v1/admin/remote", json={"enabled": False}).status_code == 401
    trail = client.get(f"/api/v1/admin/sites/{hall.site_id}/audit?kind=admin.remote_settings_changed", headers=auth)
    assert trail.status_code == 200 and len(trail.json()["events"]) >= 1


def test_the_kiosks_one_check_in_takes_a_booking_code_too_and_an_unknown_one_like_a_remote_code(client, hall):
    """The kiosk's "Tôi đã đặt lịch / đã lấy số từ xa" sends every code to POST /api/v1/checkin:
    an appointment's booking code ("H...") becomes its waiting ticket there."""
    from datetime import date

    from queue_server.services import appointments as appts
    from queue_server.services.context import ANONYMOUS

    ctx = hall.ctx
    appts.update_settings(ctx, hall.supervisor, hall.a, {
        "enabled": True, "slot_minutes": 30, "capacity": 2, "weekdays": [0, 1, 2, 3, 4],
        "windows": ["08:00-11:00"], "book_ahead_days": 14, "early_minutes": 60, "late_minutes": 15,
        "share_percent": 50})
    b = appts.book(ctx, ANONYMOUS, client="ip:test", site_id=hall.site_id, day=date(2026, 3, 2), start="09:00",
                   name="Nguyễn Văn An", phone="0912345678", service_id=hall.a)
    kiosk = {"Authorization": f"Bearer {hall.kiosk_token}"}
    r = client.post("/api/v1/checkin", json={"code": b["code"]}, headers=kiosk)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "appointment" and body["ticket"]["state"] == "waiting"
    assert body["code"].startswith("A") and body["service_name_vi"] == "Hộ tịch"
    assert "priority" not in body["ticket"] and body["position_url"].endswith(f"/t/{body['ticket_id']}?k=" +
                                                                               body["position_url"].split("k=")[1])
    again = client.post("/api/v1/checkin", json={"code": b["code"]}, headers=kiosk).json()
    assert again["already_checked_in"] and again["ticket_id"] == body["ticket_id"]
    unknown_h = client.post("/api/v1/checkin", json={"code": "H2345678"}, headers=kiosk)
    unknown_r = client.post("/api/v1/checkin", json={"code": "R2345678"}, headers=kiosk)
    assert unknown_h.status_code == unknown_r.status_code == 404
    assert unknown_h.json()["detail"] == unknown_r.json()["detail"]


def test_a_bookings_qr_held_to_the_kiosk_checks_it_in_and_a_forged_one_is_unknown(client, hall):
    """The booking's QR holds its page's address (/appointments/b/{id}?k=KEY); a camera or a
    scanner at the kiosk sends that text, in capitals too, to the one check-in."""
    from datetime import date

    from queue_server.services import appointments as appts
    from queue_server.services.context import ANONYMOUS

    ctx = hall.ctx
    appts.update_settings(ctx, hall.supervisor, hall.a, {
        "enabled": True, "slot_minutes": 30, "capacity": 2, "weekdays": [0, 1, 2, 3, 4],
        "windows": ["08:00-11:00"], "book_ahead_days": 14, "early_minutes": 60, "late_minutes": 15,
        "share_percent": 50})
    b = appts.book(ctx, ANONYMOUS, client="ip:qr", site_id=hall.site_id, day=date(2026, 3, 2), start="09:00",
                   name="Trần Thị Bình", phone="0987654321", service_id=hall.a)
    page = client.get("/api/v1/appointments/lookup", params={"code": b["code"]})
    url = page.json()["page_url"] if page.status_code == 200 else None
    assert url and f"/appointments/b/{b['id']}?k=" in url
    kiosk = {"Authorization": f"Bearer {hall.kiosk_token}"}
    forged = client.post("/api/v1/checkin", json={"code": url[:-1] + ("0" if url[-1] != "0" else "1")}, headers=kiosk)
    assert forged.status_code == 404
    r = client.post("/api/v1/checkin", json={"code": url.upper()}, headers=kiosk)
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "appointment" and r.json()["ticket"]["state"] == "waiting"
