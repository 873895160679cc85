"""The agencies' API as the pages use it: a dossier travels desk → QLDT → VP → desk, each
step through the API with that department's own processor account; the control slip then
has one row per hand-off naming the receiving agency and its mark; the citizen's lookup
says who holds the dossier, never who works there."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from queue_server.services import admin
from queue_server.services.context import SYSTEM
from tests.agencies.helpers import PROCEDURE, build_agencies
from tests.conftest import PASSWORD
from tests.dossiers.helpers import at_local, payload, pdf_text


@pytest.fixture
def client(hall, ctx):
    admin.create_user(ctx, SYSTEM, username="root", password=PASSWORD, role="admin", full_name="Quản Trị",
                      site_id=hall.site_id)
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        yield c


def login(client: TestClient, username: str) -> dict[str, str]:
    """A fresh login (the tests move the clock by days: a session would have gone idle)."""
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_agencies_routes_and_processor_accounts_through_the_admin_api(client, hall) -> None:
    root = login(client, "root")
    made = client.post("/api/v1/agencies", headers=root, json={"site": "phuong-1", "code": "QLDT",
                                                               "name_vi": "Phòng Quản lý đô thị"})
    assert made.status_code == 201, made.text
    agency = made.json()
    assert agency["site_code"] == "phuong-1" and agency["active"] is True
    again = client.post("/api/v1/agencies", headers=root, json={"site": "phuong-1", "code": "qldt", "name_vi": "X"})
    assert again.status_code == 409 and "QLDT" in again.json()["detail"]
    bad_hours = client.post("/api/v1/agencies", headers=root, json={"site": "phuong-1", "code": "VP", "name_vi": "VP",
                                                                    "hours": {"mon": ["17:00-08:00"]}})
    assert bad_hours.status_code == 422 and bad_hours.json()["field"].startswith("hours")
    patched = client.patch(f"/api/v1/agencies/{agency['id']}", headers=root, json={"days_off": ["2026-03-04"]})
    assert patched.json()["days_off"] == ["2026-03-04"]
    no_agency = client.post("/api/v1/admin/users", headers=root, json={"username": "p1", "password": PASSWORD,
                                                                        "role": "processor"})
    assert no_agency.status_code == 422 and no_agency.json()["field"] == "agency_id"
    p = client.post("/api/v1/admin/users", headers=root, json={"username": "p1", "password": PASSWORD,
                                                                "role": "processor", "agency_id": agency["id"]})
    assert p.status_code == 201 and p.json()["agency_id"] == agency["id"] and p.json()["site_id"] == hall.site_id
    me = client.get("/api/v1/auth/me", headers=login(client, "p1")).json()
    assert me["role"] == "processor" and me["agency_id"] == agency["id"]
    route = client.put(f"/api/v1/procedures/{PROCEDURE}/route?site=phuong-1", headers=root,
                       json={"route": [{"agency": "QLDT", "share": 0.7}, {"agency": "QLDT", "share": 0.5}]})
    assert route.status_code == 422 and route.json()["field"] == "route"
    route = client.put(f"/api/v1/procedures/{PROCEDURE}/route?site=phuong-1", headers=root,
                       json={"route": [{"agency": "QLDT", "share": 0.6}]})
    assert route.status_code == 200, route.text
    assert route.json()["route"] == [{"agency_id": agency["id"], "agency_code": "QLDT", "site_code": "phuong-1",
                                      "name_vi": "Phòng Quản lý đô thị", "name_en": "", "share": 0.6}]
    assert client.get(f"/api/v1/procedures/{PROCEDURE}/route?site=phuong-1",
                      headers=login(client, "an")).json()["route"][0]["agency_id"] == agency["id"]
    # a processor has no clerk rights: no tickets, no receptions
    trail = client.get(f"/api/v1/admin/sites/{hall.site_id}/audit", headers=root).json()["events"]
    assert {"admin.agency_created", "admin.agency_updated", "admin.route_changed"} <= {e["kind"] for e in trail}
    p1 = login(client, "p1")
    assert client.post("/api/v1/dossiers", headers=p1, json=payload(PROCEDURE)).status_code == 403
    assert client.post(f"/api/v1/counters/{hall.c1}/call-next", headers=p1).status_code == 403
    assert client.post(f"/api/v1/counters/{hall.c1}/open", headers=p1).status_code == 403
    assert [a["code"] for a in client.get("/api/v1/agencies", headers=p1).json()["agencies"]] == ["QLDT"]


def test_a_dossier_travels_desk_qldt_vp_desk_through_the_api(client, ctx, hall, clock) -> None:
    ag = build_agencies(ctx, hall)
    at_local(clock, "2026-03-02 09:00")
    d = client.post("/api/v1/dossiers", headers=login(client, "an"), json=payload(PROCEDURE)).json()
    at_local(clock, "2026-03-02 10:00")
    off = client.post(f"/api/v1/dossiers/{d['id']}/handoffs", headers=login(client, "an"), json={"to_agency_id": ag.tnmt})
    assert off.status_code == 422 and off.json()["errors"][0]["field"] == "reason"
    out = client.post(f"/api/v1/dossiers/{d['id']}/handoffs", headers=login(client, "an"), json={"to_agency_id": ag.qldt})
    assert out.status_code == 200, out.text
    h1 = out.json()["handoffs"][0]["id"]

    assert client.get(f"/api/v1/agencies/{ag.qldt}/inbox", headers=login(client, "vp1")).status_code == 403
    assert client.post(f"/api/v1/handoffs/{h1}/sign", headers=login(client, "vp1")).status_code == 403
    box = client.get(f"/api/v1/agencies/{ag.qldt}/inbox", headers=login(client, "qldt1")).json()
    assert [i["handoff_id"] for i in box["pending"]] == [h1]
    assert box["pending"][0]["procedure"]["code"] == PROCEDURE and "applicant" not in box["pending"][0]
    at_local(clock, "2026-03-02 14:00")
    assert client.post(f"/api/v1/handoffs/{h1}/sign", headers=login(client, "qldt1")).status_code == 200
    second = client.post(f"/api/v1/handoffs/{h1}/sign", headers=login(client, "qldt2"))
    assert second.status_code == 409 and "đã được ký nhận" in second.json()["detail"]
    assert client.post(f"/api/v1/handoffs/{h1}/notes", headers=login(client, "qldt1"), json={"text": "Đã đo đạc"}).status_code == 200
    at_local(clock, "2026-03-04 10:00")
    fwd = client.post(f"/api/v1/handoffs/{h1}/forward", headers=login(client, "qldt1"), json={"to_agency_id": ag.vp})
    assert fwd.status_code == 200, fwd.text
    h2 = client.get(f"/api/v1/agencies/{ag.vp}/inbox", headers=login(client, "vp1")).json()["pending"][0]["handoff_id"]
    assert client.post(f"/api/v1/handoffs/{h2}/sign", headers=login(client, "vp1")).status_code == 200
    at_local(clock, "2026-03-13 09:00")  # after VP's step deadline (Thursday 12/03 10:00)
    empty = client.post(f"/api/v1/handoffs/{h2}/return", headers=login(client, "vp1"), json={})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "result"
    back = client.post(f"/api/v1/handoffs/{h2}/return", headers=login(client, "vp1"), json={"result": "Đã cấp giấy chứng nhận"})
    assert back.status_code == 200, back.text

    view = client.get(f"/api/v1/dossiers/{d['id']}", headers=login(client, "an")).json()
    assert view["state"] == "result_ready" and view["current_agency_id"] is None
    assert [(r["to_name"], r["timing"]) for r in view["handoffs"]] == [
        ("Phòng Quản lý đô thị", "early"), ("Văn phòng UBND phường", "late"),
        ("Bộ phận tiếp nhận và trả kết quả", "early")]
    assert client.post(f"/api/v1/handoffs/{view['handoffs'][2]['id']}/sign", headers=login(client, "an")).status_code == 200

    slip = client.get(f"/api/v1/dossiers/{d['id']}/control-slip.pdf", headers=login(client, "an"))
    assert slip.status_code == 200
    text = " ".join(pdf_text(slip.content))
    flat = " ".join(text.split())
    # one row per hand-off: "n. Giao: <from> Nhận: <to> ... <mark> ..." up to the next row
    rows = re.split(r"\b\d\. Giao: ", flat.split("GHI CHÚ", 1)[1])[1:]
    assert len(rows) == 3
    expected = (("Phòng Quản lý đô thị", "Trước hạn"), ("Văn phòng UBND phường", "Quá hạn"),
                ("Bộ phận tiếp nhận và trả kết quả", "Trước hạn"))
    for row, (agency, mark) in zip(rows, expected, strict=True):
        receiver = row.split("Nhận: ", 1)[1]
        assert receiver.startswith(agency), row
        assert mark in row and sum(m in row for m in ("Trước hạn", "Đúng hạn", "Quá hạn")) == 1, row
    assert "Cán bộ qldt1" in flat and "Cán bộ vp1" in flat  # who signed for each row

    load = client.get("/api/v1/agencies/load", headers=login(client, "giam")).json()["agencies"]
    assert {a["code"]: (a["done_on_time"], a["done_late"]) for a in load} == {
        "QLDT": (1, 0), "VP": (0, 1), "TNMT": (0, 0)}
    assert client.get("/api/v1/agencies/load", headers=login(client, "qldt1")).status_code == 403


def test_the_public_lookup_names_the_holding_agency_and_dates_never_staff(client, ctx, hall, clock) -> None:
    ag = build_agencies(ctx, hall)
    at_local(clock, "2026-03-02 09:00")
    d = client.post("/api/v1/dossiers", headers=login(client, "an"), json=payload(PROCEDURE)).json()
    at_local(clock, "2026-03-02 10:00")
    h1 = client.post(f"/api/v1/dossiers/{d['id']}/handoffs", headers=login(client, "an"),
                     json={"to_agency_id": ag.qldt}).json()["handoffs"][0]["id"]
    client.post(f"/api/v1/handoffs/{h1}/sign", headers=login(client, "qldt1"))
    client.post(f"/api/v1/handoffs/{h1}/notes", headers=login(client, "qldt1"), json={"text": "Ghi chú nội bộ"})
    public = client.get("/api/v1/dossiers/lookup", params={"code": d["code"], "key": d["lookup_code"]})
    assert public.status_code == 200
    body = public.json()
    assert body["held_by"]["name_vi"] == "Phòng Quản lý đô thị"
    assert body["held_by"]["since_vi"].startswith("10 giờ 00 phút")
    assert [r["to_name"] for r in body["handoffs"]] == ["Phòng Quản lý đô thị"]
    assert body["handoffs"][0]["received_at_vi"] and body["handoffs"][0]["step_due_at_vi"]
    assert [s["name_vi"] for s in body["route"]] == ["Phòng Quản lý đô thị", "Văn phòng UBND phường"]
    text = public.text
    for staff in ("Cán bộ qldt1", "qldt1", "Ghi chú nội bộ", '"an"', "handed_by", "received_by"):
        assert staff not in text
