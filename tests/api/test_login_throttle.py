"""Login throttling: growing delays and a lockout per account and per client address, counted
in the database (shared by server processes), answered 429 with Retry-After in Vietnamese and
English, a refused attempt costing no password hash, and every lockout an event for staff."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from queue_server.events.hub import Filter
from queue_server.events.log import read_after
from queue_server.services import auth, login_throttle
from queue_server.services.context import Context
from queue_server.services.errors import RateLimited, Unauthorized
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _fresh_memory():
    login_throttle.forget()
    auth.forget_token()
    yield
    login_throttle.forget()


@pytest.fixture
def client(hall, ctx):
    with TestClient(create_app(ctx.settings, ctx=ctx), client=("203.0.113.7", 5000)) as c:
        yield c


@pytest.fixture
def hashes(monkeypatch):
    """How many password hashes were checked."""
    calls = []
    real = auth._verify

    def counting(attempt, password):  # noqa: ANN001, ANN202
        calls.append(1)
        return real(attempt, password)

    monkeypatch.setattr(auth, "_verify", counting)
    return calls


def _login(client: TestClient, username: str, password: str, **headers: str):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password}, headers=headers)


def test_thirty_wrong_passwords_in_a_minute_are_refused_with_retry_after_and_cost_no_hash(client, hashes) -> None:
    answers = [_login(client, "an", f"sai-mat-khau-{i}") for i in range(30)]
    codes = [r.status_code for r in answers]
    assert codes[:3] == [401, 401, 401]  # the first few mistakes are free
    assert 429 in codes and set(codes) <= {401, 429}
    refused = next(r for r in answers if r.status_code == 429)
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["detail"].startswith("Đăng nhập sai quá nhiều lần")
    assert refused.json()["detail_en"].startswith("Too many failed logins")
    assert len(hashes) == codes.count(401)  # a throttled attempt never reached the hash


def test_delays_grow_then_the_account_is_locked_even_for_the_right_password(ctx, hall, clock) -> None:
    waits = []
    for i in range(40):
        try:
            auth.login(ctx, "an", f"wrong-{i}", address=f"198.51.100.{i}")  # a new address each time
        except Unauthorized:
            continue
        except RateLimited as exc:
            waits.append(exc.extra["retry_after"])
            if exc.extra["retry_after"] > 600:
                break
            clock.advance(seconds=exc.extra["retry_after"])
    assert waits[:4] == [1, 2, 4, 8]
    assert waits[-1] > 600  # locked out for the window (15 minutes)
    with pytest.raises(RateLimited):
        auth.login(ctx, "an", PASSWORD, address="198.51.100.250")
    clock.advance(minutes=16)
    assert auth.login(ctx, "an", PASSWORD, address="198.51.100.250").actor.id == hall.clerk.id


def test_a_successful_login_resets_the_account_count(ctx, hall, clock) -> None:
    for _ in range(2):
        for i in range(3):
            with pytest.raises(Unauthorized):
                auth.login(ctx, "an", f"wrong-{i}", address=f"192.0.2.{i}")
        with pytest.raises(RateLimited):  # the fourth try waits a second, even the right password
            auth.login(ctx, "an", PASSWORD, address="192.0.2.99")
        clock.advance(seconds=1)
        assert auth.login(ctx, "an", PASSWORD, address="192.0.2.99")
    with pytest.raises(Unauthorized):  # still a plain wrong answer, not a delay
        auth.login(ctx, "an", "wrong-again", address="192.0.2.5")


def test_an_unknown_username_is_counted_like_a_known_one_and_case_does_not_escape(ctx, hall) -> None:
    for i in range(3):
        with pytest.raises(Unauthorized):
            auth.login(ctx, "AN" if i % 2 else "an", f"wrong-{i}", address=f"192.0.2.{i}")
        with pytest.raises(Unauthorized):
            auth.login(ctx, "khong-co-ai", f"wrong-{i}", address=f"192.0.2.{i + 10}")
    with pytest.raises(RateLimited):
        auth.login(ctx, "an", "wrong-x", address="192.0.2.50")
    with pytest.raises(RateLimited):
        auth.login(ctx, "khong-co-ai", "wrong-x", address="192.0.2.51")


def test_one_address_guessing_many_accounts_is_throttled(ctx, hall, hashes) -> None:
    refused = 0
    for i in range(40):
        try:
            auth.login(ctx, f"user-{i}", "wrong-password", address="203.0.113.9")
        except Unauthorized:
            pass
        except RateLimited:
            refused += 1
    assert refused > 0 and len(hashes) == 40 - refused
    # another address is not affected
    assert auth.login(ctx, "an", PASSWORD, address="203.0.113.10")


def test_every_lockout_is_an_event_staff_see_and_anonymous_screens_do_not(client, ctx, hall, clock) -> None:
    for i in range(30):
        r = _login(client, "binh", f"wrong-{i}")
        if r.status_code == 429:
            if int(r.headers["retry-after"]) > 600:
                break
            clock.advance(seconds=int(r.headers["retry-after"]))
    with ctx.db.reading() as session:
        lockouts = [e for e in read_after(session, (0, 0), limit=1000) if e.kind == "auth.lockout"]
    assert len(lockouts) == 1
    event = lockouts[0]
    assert event.data["scope"] == "account" and event.data["username"] == "binh"
    assert event.data["address"] == "203.0.113.7" and event.site_id == hall.site_id
    assert not Filter(public_only=True).accepts(event)  # never on a hall display or an anonymous stream
    clock.advance(seconds=61)  # the address made ten mistakes too: it waits a little
    supervisor = client.post("/api/v1/auth/login", json={"username": "giam", "password": PASSWORD}).json()
    seen = client.get("/api/v1/events/log", headers={"Authorization": f"Bearer {supervisor['token']}"}).json()
    assert "auth.lockout" in [e["kind"] for e in seen["events"]]


def test_a_huge_username_is_a_clear_422_and_costs_no_hash(client, hashes) -> None:
    r = _login(client, "a" * 10_000, "whatever-password")
    assert r.status_code == 422
    assert "username" in r.text
    r = _login(client, "an", "p" * 10_000)
    assert r.status_code == 422 and "password" in r.text
    assert hashes == []


def test_the_count_is_shared_by_server_processes(ctx, hall, clock) -> None:
    """A second Context (its own engine, as another process has) sees the same count."""
    other = Context.create(ctx.settings, clock)
    try:
        for i in range(3):
            with pytest.raises(Unauthorized):
                auth.login(ctx if i % 2 else other, "an", f"w{i}", address=f"192.0.2.{i}")
        login_throttle.forget()  # what the other process decided is not in this one's memory
        with pytest.raises(RateLimited):
            auth.login(other, "an", PASSWORD, address="192.0.2.77")
    finally:
        other.db.dispose()


def test_a_thousand_concurrent_logins_leave_kiosks_and_counters_answered(tmp_path, clock) -> None:
    """1,000 logins at once (spread over addresses behind a trusted proxy, so none is throttled
    by address) against `motcua serve`: every login is answered 401 or 429, never 5xx, and a
    kiosk's tickets and a counter's calls made meanwhile all succeed."""
    import asyncio

    import httpx

    from tests.conftest import ServerProcess, build_hall, make_ctx

    ctx = make_ctx(f"sqlite:///{tmp_path / 'motcua.db'}", tmp_path, clock)
    hall = build_hall(ctx)
    ctx.db.dispose()
    server = ServerProcess(tmp_path, env={"MOTCUA_TRUSTED_PROXIES": "127.0.0.1"}).start()
    try:
        staff = httpx.post(server.url + "/api/v1/auth/login", json={"username": "giam", "password": PASSWORD},
                           timeout=30).json()["token"]
        httpx.post(f"{server.url}/api/v1/counters/{hall.c1}/open", headers={"Authorization": f"Bearer {staff}"},
                   timeout=30)

        async def scenario() -> tuple[list[int], list[int]]:
            limits = httpx.Limits(max_connections=1000)
            async with httpx.AsyncClient(base_url=server.url, timeout=120, limits=limits) as c:
                async def bad_login(i: int) -> int:
                    r = await c.post("/api/v1/auth/login", json={"username": f"user{i}", "password": "wrong-pass"},
                                     headers={"X-Forwarded-For": f"10.0.{i // 250}.{i % 250 + 1}"})
                    return r.status_code

                async def hall_work() -> list[int]:
                    codes = []
                    for _ in range(10):
                        r = await c.post("/api/v1/tickets", json={"service_id": hall.a},
                                         headers={"Authorization": f"Bearer {hall.kiosk_token}"})
                        codes.append(r.status_code)
                        r = await c.post(f"/api/v1/counters/{hall.c1}/call-next",
                                         headers={"Authorization": f"Bearer {staff}"})
                        codes.append(r.status_code)
                        if r.status_code == 200:
                            r = await c.post(f"/api/v1/counters/{hall.c1}/finish", json={"ticket_id": r.json()["id"]},
                                             headers={"Authorization": f"Bearer {staff}"})
                            codes.append(r.status_code)
                    return codes

                logins = [asyncio.create_task(bad_login(i)) for i in range(1000)]
                work = await hall_work()
                return list(await asyncio.gather(*logins)), work

        logins, work = asyncio.run(scenario())
    finally:
        server.stop()
    assert set(logins) <= {401, 429} and 429 in logins
    assert work and set(work) <= {200, 201}
