"""The live event stream as screens use it: in order, with ids, resumable after a
disconnect or a server restart, filtered, and shared by several server processes."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from queue_server.events import log
from queue_server.store.tables import Event
from tests.conftest import PASSWORD, ServerProcess, build_hall
from tests.sse import SSEReader


@pytest.fixture
def served(ctx, db_url, tmp_path):
    hall = build_hall(ctx)
    server = ServerProcess(tmp_path, database_url=db_url).start()
    yield hall, server
    server.stop()


def issue(server: ServerProcess, hall, service_id: int | None = None) -> dict:
    r = httpx.post(f"{server.url}/api/v1/tickets", json={"service_id": service_id or hall.a},
                   headers={"Authorization": f"Bearer {hall.kiosk_token}"})
    assert r.status_code == 201, r.text
    return r.json()["ticket"]


def staff(server: ServerProcess, username: str = "giam") -> dict[str, str]:
    r = httpx.post(f"{server.url}/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_events_arrive_in_order_with_increasing_ids(served):
    hall, server = served
    reader = SSEReader(f"{server.url}/api/v1/events").start()
    codes = [issue(server, hall)["code"] for _ in range(5)]
    events = reader.take(5)
    assert [e["data"]["code"] for e in events] == codes
    ids = [e["id"] for e in events]
    assert ids == sorted(ids) and len(set(ids)) == 5
    reader.stop()


def test_a_screen_that_reconnects_gets_what_it_missed(served):
    hall, server = served
    reader = SSEReader(f"{server.url}/api/v1/events").start()
    issue(server, hall)
    last = reader.take(1)[0]["id"]
    reader.stop()
    missed = [issue(server, hall)["code"] for _ in range(3)]
    again = SSEReader(f"{server.url}/api/v1/events", last_event_id=last).start()
    assert [e["data"]["code"] for e in again.take(3)] == missed
    assert again.quiet(0.5) == []
    again.stop()


def test_nothing_is_missed_across_a_server_restart(served):
    hall, server = served
    reader = SSEReader(f"{server.url}/api/v1/events").start()
    issue(server, hall)
    last = reader.take(1)[0]["id"]
    before_kill = issue(server, hall)["code"]  # committed, maybe never streamed
    server.kill()
    reader.stop()
    server.start()
    after = issue(server, hall)["code"]
    again = SSEReader(f"{server.url}/api/v1/events", last_event_id=last).start()
    assert [e["data"]["code"] for e in again.take(2)] == [before_kill, after]
    again.stop()


def test_filters_by_kind_and_anonymous_screens_see_no_staff_events(served):
    hall, server = served
    calls = SSEReader(f"{server.url}/api/v1/events?kinds=ticket.called").start()
    everything = SSEReader(f"{server.url}/api/v1/events").start()
    h = staff(server)
    issue(server, hall)
    httpx.post(f"{server.url}/api/v1/counters/{hall.c3}/open", headers=h)
    httpx.post(f"{server.url}/api/v1/counters/{hall.c3}/call-next", headers=h)
    httpx.post(f"{server.url}/api/v1/admin/sites/{hall.site_id}/devices", headers=h,
               json={"kind": "kiosk", "name": "x"})  # refused (supervisor) and not an event anyway
    got = calls.take(1)
    assert got[0]["kind"] == "ticket.called" and got[0]["data"]["counter_number"] == 3
    assert calls.quiet(0.5) == []
    kinds = [e["kind"] for e in everything.take(3)]
    assert kinds == ["ticket.issued", "counter.opened", "ticket.called"]
    calls.stop()
    everything.stop()


def test_a_bad_last_event_id_is_named(served):
    _, server = served
    r = httpx.get(f"{server.url}/api/v1/events", headers={"Last-Event-ID": "abc"})
    assert r.status_code == 422 and "Last-Event-ID" in r.json()["detail"]


@pytest.mark.postgres
def test_an_event_committed_by_one_process_reaches_a_subscriber_of_another(pg_ctx, pg_url, tmp_path):
    hall = build_hall(pg_ctx)
    a = ServerProcess(tmp_path, database_url=pg_url).start()
    b = ServerProcess(tmp_path, database_url=pg_url).start()
    try:
        reader = SSEReader(f"{b.url}/api/v1/events").start()
        codes = [issue(a, hall)["code"] for _ in range(3)]
        assert [e["data"]["code"] for e in reader.take(3)] == codes
        reader.stop()
    finally:
        a.stop()
        b.stop()


@pytest.mark.postgres
def test_a_reader_never_skips_an_event_that_commits_late(pg_ctx):
    """Ids are given at insert, but transactions commit in any order: an event with a
    smaller id that commits later must still be read, before the newer one.
    (SQLite serialises writers, so there ids already come in commit order.)"""
    ctx = pg_ctx
    hall = build_hall(ctx)
    now = ctx.clock.now()
    slow = ctx.db._write()
    slow.begin()
    log.append(slow, site_id=hall.site_id, kind="hall.slow", at=now)
    slow.flush()
    with ctx.db.reading() as s:
        start = log.head(s)
    with ctx.db.writing() as fast:
        log.append(fast, site_id=hall.site_id, kind="hall.fast", at=now)
    with ctx.db.reading() as s:
        assert log.read_after(s, start) == []  # the fast one waits for the slow one
    slow.commit()
    slow.close()
    with ctx.db.reading() as s:
        got = [e.kind for e in log.read_after(s, start)]
        ids = {e.kind: e.id for e in s.scalars(select(Event).where(Event.kind.like("hall.%")))}
    assert got == ["hall.slow", "hall.fast"]
    assert ids["hall.slow"] < ids["hall.fast"]


@pytest.mark.postgres
def test_a_long_transaction_in_another_database_does_not_hold_events_back(pg_ctx):
    """A province's PostgreSQL serves other applications too: their long transactions must
    not stop the hall's screens (only transactions of our own database can hold an event)."""
    from sqlalchemy import create_engine, text

    from tests.conftest import PG_URL

    ctx = pg_ctx
    hall = build_hall(ctx)
    with ctx.db.reading() as s:
        start = log.head(s)
    other = create_engine(PG_URL).connect()  # the cluster's maintenance database, not ours
    try:
        other.execute(text("CREATE TEMP TABLE elsewhere (n int)"))
        other.execute(text("INSERT INTO elsewhere VALUES (1)"))  # a writing transaction, left open
        with ctx.db.writing() as w:
            log.append(w, site_id=hall.site_id, kind="hall.after", at=ctx.clock.now())
        with ctx.db.reading() as s:
            assert [e.kind for e in log.read_after(s, start)] == ["hall.after"]
            assert [e.kind for e in log.read_tail(s, 1)] == ["hall.after"]
    finally:
        other.rollback()
        other.close()


def test_a_shutdown_ends_open_streams_cleanly(ctx, db_url, tmp_path):
    build_hall(ctx)
    server = ServerProcess(tmp_path, database_url=db_url).start()
    reader = SSEReader(f"{server.url}/api/v1/events").start()
    server.stop()  # SIGTERM, as systemd or Ctrl+C would
    reader._thread.join(10)
    assert not reader._thread.is_alive()  # the stream ended; the screen will reconnect elsewhere
    log = server.log.read_text(errors="replace")
    assert "graceful shutdown exceeded" not in log and "Traceback" not in log
