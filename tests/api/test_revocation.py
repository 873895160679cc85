"""Revocation across server processes (a logged-out session, a revoked device, a deactivated
user stop working everywhere within a second), and sessions that end after idle time."""

from __future__ import annotations

import time

import httpx
import pytest

from queue_server.services import admin, auth
from queue_server.services.context import SYSTEM
from tests.conftest import PASSWORD, ServerProcess, build_hall, fresh_postgres_database, make_ctx


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_database(request, tmp_path, clock):
    """A seeded hall in one database, and its URL for server processes (None: SQLite in tmp_path)."""
    if request.param == "sqlite":
        url, drop, server_url = f"sqlite:///{tmp_path / 'motcua.db'}", (lambda: None), None
    else:
        url, drop = fresh_postgres_database()
        server_url = url
    ctx = make_ctx(url, tmp_path, clock)
    try:
        yield ctx, build_hall(ctx), server_url
    finally:
        ctx.db.dispose()
        drop()


def _me(url: str, token: str) -> int:
    return httpx.get(url + "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code


def test_revocations_hold_on_every_process_within_a_second(shared_database, tmp_path) -> None:
    ctx, hall, server_url = shared_database
    a = ServerProcess(tmp_path, server_url).start()
    b = ServerProcess(tmp_path, server_url).start()
    try:
        def login(username: str) -> str:
            r = httpx.post(a.url + "/api/v1/auth/login", json={"username": username, "password": PASSWORD}, timeout=30)
            assert r.status_code == 200, r.text
            return r.json()["token"]

        an, binh, giam = login("an"), login("binh"), login("giam")
        tokens = [an, binh, giam, hall.kiosk_token]
        for server in (a, b):  # both processes know every token now (and remember it)
            assert [_me(server.url, t) for t in tokens] == [200] * 4

        r = httpx.post(a.url + "/api/v1/auth/logout", headers={"Authorization": f"Bearer {an}"}, timeout=10)
        assert r.status_code == 204
        admin.update_user(ctx, SYSTEM, hall.clerk2.id, active=False)  # from a third process: the admin CLI
        admin.revoke_device(ctx, SYSTEM, hall.kiosk.id)
        time.sleep(1.0)
        assert [_me(b.url, t) for t in tokens] == [401, 401, 200, 401]
        assert [_me(a.url, t) for t in tokens] == [401, 401, 200, 401]
    finally:
        a.stop()
        b.stop()


def test_a_session_ends_after_idle_time_and_activity_keeps_it(ctx, hall, clock) -> None:
    assert ctx.settings.session_idle_minutes == 60 and ctx.settings.session_hours == 12
    token = auth.login(ctx, "an", PASSWORD).token
    for _ in range(3):  # a clerk who does something every 50 minutes stays logged in
        clock.advance(minutes=50)
        assert auth.authenticate(ctx, token) is not None
    clock.advance(minutes=61)
    assert auth.authenticate(ctx, token) is None
    auth.forget_token()
    assert auth.authenticate(ctx, token) is None  # the database says so too, not only this process


def test_the_absolute_limit_holds_however_active_the_session(ctx, hall, clock) -> None:
    token = auth.login(ctx, "an", PASSWORD).token
    for _ in range(23):
        clock.advance(minutes=30)
        assert auth.authenticate(ctx, token) is not None
    clock.advance(minutes=31)  # 12 h 01 min after the login
    assert auth.authenticate(ctx, token) is None


def test_an_open_event_stream_ends_when_its_session_or_device_is_revoked(shared_database, tmp_path) -> None:
    """Not only new requests: a supervisor's or the agent's stream already open on another
    process stops within a second or so of the logout or the revocation."""
    import threading

    ctx, hall, server_url = shared_database
    a = ServerProcess(tmp_path, server_url).start()
    b = ServerProcess(tmp_path, server_url).start()
    try:
        r = httpx.post(a.url + "/api/v1/auth/login", json={"username": "giam", "password": PASSWORD}, timeout=30)
        giam = r.json()["token"]
        ended: dict[str, float] = {}

        def follow(name: str, token: str) -> None:
            with httpx.stream("GET", b.url + "/api/v1/events", headers={"Authorization": f"Bearer {token}"},
                              timeout=httpx.Timeout(30, read=40)) as stream:
                assert stream.status_code == 200
                for _ in stream.iter_raw():
                    pass
            ended[name] = time.monotonic()

        threads = [threading.Thread(target=follow, args=("giam", giam), daemon=True),
                   threading.Thread(target=follow, args=("agent", hall.agent_token), daemon=True)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        assert ended == {}  # both streams are open and stay open
        revoked = time.monotonic()
        assert httpx.post(a.url + "/api/v1/auth/logout", headers={"Authorization": f"Bearer {giam}"},
                          timeout=10).status_code == 204
        with ctx.db.reading() as session:
            from queue_server.store.tables import Device

            agent_id = next(d.id for d in session.query(Device) if d.kind == "agent")
        admin.revoke_device(ctx, SYSTEM, agent_id)
        for t in threads:
            t.join(15)
        assert set(ended) == {"giam", "agent"}
        assert max(ended.values()) - revoked < 5  # well before the next keep-alive (15 s)
    finally:
        a.stop()
        b.stop()
