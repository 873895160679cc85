"""Two administrators editing the same counter or service: the second save, made from the
version both read, is refused (409) with what the first changed, by whom; nothing is
overwritten silently. On both engines."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from queue_server.services import admin
from queue_server.services.context import SYSTEM
from tests.conftest import PASSWORD


@pytest.fixture
def client(hall, ctx):
    for username, name in (("lan", "Trần Thị Lan"), ("minh", "Lê Văn Minh")):
        admin.create_user(ctx, SYSTEM, username=username, password=PASSWORD, role="admin", full_name=name)
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        yield c


def bearer(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def counter(client: TestClient, hall, h: dict) -> dict:  # noqa: ANN001
    return next(c for c in client.get(f"/api/v1/admin/sites/{hall.site_id}/counters", headers=h).json()
                if c["id"] == hall.c3)


def test_the_second_save_of_a_counter_from_the_same_version_is_refused_with_what_changed(client, hall):
    lan, minh = bearer(client, "lan"), bearer(client, "minh")
    seen_by_lan, seen_by_minh = counter(client, hall, lan), counter(client, hall, minh)
    assert seen_by_lan["version"] == seen_by_minh["version"] == 1

    first = client.patch(f"/api/v1/admin/counters/{hall.c3}", headers=lan,
                         json={"name": "Quầy Hộ tịch", "version": seen_by_lan["version"]})
    assert first.status_code == 200 and first.json()["version"] == 2

    second = client.patch(f"/api/v1/admin/counters/{hall.c3}", headers=minh,
                          json={"services": [{"service_id": hall.a, "weight": 1}, {"service_id": hall.b, "weight": 3}],
                                "version": seen_by_minh["version"]})
    assert second.status_code == 409
    body = second.json()
    assert "Quầy 3 đã được người khác sửa" in body["detail"] and "đã đổi: tên" in body["detail"]
    assert "changed by someone else" in body["detail_en"]
    assert body["current"]["name"] == "Quầy Hộ tịch" and body["current"]["version"] == 2
    assert [(c["by"], c["changes"]) for c in body["changes"]] == [("Trần Thị Lan", {"name": ["Quầy 3", "Quầy Hộ tịch"]})]
    now = counter(client, hall, minh)
    assert now["services"] == [{"service_id": hall.a, "weight": 1}]  # Minh's save changed nothing

    # Minh reads again and saves from the new version: accepted
    again = client.patch(f"/api/v1/admin/counters/{hall.c3}", headers=minh,
                         json={"services": [{"service_id": hall.a, "weight": 1}, {"service_id": hall.b, "weight": 3}],
                               "version": now["version"]})
    assert again.status_code == 200 and again.json()["version"] == 3
    assert again.json()["name"] == "Quầy Hộ tịch"  # Lan's change kept


def test_the_second_save_of_a_service_from_the_same_version_is_refused_with_what_changed(client, hall):
    lan, minh = bearer(client, "lan"), bearer(client, "minh")
    services = client.get(f"/api/v1/admin/sites/{hall.site_id}/services", headers=lan).json()
    read = next(s for s in services if s["id"] == hall.a)
    first = client.patch(f"/api/v1/admin/services/{hall.a}", headers=lan,
                         json={"name_en": "Civil registration", "number_width": 4, "version": read["version"]})
    assert first.status_code == 200 and first.json()["version"] == read["version"] + 1
    # a change to another service in between is not reported as a change to this one
    client.patch(f"/api/v1/admin/services/{hall.b}", headers=lan, json={"name_en": "Certified copies"})

    second = client.patch(f"/api/v1/admin/services/{hall.a}", headers=minh,
                          json={"name_en": "Civil status office", "version": read["version"]})
    assert second.status_code == 409
    body = second.json()
    assert [c["changes"] for c in body["changes"]] == [{"name_en": ["Civil status", "Civil registration"],
                                                         "number_width": [3, 4]}]
    assert body["changes"][0]["by"] == "Trần Thị Lan"
    assert body["current"]["name_en"] == "Civil registration"
    assert "Dịch vụ HT đã được người khác sửa" in body["detail"]


def test_a_save_that_names_no_version_still_works_as_before(client, hall):
    lan = bearer(client, "lan")
    client.patch(f"/api/v1/admin/counters/{hall.c3}", headers=lan, json={"name": "A"})
    r = client.patch(f"/api/v1/admin/counters/{hall.c3}", headers=lan, json={"name": "B"})
    assert r.status_code == 200 and r.json()["name"] == "B" and r.json()["version"] == 3
