"""A city's set-up end to end: real nginx (configured by `motcua deploy nginx`) in front of two
`motcua serve` processes on one PostgreSQL, a hall display in Chromium and a kiosk (the real
HTTP client, with its Idempotency-Key) both through the proxy. One server process is killed
with SIGKILL, brought back, then the other one is killed: the kiosk keeps getting numbers, the
display reconnects through the proxy and shows every call, nothing is lost or duplicated."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from kiosk.client import KioskClient, KioskError
from queue_server.clock import SystemClock
from tests.conftest import PASSWORD, ServerProcess, build_hall, fresh_postgres_database, make_ctx
from tests.deploy.nginx_process import NginxProcess, require_nginx

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(600)]

SERVER_ENV = {"MOTCUA_KIOSK_TICKETS_PER_MINUTE": "100000", "MOTCUA_TRUSTED_PROXIES": "127.0.0.1"}


@dataclass
class KioskRun:
    """A kiosk tapped every `pause` seconds; each tap keeps its key until a number comes."""

    client: KioskClient
    service_id: int
    pause: float = 0.1
    taps: list[tuple[str, str, int]] = field(default_factory=list)  # (key, code, ticket id)
    got_at: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            key = uuid.uuid4().hex
            while True:  # the same tap, asked again under its key until the hall answers
                try:
                    reply = self.client.issue(self.service_id, request_key=key)
                    break
                except KioskError as exc:
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                    time.sleep(0.2)
            self.taps.append((key, reply["ticket"]["code"], reply["ticket"]["id"]))
            self.got_at.append(time.monotonic())
            self.stop.wait(self.pause)

    def longest_gap_after(self, since: float) -> float:
        """The longest time without a number, from `since` on (the kill)."""
        times = [since] + [t for t in self.got_at if t > since]
        return max(b - a for a, b in zip(times, times[1:], strict=False)) if len(times) > 1 else float("inf")


@dataclass
class City:
    url: str
    servers: list[ServerProcess]
    proxy: NginxProcess
    hall: object
    ctx: object


def start_city(tmp_path: Path, pg_url: str) -> City:
    require_nginx()
    ctx = make_ctx(pg_url, tmp_path, SystemClock())
    hall = build_hall(ctx)
    servers = []
    for name in ("a", "b"):
        data = tmp_path / name
        data.mkdir()
        servers.append(ServerProcess(data, database_url=pg_url, env=SERVER_ENV).start(timeout=120))
    proxy = NginxProcess(tmp_path / "nginx", [s.port for s in servers]).start()
    return City(proxy.url, servers, proxy, hall, ctx)


@pytest.fixture
def city(tmp_path: Path):  # noqa: ANN201
    pg_url, drop = fresh_postgres_database()
    c = None
    try:
        c = start_city(tmp_path, pg_url)
        yield c
    finally:
        if c is not None:
            c.proxy.stop()
            for s in c.servers:
                s.stop()
            c.ctx.db.dispose()
        drop()


class Clerk:
    """A clerk at counter 3 (service A) working through the proxy."""

    def __init__(self, url: str, counter_id: int) -> None:
        self.http = httpx.Client(base_url=url, timeout=10)
        token = self.http.post("/api/v1/auth/login", json={"username": "giam", "password": PASSWORD}).json()["token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.counter = counter_id

    def post(self, action: str) -> httpx.Response:
        return self.http.post(f"/api/v1/counters/{self.counter}/{action}")

    def current_after_a_lost_answer(self) -> dict | None:
        deadline = time.monotonic() + 20
        while True:
            r = self.http.get(f"/api/v1/counters/{self.counter}")
            if r.status_code == 200 and r.headers.get("content-type", "").startswith("application/json"):
                return r.json().get("current")
            assert time.monotonic() < deadline, f"the counter could not be read: {r.status_code} {r.text[:200]}"
            time.sleep(0.2)

    def serve_next(self) -> None:
        """Call the next citizen, start and finish; an answer lost with a dying process is
        looked up on the counter rather than pressed again (a second press calls another)."""
        r = self.post("call-next")
        if r.status_code >= 500:
            # the process died with the request: did it call someone before it went? Look at
            # the counter (through the proxy, which may take a moment to route around the dead
            # process); nobody called means nothing was committed, and pressing again is safe
            current = self.current_after_a_lost_answer()
            if current is None:
                r = self.post("call-next")
                assert r.status_code in (200, 204), r.text
        else:
            assert r.status_code == 200, r.text
        for action in ("start", "finish"):
            r = self.post(action)
            assert r.status_code in (200, 409) or r.status_code >= 500, r.text


def called_codes(city: City) -> list[str]:
    with city.ctx.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT t.code FROM events e JOIN tickets t ON t.id = e.ticket_id "
                                 "WHERE e.kind = 'ticket.called' ORDER BY e.id DESC"))
        return [r[0] for r in rows]


def test_killing_either_server_process_behind_nginx_loses_no_ticket_and_no_call(city, new_page):
    clerk = Clerk(city.url, city.hall.c3)
    clerk.post("open")
    display = new_page(1920, 1080)
    display.goto(f"{city.url}/display/hall?calls=20&mute=1")
    display.wait_for_function("() => document.body.dataset.stream === 'live'")
    loads = []
    display.on("load", lambda _: loads.append(time.monotonic()))
    statuses = []
    display.expose_function("recordStatus", lambda s: statuses.append(s))
    display.evaluate("""() => new MutationObserver(() => window.recordStatus(document.body.dataset.stream))
        .observe(document.body, {attributes: true, attributeFilter: ["data-stream"]})""")

    kiosk = KioskRun(KioskClient(city.url, token=city.hall.kiosk_token), city.hall.a)
    worker = threading.Thread(target=kiosk.run, name="kiosk")
    worker.start()
    gaps = []
    try:
        while len(kiosk.taps) < 5:
            time.sleep(0.05)
        clerk.serve_next()
        clerk.serve_next()
        for victim in (0, 1):
            killed_at = time.monotonic()
            city.servers[victim].kill()
            clerk.serve_next()  # the display may be reconnecting now: it must still show these
            clerk.serve_next()
            time.sleep(3)
            gaps.append(kiosk.longest_gap_after(killed_at))
            assert len([t for t in kiosk.got_at if t > killed_at]) > 0, "no number after the kill"
            city.servers[victim].start(timeout=120)
            clerk.serve_next()
    finally:
        kiosk.stop.set()
        worker.join(30)
        kiosk.client.close()
    clerk.serve_next()

    # nothing lost, nothing duplicated: one ticket per tap, each tap's ticket exactly once
    codes = [code for _, code, _ in kiosk.taps]
    assert len(set(codes)) == len(codes), "a code was given twice"
    assert len({tid for _, _, tid in kiosk.taps}) == len(kiosk.taps)
    with city.ctx.db.engine.connect() as conn:
        issued = conn.execute(text("SELECT count(*) FROM tickets")).scalar_one()
        numbers = [r[0] for r in conn.execute(text("SELECT number FROM tickets ORDER BY number"))]
    assert issued == len(kiosk.taps), f"{issued} tickets in the database for {len(kiosk.taps)} taps"
    assert numbers == list(range(1, issued + 1)), "numbering has a hole or a repeat"

    # the display reconnected through the proxy (its stream was on one of the killed processes)
    # and shows every call that was made, newest first, once each
    expected = called_codes(city)
    assert len(expected) == 9
    display.wait_for_function(
        "(n) => window.motcuaHall.state.calls.length >= n", arg=len(expected), timeout=20000)
    shown = display.evaluate("() => window.motcuaHall.state.calls.map((c) => c.code)")
    assert shown == expected
    # it saw its stream drop and came back live (or, had it judged its picture stale, reloaded)
    display.wait_for_function("() => document.body.dataset.stream === 'live'")
    assert "reconnecting" in statuses or loads, f"the display never lost its stream: {statuses}"
    assert statuses[-1:] in ([], ["live"])
    assert display.errors == []
    print(f"\nfailover gaps (s): {[round(g, 2) for g in gaps]}; kiosk errors seen: {len(kiosk.errors)};"
          f" taps: {len(kiosk.taps)}")
