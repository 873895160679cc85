"""A refused request writes nothing: no event appended, no row changed (issue 10, item 6).

The hall holds an overdue dossier that no sweep has flagged yet, so a request that wrongly
ran the overdue sweep before refusing (as the supervision report did) would append a
`dossier.overdue` event. Every request below is refused (bad dates, unknown ids, wrong
roles, wrong states) and the whole database must read the same afterwards, on both engines.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.api.app import create_app
from queue_server.store.tables import Base, Event
from tests.conftest import PASSWORD
from tests.dossiers.helpers import at_local, payload, receive_at

# (method, url, who, body): who is a role name (a logged-in user of that role), "kiosk" or "anonymous"
REFUSED = [
    ("GET", "/api/v1/dossier-reports/supervision?from=2026-13-01", "supervisor", None),
    ("GET", "/api/v1/dossier-reports/supervision?from=2026-03-31&to=2026-03-01", "supervisor", None),
    ("GET", "/api/v1/dossier-reports/supervision?from=2020-01-01&to=2026-03-01", "supervisor", None),
    ("GET", "/api/v1/dossier-reports/supervision", "clerk", None),
    ("GET", "/api/v1/dossier-reports/supervision?site=no-such-site", "supervisor", None),
    ("GET", "/api/v1/dossier-reports/supervision", "kiosk", None),
    ("GET", "/api/v1/dossier-reports/supervision", "anonymous", None),
    ("GET", "/api/v1/dossier-reports/ratings?from=2020-01-01&to=2026-03-01", "supervisor", None),
    ("GET", "/api/v1/dossier-reports/logbook.csv?to=ngày-mai", "supervisor", None),
    ("GET", "/api/v1/dossier-reports/logbook.pdf", "clerk", None),
    ("GET", "/api/v1/dossiers/999999", "clerk", None),
    ("GET", "/api/v1/dossiers/1/letters/apology.pdf", "clerk", None),  # no apology step yet
    ("GET", "/api/v1/dossiers/1/receipt.bin?profile=no-such-printer", "clerk", None),
    ("GET", "/api/v1/dossiers?ticket_id=999999", "kiosk", None),
    ("GET", "/api/v1/dossiers/due?procedure=9.999999", "clerk", None),
    ("GET", "/api/v1/tickets/999999", "clerk", None),
    ("GET", "/api/v1/tickets/1/position?k=wrong", "anonymous", None),
    ("GET", "/api/v1/counters/999", "clerk", None),
    ("GET", "/api/v1/events/log", "clerk", None),
    ("GET", "/api/v1/admin/users", "clerk", None),
    ("POST", "/api/v1/dossiers/sweep", "clerk", None),
    ("POST", "/api/v1/dossiers", "clerk", payload(applicant={"name": "", "address": ""})),
    ("POST", "/api/v1/dossiers", "clerk", payload(procedure="9.999999")),
    ("POST", "/api/v1/dossiers", "kiosk", payload()),
    ("POST", "/api/v1/dossiers/1/return", "clerk", {}),  # not ready yet: wrong state
    ("POST", "/api/v1/dossiers/999999/refuse", "clerk", {"reason": "Thiếu giấy tờ"}),
    ("POST", "/api/v1/tickets", "kiosk", {"service_id": 999}),
    ("POST", "/api/v1/ratings", "kiosk", {"level": "satisfied", "reasons": ["không-có"]}),
    ("POST", "/api/v1/counters/1/call-next", "clerk", None),  # the counter is not open
]


def _snapshot(ctx) -> dict[str, list[tuple]]:
    """Every row of every table, in key order."""
    out = {}
    with ctx.db.reading() as session:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(map(repr, r)) for r in session.execute(select(table).order_by(*order))]
    return out


def _kinds(ctx) -> list[str]:
    with ctx.db.reading() as session:
        return list(session.scalars(select(Event.kind).order_by(Event.id)))


@pytest.fixture
def client(hall, ctx, clock):
    receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", "1.004222")  # due Wed 11/3 17:00
    at_local(clock, "2026-03-12 09:00")  # overdue now, and no sweep has run
    with TestClient(create_app(ctx.settings, ctx=ctx, dossier_sweep_seconds=3600),
                    raise_server_exceptions=False) as c:
        yield c


def test_every_refused_request_leaves_the_event_log_and_the_rows_unchanged(client, ctx, hall):
    headers = {"anonymous": {}, "kiosk": {"Authorization": f"Bearer {hall.kiosk_token}"}}
    for role, username in (("clerk", "an"), ("supervisor", "giam")):
        token = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD}).json()["token"]
        headers[role] = {"Authorization": f"Bearer {token}"}
    client.cookies.clear()  # bearer tokens only: "anonymous" is anonymous
    before = _snapshot(ctx)
    assert "dossier.overdue" not in _kinds(ctx)
    for method, url, who, body in REFUSED:
        r = client.request(method, url, headers=headers[who], json=body)
        assert 400 <= r.status_code < 500, (method, url, who, r.status_code, r.text)
        after = _snapshot(ctx)
        changed = {name for name in before if before[name] != after[name]}
        assert not changed, (method, url, who, r.status_code, changed)
    # the report itself still answers from the clock: the dossier is listed late, nothing is written
    r = client.get("/api/v1/dossier-reports/supervision", headers=headers["supervisor"])
    assert r.status_code == 200 and len(r.json()["late"]) == 1
    assert _snapshot(ctx) == before
    # the sweep is an explicit action (and the server's scheduled task): it writes the event
    assert client.post("/api/v1/dossiers/sweep", headers=headers["supervisor"]).json() == {"due_soon": 0, "overdue": 1}
    assert "dossier.overdue" in _kinds(ctx)


def test_the_server_flags_overdue_dossiers_on_its_own_schedule(hall, ctx, clock):
    import time

    receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", "1.004222")
    at_local(clock, "2026-03-12 09:00")
    with TestClient(create_app(ctx.settings, ctx=ctx, dossier_sweep_seconds=0.05)):
        deadline = time.monotonic() + 10
        while "dossier.overdue" not in _kinds(ctx) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert _kinds(ctx).count("dossier.overdue") == 1
