"""Free text that reaches pages and printers is what it claims to be: a procedure code a
kiosk sends with a ticket must be in the site's catalogue (and queue at that service), a
counter a dossier is received at must be one of the site's; refusals are 422 naming the
field, Vietnamese first, and write nothing. Both engines."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from queue_server.api.app import create_app
from queue_server.domain.catalog import check_catalog
from queue_server.services import admin
from queue_server.services.catalog import import_catalog
from queue_server.services.catalog_files import DEMO_CATALOG
from queue_server.services.context import SYSTEM
from queue_server.store.tables import Event, Ticket
from tests.conftest import PASSWORD
from tests.dossiers.helpers import payload


@pytest.fixture
def client(hall, ctx):
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        yield c


def kiosk(hall) -> dict[str, str]:
    return {"Authorization": f"Bearer {hall.kiosk_token}"}


def written(ctx) -> tuple[int, int]:
    with ctx.db.reading() as session:
        return (session.scalar(select(func.count()).select_from(Ticket)),
                session.scalar(select(func.count()).select_from(Event)))


def refused(r, field: str) -> dict:
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"] == field, body
    assert body["detail"] != body["detail_en"] and field in body["detail"] and field in body["detail_en"]
    return body


@pytest.mark.parametrize("code", [
    "<img src=x onerror=alert(1)>",
    "1.004222<script>",
    "1.004222\u202e",
    "9.999999",  # well formed, but no such procedure
    " 1.004222",
])
def test_a_kiosk_cannot_attach_a_procedure_the_catalogue_does_not_have(client, hall, ctx, code):
    before = written(ctx)
    r = client.post("/api/v1/tickets", json={"service_id": hall.a, "procedure_code": code}, headers=kiosk(hall))
    body = refused(r, "procedure_code")
    assert "<" not in body["detail"] and "<" not in body["detail_en"]  # the markup is not echoed back
    assert written(ctx) == before  # no ticket, no event


def test_a_known_procedure_code_is_kept_with_the_ticket(client, hall, ctx):
    # the hall has no imported catalogue yet: the configured catalogue file (demo ward) is the list
    r = client.post("/api/v1/tickets", json={"service_id": hall.a, "procedure_code": "1.004222"}, headers=kiosk(hall))
    assert r.status_code == 201, r.text
    with ctx.db.reading() as session:
        assert session.get(Ticket, r.json()["ticket"]["id"]).procedure_code == "1.004222"
    assert client.post("/api/v1/tickets", json={"service_id": hall.a}, headers=kiosk(hall)).status_code == 201


def test_with_an_imported_catalogue_the_procedure_must_queue_at_the_service_asked_for(client, hall, ctx):
    import json

    import_catalog(ctx, SYSTEM, check_catalog(json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))))
    # 2.000815 is a Chứng thực (B) procedure, 1.001193 a Hộ tịch (A) one
    before = written(ctx)
    wrong = client.post("/api/v1/tickets", json={"service_id": hall.a, "procedure_code": "2.000815"},
                        headers=kiosk(hall))
    assert "2.000815" in refused(wrong, "procedure_code")["detail"]
    assert written(ctx) == before
    right = client.post("/api/v1/tickets", json={"service_id": hall.b, "procedure_code": "2.000815"},
                        headers=kiosk(hall))
    assert right.status_code == 201, right.text
    assert client.post("/api/v1/tickets", json={"service_id": hall.a, "procedure_code": "1.001193"},
                       headers=kiosk(hall)).status_code == 201


def test_a_dossier_is_received_only_at_a_counter_of_its_site(client, hall, ctx):
    other = admin.create_site(ctx, SYSTEM, code="phuong-2", name="UBND Phường 2")
    elsewhere = admin.create_counter(ctx, SYSTEM, other["id"], number=1)
    token = client.post("/api/v1/auth/login", json={"username": "an", "password": PASSWORD}).json()["token"]
    h = {"Authorization": f"Bearer {token}"}
    before = written(ctx)
    for counter_id in (elsewhere["id"], 987654, "<b>3</b>"):
        r = client.post("/api/v1/dossiers", json=payload(counter_id=counter_id), headers=h)
        assert r.status_code == 422, r.text
        assert [e["field"] for e in r.json()["errors"]] == ["counter_id"], r.json()
        if isinstance(counter_id, int):  # a number: checked against the site's counters
            assert "quầy" in r.json()["detail"] and "counter" in r.json()["detail_en"]
        else:  # not a number at all: refused by its type, naming the field
            assert "counter_id" in r.json()["detail"] and "counter_id" in r.json()["detail_en"]
    assert written(ctx) == before  # nothing received, no event
    ok = client.post("/api/v1/dossiers", json=payload(counter_id=hall.c3), headers=h)
    assert ok.status_code == 201, ok.text
    assert ok.json()["counter_id"] == hall.c3
