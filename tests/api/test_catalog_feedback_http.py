"""The catalogue and feedback endpoints as kiosks use them."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from queue_server.domain.catalog import check_catalog
from queue_server.services.catalog import import_catalog
from queue_server.services.catalog_files import DEMO_CATALOG
from queue_server.services.context import SYSTEM


@pytest.fixture
def client(hall, ctx):
    import_catalog(ctx, SYSTEM, check_catalog(json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))))
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        yield c


def kiosk(hall) -> dict[str, str]:
    return {"Authorization": f"Bearer {hall.kiosk_token}"}


def events(ctx, kind):
    from sqlalchemy import select

    from queue_server.store.tables import Event

    with ctx.db.reading() as session:
        return list(session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def test_the_catalogue_is_public_and_cached_by_version(client, hall):
    r = client.get("/api/v1/catalog")
    assert r.status_code == 200
    body = r.json()
    assert len(body["procedures"]) == 32 and r.headers["etag"] == f'"{body["version"]}"'
    again = client.get("/api/v1/catalog", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    one = client.get("/api/v1/catalog/procedures/1.001193")
    assert one.status_code == 200 and one.json()["service_id"] == hall.a
    missing = client.get("/api/v1/catalog/procedures/9.999999")
    assert missing.status_code == 404 and missing.json()["detail"] == "Không tìm thấy thủ tục 9.999999."


def test_a_kiosk_rating_becomes_an_event(client, hall, ctx):
    r = client.post("/api/v1/ratings", json={"level": "unsatisfied", "reasons": ["long_wait", "other"],
                                             "comment": "  Chờ lâu quá  "}, headers=kiosk(hall))
    assert r.status_code == 201, r.text
    stored = events(ctx, "rating.given")[-1]
    assert stored.data["level"] == "unsatisfied" and stored.data["reasons"] == ["long_wait", "other"]
    assert stored.data["comment"] == "Chờ lâu quá" and stored.actor.startswith("device:")


def test_ratings_are_validated(client, hall):
    bad_level = client.post("/api/v1/ratings", json={"level": "meh"}, headers=kiosk(hall))
    assert bad_level.status_code == 422
    bad_reason = client.post("/api/v1/ratings", json={"level": "unsatisfied", "reasons": ["rude-robot"]},
                             headers=kiosk(hall))
    assert bad_reason.status_code == 422 and "rude-robot" in bad_reason.json()["detail"]
    reasons_when_happy = client.post("/api/v1/ratings", json={"level": "satisfied", "reasons": ["long_wait"]},
                                     headers=kiosk(hall))
    assert reasons_when_happy.status_code == 422
    anonymous = client.post("/api/v1/ratings", json={"level": "satisfied"})
    assert anonymous.status_code == 401


def test_a_ticket_is_rated_once_and_the_counter_is_recorded(client, hall, ctx):
    from queue_server.services.queue import tickets as queue

    hall.open_all()
    issued = queue.issue_ticket(ctx, hall.kiosk, hall.a)
    queue.call_next(ctx, hall.supervisor, hall.c3)
    body = {"level": "very_satisfied", "ticket_id": issued.ticket.id}
    assert client.post("/api/v1/ratings", json=body, headers=kiosk(hall)).status_code == 201
    assert events(ctx, "rating.given")[-1].data["counter_number"] == 3
    assert client.post("/api/v1/ratings", json=body, headers=kiosk(hall)).status_code == 409


def test_ratings_from_one_kiosk_are_rate_limited(client, hall):
    codes = [client.post("/api/v1/ratings", json={"level": "satisfied"}, headers=kiosk(hall)).status_code
             for _ in range(14)]
    assert codes[:12] == [201] * 12 and codes[12] == 429


def test_a_failed_print_is_reported_for_the_supervisors(client, hall, ctx):
    from queue_server.services.queue import tickets as queue

    issued = queue.issue_ticket(ctx, hall.kiosk, hall.a)
    r = client.post("/api/v1/kiosk/print-failures", json={"ticket_id": issued.ticket.id, "reason": "PaperOut"},
                    headers=kiosk(hall))
    assert r.status_code == 201
    stored = events(ctx, "kiosk.print_failed")[-1]
    assert stored.ticket_id == issued.ticket.id and stored.data["code"] == "A001"
    # staff streams carry it; hall displays (public events only) do not
    from queue_server.events.projection import has_public_form

    assert not has_public_form(stored.kind)
    unknown = client.post("/api/v1/kiosk/print-failures", json={"ticket_id": 99999, "reason": "PaperOut"},
                          headers=kiosk(hall))
    assert unknown.status_code == 404
