"""Logs an IT officer can use: one line per request (method, path, status, duration, id), the
same id in the answer's X-Request-ID and in every problem answer (the "sự cố" id a clerk reads
out), the proxy's id kept, and one JSON object per line when log_format = "json"."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from queue_server.api.request_log import JsonFormatter
from queue_server.config import ConfigError, load_settings
from tests.conftest import PASSWORD, ServerProcess


@pytest.fixture
def app(ctx, hall):  # noqa: ANN001, ANN201
    application = create_app(ctx.settings, ctx=ctx)

    @application.get("/test/boom")
    def boom() -> dict:
        raise RuntimeError("a bug")

    return application


def request_lines(caplog) -> list[logging.LogRecord]:  # noqa: ANN001
    return [r for r in caplog.records if r.name == "motcua.request"]


def test_each_request_is_one_line_and_its_answer_names_it(app, hall, caplog):
    caplog.set_level(logging.INFO)
    with TestClient(app) as c:
        caplog.clear()
        r = c.post("/api/v1/tickets", json={"service_id": hall.a}, headers={"Authorization": f"Bearer {hall.kiosk_token}"})
    assert r.status_code == 201
    rid = r.headers["x-request-id"]
    lines = request_lines(caplog)
    assert len(lines) == 1
    line = lines[0]
    assert (line.method, line.path, line.status, line.request_id) == ("POST", "/api/v1/tickets", 201, rid)
    assert line.duration_ms >= 0
    assert "POST /api/v1/tickets 201" in line.getMessage() and rid in line.getMessage()


def test_each_use_case_outcome_is_one_line_done_or_refused(app, hall, caplog):
    caplog.set_level(logging.INFO)
    with TestClient(app) as c:
        login = c.post("/api/v1/auth/login", json={"username": "an", "password": PASSWORD})
        clerk = {"Authorization": f"Bearer {login.json()['token']}"}
        c.post("/api/v1/tickets", json={"service_id": hall.a}, headers={"Authorization": f"Bearer {hall.kiosk_token}"})
        caplog.clear()
        opened = c.post(f"/api/v1/counters/{hall.c3}/open", headers=clerk)
        called = c.post(f"/api/v1/counters/{hall.c3}/call-next", headers=clerk)
        again = c.post(f"/api/v1/counters/{hall.c3}/call-next", headers=clerk)  # A001 not finished yet
        c.get(f"/api/v1/counters/{hall.c3}", headers=clerk)  # a read: no outcome
    assert (opened.status_code, called.status_code, again.status_code) == (200, 200, 409)
    done = [r for r in caplog.records if r.name == "motcua.outcome"]
    assert [(r.outcome, r.route, r.request_id) for r in done] == [
        ("done", "/api/v1/counters/{counter_id}/open", opened.headers["x-request-id"]),
        ("done", "/api/v1/counters/{counter_id}/call-next", called.headers["x-request-id"]),
    ]
    assert all(r.use_case for r in done)
    refused = [r for r in caplog.records if getattr(r, "outcome", None) == "refused"]
    assert [(r.status, r.request_id) for r in refused] == [(409, again.headers["x-request-id"])]


def test_a_problem_answer_carries_the_id_of_its_log_line(app, caplog):
    caplog.set_level(logging.INFO)
    with TestClient(app) as c:
        caplog.clear()
        r = c.get("/api/v1/counters/999999", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401
    assert r.json()["request_id"] == r.headers["x-request-id"]
    assert request_lines(caplog)[-1].request_id == r.json()["request_id"]


def test_an_internal_error_names_its_incident_and_the_log_has_it(app, caplog):
    caplog.set_level(logging.INFO)
    with TestClient(app, raise_server_exceptions=False) as c:
        caplog.clear()
        r = c.get("/test/boom")
    assert r.status_code == 500
    rid = r.json()["request_id"]
    assert r.headers["x-request-id"] == rid
    assert f"sự cố {rid}" in r.json()["detail"] and f"incident {rid}" in r.json()["detail_en"]
    assert "a bug" not in r.text  # no details for the caller
    logged = [rec for rec in caplog.records if getattr(rec, "request_id", None) == rid]
    assert any(rec.exc_info and "a bug" in str(rec.exc_info[1]) for rec in logged)
    assert any(rec.name == "motcua.request" and rec.status == 500 for rec in logged)


def test_the_proxys_request_id_is_kept_and_a_strange_one_is_replaced(app):
    with TestClient(app) as c:
        kept = c.get("/api/v1/health", headers={"X-Request-ID": "3f2a9c0d1e4b5a6f7c8d9e0f1a2b3c4d"})
        replaced = c.get("/api/v1/health", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert kept.headers["x-request-id"] == "3f2a9c0d1e4b5a6f7c8d9e0f1a2b3c4d"
    assert replaced.headers["x-request-id"] != "<script>alert(1)</script>"
    assert len(replaced.headers["x-request-id"]) == 16


def test_json_lines_hold_the_request_fields():
    record = logging.LogRecord("motcua.request", logging.INFO, __file__, 1, "GET / 200", (), None)
    record.__dict__.update(method="GET", path="/", status=200, duration_ms=1.5, request_id="abcdefgh12")
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "info" and entry["request_id"] == "abcdefgh12" and entry["status"] == 200
    with pytest.raises(ConfigError):
        load_settings(env={"MOTCUA_LOG_FORMAT": "xml"})


def test_a_server_with_log_format_json_writes_one_json_object_per_request(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    server = ServerProcess(data, env={"MOTCUA_LOG_FORMAT": "json"}).start()
    try:
        r = httpx.get(server.url + "/api/v1/health")
        rid = r.headers["x-request-id"]
    finally:
        server.stop()
    entries = []
    for line in server.log.read_text(encoding="utf-8").splitlines():
        if line.startswith("{"):
            entries.append(json.loads(line))
    mine = [e for e in entries if e.get("request_id") == rid]
    assert len(mine) == 1
    assert mine[0]["path"] == "/api/v1/health" and mine[0]["status"] == 200 and mine[0]["method"] == "GET"
