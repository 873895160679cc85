"""Across sites on one database: a ward desk hands a dossier to a city department (another
site); it appears in that department's inbox and on that site's event stream, comes back to
the ward's desk, and keeps the ward's code and logbook. On PostgreSQL with two server
processes: the desk on one, the department's stream on the other."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from queue_server.services import admin
from queue_server.services.agencies import handoffs, inbox, registry
from queue_server.services.context import SYSTEM
from queue_server.services.dossiers import reception as dossiers
from queue_server.store.tables import Event
from tests.agencies.helpers import PROCEDURE, processor
from tests.conftest import PASSWORD, ServerProcess, build_hall
from tests.dossiers.helpers import payload, receive_at
from tests.sse import SSEReader


def city_route(ctx, hall):  # noqa: ANN001, ANN201
    city = admin.create_site(ctx, SYSTEM, code="thanh-pho", name="UBND Thành phố", agency_code="000.00.00.H26")
    tp = registry.create_agency(ctx, SYSTEM, site=city["id"], code="QLDT", name_vi="Phòng Quản lý đô thị thành phố")
    registry.set_route(ctx, SYSTEM, PROCEDURE, [{"agency": "thanh-pho:QLDT", "share": 0.6}], site=hall.site_id)
    return city, tp


def test_a_ward_dossier_goes_to_a_city_department_and_comes_back(ctx, hall, clock) -> None:
    city, tp = city_route(ctx, hall)
    p_tp = processor(ctx, "tp1", tp["id"])
    assert p_tp.site_id == city["id"]
    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", PROCEDURE)
    assert d["route"][0]["site_code"] == "thanh-pho" and d["next_route_agency_id"] == tp["id"]
    out = handoffs.hand_to_agency(ctx, hall.clerk, d["id"], to_agency_id=tp["id"])
    assert not out["handoffs"][0]["off_route"] and out["handoffs"][0]["to_site_id"] == city["id"]
    box = inbox.inbox(ctx, p_tp, tp["id"])
    assert [i["code"] for i in box["pending"]] == [d["code"]]
    with ctx.db.reading() as s:
        sites = [e.site_id for e in s.scalars(select(Event).where(Event.kind == "dossier.handed_off"))]
    assert sorted(sites) == sorted([hall.site_id, city["id"]])
    h = box["pending"][0]["handoff_id"]
    handoffs.sign(ctx, p_tp, h)
    handoffs.hand_back(ctx, p_tp, h, result="Đồng ý")
    back = dossiers.get_dossier(ctx, hall.clerk, d["id"])
    assert back["state"] == "result_ready" and back["site_id"] == hall.site_id
    assert back["code"].startswith("000.00.01.H01-")  # the ward's numbering, not the city's
    # the city's processor is not a clerk of the ward: it cannot read the ward's dossiers
    with pytest.raises(Exception) as err:
        dossiers.get_dossier(ctx, p_tp, d["id"])
    assert getattr(err.value, "status", None) in (403, 404)


@pytest.mark.postgres
def test_two_processes_the_city_department_sees_the_ward_hand_off_at_once(pg_ctx, pg_url, tmp_path) -> None:
    hall = build_hall(pg_ctx)
    city, tp = city_route(pg_ctx, hall)
    processor(pg_ctx, "tp1", tp["id"])
    ward_server = ServerProcess(tmp_path, database_url=pg_url).start()
    city_server = ServerProcess(tmp_path, database_url=pg_url).start()
    try:
        def login(server: ServerProcess, user: str) -> dict[str, str]:
            r = httpx.post(f"{server.url}/api/v1/auth/login", json={"username": user, "password": PASSWORD})
            assert r.status_code == 200, r.text
            return {"Authorization": f"Bearer {r.json()['token']}"}

        city_staff = login(city_server, "tp1")
        reader = SSEReader(f"{city_server.url}/api/v1/events", headers=city_staff).start()
        desk = login(ward_server, "an")
        d = httpx.post(f"{ward_server.url}/api/v1/dossiers", headers=desk, json=payload(PROCEDURE)).json()
        r = httpx.post(f"{ward_server.url}/api/v1/dossiers/{d['id']}/handoffs", headers=desk,
                       json={"to_agency_id": tp["id"]})
        assert r.status_code == 200, r.text
        event = next(e for e in reader.take(1) if e["kind"] == "dossier.handed_off")
        assert event["site_id"] == city["id"] and event["data"]["code"] == d["code"]
        assert event["data"]["to_agency_id"] == tp["id"]
        box = httpx.get(f"{city_server.url}/api/v1/agencies/{tp['id']}/inbox", headers=city_staff).json()
        h = box["pending"][0]["handoff_id"]
        assert httpx.post(f"{city_server.url}/api/v1/handoffs/{h}/sign", headers=city_staff).status_code == 200
        back = httpx.post(f"{city_server.url}/api/v1/handoffs/{h}/return", headers=city_staff,
                          json={"result": "Đồng ý cấp phép"})
        assert back.status_code == 200, back.text
        kinds = [e["kind"] for e in reader.take(2)]
        assert kinds == ["dossier.handoff_signed", "dossier.handed_back"]
        view = httpx.get(f"{ward_server.url}/api/v1/dossiers/{d['id']}", headers=desk).json()
        assert view["state"] == "result_ready" and view["handoffs"][-1]["to_name"] == "Bộ phận tiếp nhận và trả kết quả"
        # the ward's hall events (tickets) never reach the city's processor
        assert all(e["kind"].startswith("dossier.") for e in reader.quiet(0.5))
        reader.stop()
    finally:
        ward_server.stop()
        city_server.stop()
