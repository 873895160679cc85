"""Every body field and query parameter is typed: whatever a client sends, a wrong value is
a 422 naming the field, Vietnamese first then English, never a 500 (issue 10, item 5)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from tests.conftest import PASSWORD
from tests.dossiers.helpers import payload


@pytest.fixture
def client(hall, ctx):
    # raise_server_exceptions=False: a bug answers 500 here as it would to a browser
    with TestClient(create_app(ctx.settings, ctx=ctx), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def staff(client) -> dict[str, str]:
    token = client.post("/api/v1/auth/login", json={"username": "an", "password": PASSWORD}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _refused(r, field: str) -> dict:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    fields = [e["field"] for e in body["errors"]]
    assert field in fields, body
    assert field in body["detail"] and field in body["detail_en"]
    assert body["detail"].startswith("Dữ liệu không hợp lệ") and body["detail_en"].startswith("Invalid data")
    return next(e for e in body["errors"] if e["field"] == field)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"applicant": "Nguyễn Văn A"}, "applicant"),
    ({"applicant": {"name": 5, "address": "Số 1"}}, "applicant.name"),
    ({"documents": "CT01"}, "documents"),
    ({"documents": [5]}, "documents[0]"),
    ({"documents": [{"name": "Tờ khai", "originals": "một"}]}, "documents[0].originals"),
    ({"ticket_id": "abc"}, "ticket_id"),
    ({"counter_id": "quầy 1"}, "counter_id"),
    ({"sets": [1]}, "sets"),
    ({"note": 5}, "note"),
    ({"fee_vnd": -1}, "fee_vnd"),
    ({"result_delivery": "drone"}, "result_delivery"),
    ({"procedure_code": "1.0\x0004222"}, "procedure_code"),
])
def test_a_wrongly_typed_reception_field_is_named_not_a_server_error(client, staff, overrides, field):
    error = _refused(client.post("/api/v1/dossiers", json=payload(**overrides), headers=staff), field)
    assert error["message"] and error["message_en"]


def test_a_range_error_is_explained_in_vietnamese(client, staff):
    error = _refused(client.post("/api/v1/dossiers", json=payload(sets=0), headers=staff), "sets")
    assert error["message"] == "phải lớn hơn hoặc bằng 1"


def test_a_counter_of_another_site_or_none_is_refused_and_nothing_is_received(client, staff, hall):
    r = client.post("/api/v1/dossiers", json=payload(counter_id=999), headers=staff)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["counter_id"]
    assert client.post("/api/v1/dossiers", json=payload(counter_id=hall.c1), headers=staff).status_code == 201
    assert client.post("/api/v1/dossiers", json=payload(), headers=staff).json()["code"].endswith("0002")


def test_an_unknown_printer_profile_is_named_with_close_matches(client, staff):
    d = client.post("/api/v1/dossiers", json=payload(), headers=staff).json()
    r = client.get(f"/api/v1/dossiers/{d['id']}/receipt.bin", params={"profile": "TM-T20"}, headers=staff)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "profile" and "TM-T20II" in r.json()["close_matches"]
    assert r.json()["detail"].startswith("Không có mẫu máy in")
    ok = client.get(f"/api/v1/dossiers/{d['id']}/receipt.bin", params={"profile": "TM-T20II"}, headers=staff)
    assert ok.status_code == 200 and ok.content.startswith(b"\x1b@")


@pytest.mark.parametrize("path", ["/dossiers/static/a%00b.js", "/dossiers/static/..%2fdossiers.js",
                                  "/static/a%00b.js", "/static/fonts/a%00b.ttf"])
def test_a_nul_or_a_climb_in_a_static_file_name_is_a_client_error(client, path):
    r = client.get(path)
    assert 400 <= r.status_code < 500, (path, r.status_code, r.text)


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/dossier-reports/supervision?from=2026-13-01", "from"),
    ("/api/v1/dossier-reports/ratings?to=hôm-nay", "to"),
    ("/api/v1/dossier-reports/logbook.csv?from=1%2F3%2F2026", "from"),
    ("/api/v1/display/snapshot?counters=1,x", "counters"),
    ("/api/v1/tickets?state=lost", "state"),
    ("/api/v1/kiosk/services?site=%00", "site"),
    ("/api/v1/dossiers/due?procedure=1.004222&received=yesterday", "received"),
])
def test_wrongly_typed_query_parameters_are_named(client, staff, url, field):
    _refused(client.get(url, headers=staff), field)


def test_the_openapi_document_describes_the_reception_body(client):
    doc = client.get("/openapi.json").json()
    body = doc["paths"]["/api/v1/dossiers"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = doc["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert {"applicant", "documents", "sets", "ticket_id", "counter_id"} <= set(schema["properties"])
    assert schema["properties"]["sets"]["maximum"] == 99


def test_a_request_cannot_make_the_server_write_a_file_as_its_printer(client, hall, tmp_path):
    token = client.post("/api/v1/auth/login", json={"username": "giam", "password": PASSWORD}).json()["token"]
    h = {"Authorization": f"Bearer {token}"}
    d = client.post("/api/v1/dossiers", json=payload(), headers=h).json()
    target = tmp_path / "written-by-a-request.bin"
    for url in (f"file://{target}", f"FILE://{target}", f" file:{target}"):
        r = client.post(f"/api/v1/dossiers/{d['id']}/receipt/print", json={"printer_url": url}, headers=h)
        assert r.status_code == 422 and r.json()["field"] == "printer_url", r.text
    assert not target.exists()
