"""The appointments API as the public booking page, the kiosk and the supervisor's page use
it: no name or phone in any public answer, a wrong key or code answers like an unknown one,
bad input is a 4xx naming the field (Vietnamese, then English), never a 5xx."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from tests.conftest import PASSWORD

RULE = {"enabled": True, "slot_minutes": 30, "capacity": 2, "weekdays": [0, 1, 2, 3, 4],
        "windows": ["08:00-11:00", "14:00-16:30"], "book_ahead_days": 14, "early_minutes": 30,
        "late_minutes": 15, "share_percent": 50}
NAME = "Nguyễn Thị Hoa"


@pytest.fixture
def client(hall, ctx):
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        yield c


def bearer(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture
def opened(client, hall):
    r = client.put(f"/api/v1/appointments/settings/{hall.a}", json=RULE, headers=bearer(client, "giam"))
    assert r.status_code == 200, r.text
    return client


def mistype(code: str) -> str:
    """The code with its last character typed wrong (a character of the code alphabet)."""
    return code[:-1] + ("2" if code[-1] != "2" else "3")


def book(client, hall, **kw):
    body = {"service_id": hall.a, "day": "2026-03-03", "time": "09:00", "name": NAME, "phone": "0912 345 678", **kw}
    return client.post("/api/v1/appointments", json=body)


def test_a_citizen_books_opens_the_page_of_its_qr_and_cancels(opened, hall):
    client = opened
    options = client.get("/api/v1/appointments/options").json()
    assert [s["id"] for s in options["services"]] == [hall.a] and options["site"]["name"] == "UBND Phường 1"
    days = client.get(f"/api/v1/appointments/days?service_id={hall.a}").json()["days"]
    assert days[0]["day"] == "2026-03-02" and days[5]["slots"] == 0  # Saturday 07/03
    slots = client.get(f"/api/v1/appointments/slots?service_id={hall.a}&day=2026-03-03").json()["slots"]
    assert slots[2] == {"time": "09:00", "starts_at": "2026-03-03T02:00:00+00:00", "capacity": 2, "free": 2,
                        "past": False}
    r = book(client, hall)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["code"].startswith("H") and out["qr"].startswith("data:image/svg+xml;base64,")
    assert r.headers["cache-control"] == "no-store"
    assert NAME not in r.text and "0912345678" not in r.text
    page = out["page_url"].removeprefix(hall.ctx.settings.effective_public_url)
    assert page.startswith(f"/appointments/b/{out['id']}?k=")
    html = client.get(page)
    assert html.status_code == 200 and "Lịch hẹn" in html.text and html.headers["cache-control"] == "no-store"
    key = page.split("k=")[1]
    view = client.get(f"/api/v1/appointments/bookings/{out['id']}?k={key}").json()
    assert view["code"] == out["code"] and view["state"] == "booked" and NAME not in str(view)
    assert client.get(f"/api/v1/appointments/slots?service_id={hall.a}&day=2026-03-03").json()["slots"][2]["free"] == 1
    cancelled = client.post(f"/api/v1/appointments/bookings/{out['id']}/cancel?k={key}")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert client.get(f"/api/v1/appointments/slots?service_id={hall.a}&day=2026-03-03").json()["slots"][2]["free"] == 2


def test_a_wrong_key_or_code_answers_exactly_like_an_unknown_booking(opened, hall):
    client = opened
    out = book(client, hall).json()
    wrong = client.get(f"/api/v1/appointments/bookings/{out['id']}?k=000000000000")
    unknown = client.get(f"/api/v1/appointments/bookings/{out['id'] + 99}?k=000000000000")
    missing = client.get(f"/api/v1/appointments/bookings/{out['id']}")
    assert wrong.status_code == unknown.status_code == missing.status_code == 404
    assert wrong.json()["detail"] == unknown.json()["detail"] == missing.json()["detail"]
    pages = [client.get(f"/appointments/b/{out['id']}?k=nope"), client.get("/appointments/b/999999?k=abc"),
             client.get("/appointments/b/x"), client.get("/t/1?k=nope")]
    assert {p.status_code for p in pages} == {404} and len({p.content for p in pages}) == 1
    assert client.post(f"/api/v1/appointments/bookings/{out['id']}/cancel?k=bad").status_code == 404
    found = client.get("/api/v1/appointments/lookup", params={"code": out["code"].lower()})
    assert found.status_code == 200 and found.json()["page_url"].endswith(out["page_url"].split("/b/")[1])
    a = client.get("/api/v1/appointments/lookup", params={"code": "H2222222"})
    b = client.get("/api/v1/appointments/lookup", params={"code": mistype(out["code"])})
    c = client.get("/api/v1/appointments/lookup", params={"code": "xyz"})
    assert a.status_code == b.status_code == c.status_code == 404 and a.json()["detail"] == c.json()["detail"]


@pytest.mark.parametrize("change, field", [
    ({"phone": "123"}, "phone"), ({"phone": "0212345678"}, "phone"), ({"name": "A"}, "name"),
    ({"time": "9h"}, "time"), ({"time": "09:10"}, "time"), ({"day": "2026-13-01"}, "day"),
    ({"service_id": 0}, "service_id"), ({"procedure_code": "9.9"}, "procedure_code"),
    ({"name": "x" * 300}, "name"), ({"service_id": None}, "service_id"),
])
def test_bad_input_names_the_field(opened, hall, change, field):
    r = book(opened, hall, **change)
    assert r.status_code == 422, r.text
    body = r.json()
    assert field in (body.get("field") or "") + str(body.get("errors", "")) + body["detail"] + body["detail_en"]
    assert body["detail"] != body["detail_en"]


@pytest.mark.parametrize("day, time, reason", [
    ("2026-03-02", "08:00", "past"), ("2026-03-07", "09:00", "day_off"), ("2026-04-30", "09:00", "day_off"),
    ("2026-03-20", "09:00", "too_far"),
])
def test_slots_that_cannot_be_booked_are_409_naming_why(opened, hall, day, time, reason):
    r = book(opened, hall, day=day, time=time)
    assert r.status_code == 409 and r.json()["reason"] == reason, r.text


def test_a_full_slot_and_a_closed_service_are_409(opened, hall):
    book(opened, hall)
    book(opened, hall, phone="0987654321")
    full = book(opened, hall, phone="0977654321")
    assert full.status_code == 409 and full.json()["reason"] == "full" and "hết chỗ" in full.json()["detail"]
    closed = book(opened, hall, service_id=hall.b)
    assert closed.status_code == 409 and closed.json()["reason"] == "closed"


def test_junk_never_gives_a_5xx(opened, hall):
    junk = [{"day": "0001-01-01"}, {"day": "9999-12-31"}, {"time": "99:99"}, {"time": "\x00"},
            {"service_id": 2**40}, {"name": "\u202e" * 5}, {"phone": "+84" + "9" * 30}, {"procedure_code": ""}]
    for change in junk:
        assert book(opened, hall, **change).status_code < 500, change
    for path in ("/api/v1/appointments/slots?service_id=999&day=2026-03-03", "/api/v1/appointments/days?service_id=0",
                 "/api/v1/appointments/slots?service_id=1&day=x", "/api/v1/appointments/lookup?code=%00",
                 f"/api/v1/appointments/bookings/{2**63}?k=a", "/api/v1/appointments/bookings/-1?k=a"):
        assert opened.get(path).status_code < 500, path


def test_the_kiosk_checks_in_by_code_and_gets_a_ticket_or_a_walk_in_offer(opened, hall):
    client = opened
    out = book(client, hall, day="2026-03-02", time="10:00").json()
    kiosk = {"Authorization": f"Bearer {hall.kiosk_token}"}
    assert client.post("/api/v1/appointments/check-in", json={"code": out["code"]}).status_code == 401
    early = client.post("/api/v1/appointments/check-in", json={"code": out["code"]}, headers=kiosk)
    assert early.status_code == 409 and early.json()["walk_in"] is True and early.json()["reason"] == "too_early"
    hall.ctx.clock.advance(minutes=75)  # 09:45
    r = client.post("/api/v1/appointments/check-in", json={"code": out["code"]}, headers=kiosk)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["channel"] == "appointment" and body["ticket"]["state"] == "waiting"
    assert body["position_url"].endswith(f"/t/{body['ticket']['id']}?k={body['position_key']}")
    assert "priority" not in body["ticket"]  # a kiosk gets the public form
    assert client.get(body["position_url"].removeprefix(hall.ctx.settings.effective_public_url)).status_code == 200
    unknown = client.post("/api/v1/appointments/check-in", json={"code": "H2222222"}, headers=kiosk)
    mistyped = client.post("/api/v1/appointments/check-in", json={"code": mistype(out["code"])}, headers=kiosk)
    assert unknown.status_code == mistyped.status_code == 404 and unknown.json()["detail"] == mistyped.json()["detail"]
    from queue_server.services import admin
    from queue_server.services.context import SYSTEM

    display = admin.create_device(hall.ctx, SYSTEM, hall.site_id, kind="display", name="TV sảnh")
    tv = {"Authorization": f"Bearer {display['token']}"}
    assert client.post("/api/v1/appointments/check-in", json={"code": out["code"]}, headers=tv).status_code == 403


def test_settings_and_the_day_are_for_supervisors_and_hold_the_names(opened, hall):
    client = opened
    book(client, hall)
    clerk = bearer(client, "an")
    boss = bearer(client, "giam")
    assert client.get("/api/v1/appointments/settings").status_code == 401
    assert client.get("/api/v1/appointments/settings", headers=clerk).status_code == 403
    assert client.get(f"/api/v1/appointments/day?service_id={hall.a}&day=2026-03-03", headers=clerk).status_code == 403
    bad = client.put(f"/api/v1/appointments/settings/{hall.a}", json={**RULE, "share_percent": 95}, headers=boss)
    assert bad.status_code == 422 and bad.json()["field"] == "share_percent"
    bad = client.put(f"/api/v1/appointments/settings/{hall.a}", json={**RULE, "windows": ["8h-11h"]}, headers=boss)
    assert bad.status_code == 422 and bad.json()["field"] == "windows"
    day = client.get(f"/api/v1/appointments/day?service_id={hall.a}&day=2026-03-03", headers=boss).json()
    [slot] = [s for s in day["slots"] if s["time"] == "09:00"]
    assert slot["bookings"][0]["name"] == NAME and slot["bookings"][0]["phone"] == "0912345678"
    assert client.get("/supervisor/appointments").status_code == 200
    assert client.get("/appointments").status_code == 200


def test_the_admin_services_tab_leads_to_the_appointment_settings(client, hall):
    import re

    page = client.get("/admin")
    assert page.status_code == 200
    links = re.findall(r'href="(/supervisor/appointments)"', page.text)
    assert links, "the admin page names where appointments are set"
    target = client.get(links[0])
    assert target.status_code == 200 and "Lịch hẹn" in target.text
