"""The reports API as the /reports page and a spreadsheet user call it: who may, and what
bad input answers (never a 5xx), on both engines."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from queue_server.services.queue import tickets as queue
from tests.conftest import PASSWORD

BASE = "/api/v1/reports/queue"


@pytest.fixture
def client(hall, ctx):
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        yield c


def token(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_a_supervisor_reads_today_as_json_csv_and_xlsx(client, hall, ctx):
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    who = token(client, "giam")
    r = client.get(BASE, params={"from": "2026-03-02", "to": "2026-03-02"}, headers=who)
    assert r.status_code == 200
    assert r.json()["totals"]["issued"] == 1
    r = client.get(BASE + ".csv", params={"from": "2026-03-02", "table": "by_channel"}, headers=who)
    assert r.status_code == 200 and "Ki-ốt lấy số,1," in r.content.decode("utf-8-sig")
    r = client.get(BASE + ".xlsx", params={"from": "2026-03-02"}, headers=who)
    assert r.status_code == 200 and r.content[:2] == b"PK"
    r = client.get(BASE + ".pdf", params={"month": "2026-03"}, headers=who)
    assert r.status_code == 200 and r.content[:5] == b"%PDF-"


def test_anonymous_callers_clerks_and_kiosks_are_refused(client, hall):
    assert client.get(BASE).status_code == 401
    assert client.get(BASE + ".pdf", params={"month": "2026-03"}).status_code == 401
    assert client.get(BASE, headers=token(client, "an")).status_code == 403
    assert client.get(BASE, headers={"Authorization": f"Bearer {hall.kiosk_token}"}).status_code == 403


@pytest.mark.parametrize("params, field", [
    ({"from": "2016-01-01", "to": "2026-01-01"}, "to"),
    ({"from": "2026-03-05", "to": "2026-03-01"}, "to"),
    ({"month": "2026-13"}, "month"),
    ({"month": "tháng 3"}, "month"),
    ({"from": "hôm qua"}, "from"),
    ({"table": "passwords"}, "table"),
])
def test_bad_ranges_answer_422_naming_the_field(client, params, field):
    r = client.get(BASE + (".csv" if "table" in params else ""), params=params, headers=token(client, "giam"))
    assert r.status_code == 422, r.text
    assert field in r.text
