"""/admin's site setup, holiday calendar and catalogue upload over HTTP: anonymous callers
and supervisors writing are refused, bad input is a 422 naming the field (Vietnamese first)
and writes nothing, two admins saving from one version get a 409 with what changed, and
the slip's position_url follows the site's public address. On both engines."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from queue_server.api.app import create_app
from queue_server.services import admin
from queue_server.services.catalog_files import DEMO_CATALOG
from queue_server.services.context import SYSTEM
from queue_server.store.tables import Event, HolidayYear
from tests.conftest import PASSWORD

WEEK = {d: ["07:30-11:30", "13:30-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def client(hall, ctx):
    for username, name in (("lan", "Trần Thị Lan"), ("minh", "Lê Văn Minh")):
        admin.create_user(ctx, SYSTEM, username=username, password=PASSWORD, role="admin", full_name=name)
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        yield c


def bearer(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def site(client, hall, h):  # noqa: ANN001, ANN201
    r = client.get(f"/api/v1/admin/sites/{hall.site_id}", headers=h)
    assert r.status_code == 200
    return r.json()


def events(ctx, kind: str) -> int:  # noqa: ANN001
    with ctx.db.reading() as s:
        return s.scalar(select(func.count()).select_from(Event).where(Event.kind == kind))


def test_anonymous_callers_and_supervisors_writing_are_refused(client, hall, ctx) -> None:
    sid = hall.site_id
    writes = [("PATCH", f"/api/v1/admin/sites/{sid}", {"display_notice": "x"}),
              ("PUT", "/api/v1/admin/holidays/2028", {"status": "official", "days_off": []}),
              ("DELETE", "/api/v1/admin/holidays/2026", None)]
    for method, url, body in [*writes, ("GET", f"/api/v1/admin/sites/{sid}", None),
                              ("GET", "/api/v1/admin/holidays", None), ("GET", "/api/v1/admin/holidays/2026", None)]:
        assert client.request(method, url, json=body).status_code == 401, url
    r = client.post(f"/api/v1/admin/sites/{sid}/catalog", content=DEMO_CATALOG.read_bytes())
    assert r.status_code == 401
    giam = bearer(client, "giam")
    for method, url, body in writes:
        r = client.request(method, url, json=body, headers=giam)
        assert r.status_code == 403 and "quyền" in r.json()["detail"], url
    r = client.post(f"/api/v1/admin/sites/{sid}/catalog", content=DEMO_CATALOG.read_bytes(), headers=giam)
    assert r.status_code == 403
    # a supervisor reads
    assert client.get(f"/api/v1/admin/sites/{sid}", headers=giam).status_code == 200
    assert client.get("/api/v1/admin/holidays", headers=giam).status_code == 200
    assert events(ctx, "admin.site_updated") == 0 and events(ctx, "catalog.imported") == 0


def test_the_site_setup_is_saved_once_with_one_audit_event_and_shown_to_the_hall(client, hall, ctx) -> None:
    lan = bearer(client, "lan")
    read = site(client, hall, lan)
    assert read["working_hours"] is None and read["public_url"] == "" and read["display_notice"] == ""
    assert read["hours_in_effect"]["mon"] == ["07:30-11:30", "13:30-17:00"] and read["hours_in_effect"]["sat"] == []
    notice = "Giờ làm việc: 7:30–11:30, 13:30–17:00"
    r = client.patch(f"/api/v1/admin/sites/{hall.site_id}", headers=lan, json={
        "working_hours": {**WEEK, "sat": ["7:30-11:30"], "swapped_day": ["07:30-11:30", "13:30-17:00"]},
        "public_url": "http://10.0.0.2:8000/", "display_notice": notice, "version": read["version"]})
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["working_hours"]["sat"] == ["07:30-11:30"] and saved["hours_in_effect"]["sat"] == ["07:30-11:30"]
    assert saved["public_url"] == "http://10.0.0.2:8000" == saved["public_url_in_effect"]
    assert saved["display_notice"] == notice and saved["version"] == read["version"] + 1
    assert events(ctx, "admin.site_updated") == 1
    trail = client.get(f"/api/v1/admin/sites/{hall.site_id}/audit", headers=lan).json()["events"]
    assert trail[0]["kind"] == "admin.site_updated"
    assert set(trail[0]["data"]["changes"]) == {"working_hours", "public_url", "display_notice"}
    assert trail[0]["data"]["by_name"] == "Trần Thị Lan"
    # the hall display (anonymous) reads the notice, and its live event carries the text only
    snap = client.get("/api/v1/display/snapshot", params={"site": "phuong-1"}).json()
    assert snap["site"]["notice"] == notice
    with ctx.db.reading() as s:
        e = s.scalars(select(Event).where(Event.kind == "hall.notice_changed")).one()
        assert e.data == {"notice": notice}
    # a kiosk's ticket: the QR opens the site's own address
    r = client.post("/api/v1/tickets", json={"service_id": hall.a},
                    headers={"Authorization": f"Bearer {hall.kiosk_token}"})
    assert r.status_code == 201 and r.json()["position_url"].startswith("http://10.0.0.2:8000/t/")


@pytest.mark.parametrize(("body", "field", "vi"), [
    ({"public_url": "ftp://10.0.0.2"}, "public_url", "public_url: địa chỉ công khai"),
    ({"public_url": "http://10.0.0.2:8000/t?x=1"}, "public_url", "không được có phần ?"),
    ({"working_hours": {**WEEK, "mon": ["25:00-26:00"]}}, "working_hours.mon", "giờ làm việc thứ Hai không hợp lệ"),
    ({"working_hours": {**WEEK, "tue": ["13:30-17:00", "07:30-11:30"]}}, "working_hours.tue", "thứ Ba"),
    ({"working_hours": {"mon": [], "sun": []}}, "working_hours", "cần ít nhất một ngày làm việc"),
    ({"working_hours": {**WEEK, "caturday": ["07:30-11:30"]}}, "working_hours.caturday", "không phải ngày"),
    ({"display_notice": "Giờ làm việc\x1b[2J"}, "display_notice", "ký tự điều khiển"),
    ({"display_notice": "x" * 301}, "display_notice", "tối đa 300 ký tự"),
])
def test_bad_setup_is_refused_naming_the_field_and_writes_nothing(client, hall, ctx, body, field, vi) -> None:
    lan = bearer(client, "lan")
    before = site(client, hall, lan)
    r = client.patch(f"/api/v1/admin/sites/{hall.site_id}", headers=lan, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and vi in r.json()["detail"] and r.json()["detail_en"].startswith(field)
    assert site(client, hall, lan) == before
    assert events(ctx, "admin.site_updated") == 0


def test_two_admins_saving_the_site_from_one_version_the_second_is_refused_with_what_changed(client, hall) -> None:
    lan, minh = bearer(client, "lan"), bearer(client, "minh")
    v = site(client, hall, lan)["version"]
    assert client.patch(f"/api/v1/admin/sites/{hall.site_id}", headers=lan,
                        json={"display_notice": "Nghỉ trưa 11:30–13:30", "version": v}).status_code == 200
    r = client.patch(f"/api/v1/admin/sites/{hall.site_id}", headers=minh,
                     json={"public_url": "http://10.0.0.9", "version": v})
    assert r.status_code == 409
    body = r.json()
    assert "Điểm phục vụ phuong-1 đã được người khác sửa" in body["detail"]
    assert "dòng thông báo màn hình sảnh" in body["detail"]
    assert [(c["by"], c["changes"]) for c in body["changes"]] == [
        ("Trần Thị Lan", {"display_notice": ["", "Nghỉ trưa 11:30–13:30"]})]
    assert site(client, hall, minh)["public_url"] == ""  # nothing of Minh's save was written


def test_a_holiday_year_is_listed_saved_refused_when_wrong_and_versioned(client, hall, ctx) -> None:
    lan, minh = bearer(client, "lan"), bearer(client, "minh")
    listed = client.get("/api/v1/admin/holidays", headers=lan).json()
    by_year = {y["year"]: y for y in listed["years"]}
    assert by_year[2026]["source"] == "file" and by_year[2027]["status"] == "provisional"
    assert {2025, 2026, 2027} <= set(listed["file_years"])
    assert any(y["source"] == "library" for y in listed["years"])
    # a swapped working day on a weekday, a date of another year, a day listed twice: all named
    r = client.put("/api/v1/admin/holidays/2028", headers=lan, json={
        "status": "official",
        "days_off": [{"date": "2028-01-01", "kind": "holiday", "name_vi": "Tết Dương lịch"},
                     {"date": "2027-12-31", "kind": "holiday", "name_vi": "Cuối năm"},
                     {"date": "2028-01-01", "kind": "holiday", "name_vi": "Lặp"},
                     {"date": "2028-05-02", "kind": "swapped_off", "name_vi": "Nghỉ hoán đổi"}],
        "working_days": [{"date": "2028-05-03", "swapped_with": "2028-05-02"}],
        "site_id": hall.site_id})
    assert r.status_code == 422
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert "không thuộc năm 2028" in errors["days_off[1].date"]
    assert "đã có ở dòng 1" in errors["days_off[2].date"]
    assert "phải là thứ Bảy hoặc Chủ nhật" in errors["working_days[0].date"]
    assert "cần một ngày làm bù" in errors["days_off[3].kind"]
    assert r.json()["detail"].startswith("Lịch nghỉ năm 2028 có 4 chỗ chưa đúng, chưa lưu gì.")
    with ctx.db.reading() as s:
        assert s.get(HolidayYear, 2028) is None
    # corrected: saved, over nothing (2028 has no file), one event
    good = {"status": "official", "site_id": hall.site_id,
            "days_off": [{"date": "2028-01-01", "kind": "holiday", "name_vi": "Tết Dương lịch", "name_en": "New Year"},
                         {"date": "2028-05-02", "kind": "swapped_off", "name_vi": "Nghỉ hoán đổi"}],
            "working_days": [{"date": "2028-05-06", "swapped_with": "2028-05-02", "name_vi": "Làm bù thứ Bảy"}]}
    r = client.put("/api/v1/admin/holidays/2028", headers=lan, json=good)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1 and r.json()["source"] == "admin"
    assert client.get("/api/v1/admin/holidays/2028", headers=minh).json()["working_days"][0]["swapped_with"] == \
        "2028-05-02"
    assert events(ctx, "admin.holidays_updated") == 1
    # two admins from version 1: the second is refused
    assert client.put("/api/v1/admin/holidays/2028", headers=lan, json={**good, "version": 1,
                      "days_off": good["days_off"] + [{"date": "2028-09-01", "kind": "holiday", "name_vi": "Quốc khánh"}]
                                                          }).status_code == 200
    r = client.put("/api/v1/admin/holidays/2028", headers=minh, json={**good, "version": 1, "status": "provisional"})
    assert r.status_code == 409 and "Lịch nghỉ năm 2028 đã được người khác sửa" in r.json()["detail"]
    assert r.json()["changes"][0]["by"] == "Trần Thị Lan"
    assert client.get("/api/v1/admin/holidays/2028", headers=minh).json()["status"] == "official"
    # a year out of range
    r = client.get("/api/v1/admin/holidays/1850", headers=lan)
    assert r.status_code == 422 and r.json()["field"] == "year"


def test_a_catalogue_upload_with_one_bad_procedure_imports_nothing_and_lists_its_errors(client, hall, ctx) -> None:
    lan = bearer(client, "lan")
    doc = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    del doc["procedures"][3]["channels"][0]["processing_time"]
    r = client.post(f"/api/v1/admin/sites/{hall.site_id}/catalog", params={"filename": "phuong.json"},
                    content=json.dumps(doc, ensure_ascii=False).encode(), headers=lan)
    assert r.status_code == 422
    body = r.json()
    assert "chưa nhập gì" in body["detail"] and "nothing was imported" in body["detail_en"]
    assert any(e["path"].startswith("procedures[3].channels[0]") and e["vi"] for e in body["errors"])
    assert client.get("/api/v1/catalog", params={"site": "phuong-1"}).json()["procedures"] == []
    assert events(ctx, "catalog.imported") == 0
    # not JSON at all: its line and column
    r = client.post(f"/api/v1/admin/sites/{hall.site_id}/catalog", params={"filename": "x.json"},
                    content=b'{"fields": [', headers=lan)
    assert r.status_code == 422 and r.json()["errors"][0]["path"].startswith("x.json:1:")
    r = client.post(f"/api/v1/admin/sites/{hall.site_id}/catalog", content=b"", headers=lan)
    assert r.status_code == 422 and r.json()["field"] == "file"
