"""`/metrics` as Prometheus reads it, and the health check a load balancer asks."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from queue_server.api.app import create_app
from tests.api.test_http import bearer, login
from tests.conftest import PG_URL, ServerProcess, fresh_postgres_database


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample by (name, labels), read with the client library's own parser."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body) for s in family.samples}


@pytest.fixture
def open_client(hall, ctx):
    ctx.settings.metrics = "open"
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        yield c


def test_the_hall_s_tickets_show_in_the_metrics_by_site_and_service(open_client, hall):
    c = open_client
    kiosk = bearer(hall.kiosk_token)
    for service in (hall.a, hall.a, hall.a, hall.b):
        assert c.post("/api/v1/tickets", json={"service_id": service}, headers=kiosk).status_code == 201
    h = bearer(login(c)["token"])
    c.post(f"/api/v1/counters/{hall.c3}/open", headers=h)
    called = c.post(f"/api/v1/counters/{hall.c3}/call-next", headers=h).json()
    c.post(f"/api/v1/counters/{hall.c3}/start", json={"ticket_id": called["id"]}, headers=h)
    c.post(f"/api/v1/counters/{hall.c3}/finish", headers=h)
    c.get(f"/api/v1/tickets/{called['id']}/position", params={"k": "not-the-key"})  # a 404, by its route

    r = c.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    got = samples(r.text)
    ht, ct = (("service", "HT"), ("site", "phuong-1")), (("service", "CT"), ("site", "phuong-1"))
    assert got[("motcua_tickets_issued_total", ht)] == 3
    assert got[("motcua_tickets_issued_total", ct)] == 1
    assert got[("motcua_tickets_called_total", ht)] == 1
    assert got[("motcua_tickets_finished_total", ht)] == 1
    assert got[("motcua_tickets_waiting", ht)] == 2 and got[("motcua_tickets_waiting", ct)] == 1
    # request durations by route template: the ticket's id is not a label
    routes = {dict(labels)["route"] for name, labels in got if name == "motcua_request_duration_seconds_count"}
    assert "/api/v1/tickets" in routes and "/api/v1/tickets/{ticket_id}/position" in routes
    assert not any(f"/tickets/{called['id']}" in route or f"/counters/{hall.c3}/" in route for route in routes)
    assert got[("motcua_event_streams", ())] == 0
    # only codes and counts: no label a person could be found by (no priority class either)
    label_names = {k for _, labels in got for k, _ in labels}
    assert label_names <= {"site", "service", "method", "route", "le"}


def test_made_up_paths_do_not_make_new_series(open_client):
    for i in range(20):
        assert open_client.get(f"/khong-co-{i}").status_code == 404
    routes = {dict(labels).get("route") for name, labels in samples(open_client.get("/metrics").text)
              if name == "motcua_request_duration_seconds_count"}
    assert "unmatched" in routes and not any(r and r.startswith("/khong-co") for r in routes)


def test_metrics_are_off_unless_configured_and_a_token_or_an_address_guards_them(hall, ctx):
    app = create_app(ctx.settings, ctx=ctx)
    with TestClient(app) as c:
        off = c.get("/metrics")
        assert off.status_code == 404 and "metrics" in off.json()["detail"] and "MOTCUA_METRICS" in off.json()["detail_en"]
        ctx.settings.metrics, ctx.settings.metrics_token = "token", "tok-0123456789abcdef"
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers=bearer("tok-wrong")).status_code == 401
        assert c.get("/metrics", headers=bearer("tok-0123456789abcdef")).status_code == 200
        ctx.settings.metrics, ctx.settings.metrics_allow = "open", "10.0.0.0/8"
        refused = c.get("/metrics")  # the test client's address is not in 10.0.0.0/8
        assert refused.status_code == 403 and "metrics_allow" in refused.json()["detail"]


def test_bad_metrics_settings_are_refused_naming_the_key():
    from queue_server.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="metrics must be one of"):
        load_settings(env={"MOTCUA_METRICS": "yes"})
    with pytest.raises(ConfigError, match="metrics_token"):
        load_settings(env={"MOTCUA_METRICS": "token"})
    with pytest.raises(ConfigError, match="metrics_allow: 'wifi'"):
        load_settings(env={"MOTCUA_METRICS": "open", "MOTCUA_METRICS_ALLOW": "wifi"})


def test_a_server_started_with_metrics_open_answers_the_allowed_address_without_a_token(tmp_path):
    server = ServerProcess(tmp_path, env={"MOTCUA_METRICS": "open",
                                                    "MOTCUA_METRICS_ALLOW": "127.0.0.0/8, ::1"}).start()
    try:
        r = httpx.get(server.url + "/metrics", timeout=5)
        assert r.status_code == 200
        names = {f.name for f in text_string_to_metric_families(r.text)}
        assert "motcua_tickets_issued" in names and "motcua_request_duration_seconds" in names
    finally:
        server.stop()


@pytest.mark.postgres
def test_health_answers_503_naming_the_database_when_it_is_gone(tmp_path):
    url, drop = fresh_postgres_database()
    server = ServerProcess(tmp_path, database_url=url).start()
    try:
        healthy = httpx.get(server.url + "/api/v1/health", timeout=5)
        assert healthy.status_code == 200
        assert healthy.json()["checks"]["event_hub"]["ok"] and healthy.json()["checks"]["database"]["ok"]
        name = url.rsplit("/", 1)[1]
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
        down = httpx.get(server.url + "/api/v1/health", timeout=15)
        assert down.status_code == 503, down.text
        body = down.json()
        assert body["status"] == "unavailable" and not body["checks"]["database"]["ok"]
        assert "cơ sở dữ liệu không trả lời" in body["detail"] and "database does not answer" in body["detail_en"]
    finally:
        server.stop()
        drop()
