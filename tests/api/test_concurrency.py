"""Many kiosks and counters at once, and a server killed mid-day: no duplicate number,
no gap, no ticket at two counters, every ticket accounted for, numbering continues.
Each runs twice: with an empty hall, and with 3,000 people already waiting (loaded in
bulk), where calling and the estimate read only the heads of the lines."""

from __future__ import annotations

import threading
import time
from collections import Counter as Tally
from collections import defaultdict

import httpx
import pytest
from sqlalchemy import select

from queue_server.clock import SystemClock
from queue_server.services import admin
from queue_server.services.context import SYSTEM, Context
from queue_server.services.queue.backlog import load_backlog
from queue_server.store.tables import Event, Ticket
from tests.conftest import PASSWORD, ServerProcess, build_hall

pytestmark = pytest.mark.slow

N_ISSUERS = 8
N_COUNTERS = 8
WAITING = [0, 3000]  # people waiting when the load starts


class Load:
    """Issuer threads take numbers; counter threads call, start and finish, each at its own counter."""

    def __init__(self, url: str, token: str, services: list[int], counters: list[int]) -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.services = services
        self.counters = counters
        self.stop = threading.Event()
        self.issued: list[dict] = []  # tickets whose creation the client saw confirmed
        self.finished: list[int] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def _issuer(self, i: int) -> None:
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=10) as c:
            n = 0
            while not self.stop.is_set():
                try:
                    r = c.post("/api/v1/tickets", json={"service_id": self.services[(i + n) % len(self.services)]})
                except httpx.HTTPError:
                    time.sleep(0.05)
                    continue
                n += 1
                if r.status_code == 201:
                    with self.lock:
                        self.issued.append(r.json()["ticket"])
                elif r.status_code != 503:
                    self.errors.append(f"issue {r.status_code} {r.text[:200]}")

    def _counter(self, counter_id: int) -> None:
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=10) as c:
            while not self.stop.is_set():
                try:
                    r = c.post(f"/api/v1/counters/{counter_id}/call-next")
                    if r.status_code == 204:
                        time.sleep(0.01)
                        continue
                    if r.status_code == 409 and "current_ticket_id" in r.json():
                        ticket = {"id": r.json()["current_ticket_id"]}  # left called (e.g. by a crash): serve it
                    elif r.status_code != 200:
                        if r.status_code not in (409, 503):
                            self.errors.append(f"call {r.status_code} {r.text[:200]}")
                        continue
                    else:
                        ticket = r.json()
                    c.post(f"/api/v1/counters/{counter_id}/start", json={"ticket_id": ticket["id"]})
                    f = c.post(f"/api/v1/counters/{counter_id}/finish", json={"ticket_id": ticket["id"]})
                    if f.status_code == 200:
                        with self.lock:
                            self.finished.append(ticket["id"])
                except httpx.HTTPError:
                    time.sleep(0.05)

    def run(self, seconds: float, during=None, *, at_least: int = 0) -> None:  # noqa: ANN001
        """Run for `seconds`, and on until `at_least` tickets were issued and finished
        (a busy machine is slower; the invariants need a real load, not a fixed time)."""
        threads = [threading.Thread(target=self._issuer, args=(i,)) for i in range(N_ISSUERS)]
        threads += [threading.Thread(target=self._counter, args=(cid,)) for cid in self.counters]
        for t in threads:
            t.start()
        try:
            if during:
                during()
            time.sleep(seconds)
            deadline = time.monotonic() + 90
            while (len(self.issued) < at_least or len(self.finished) < at_least // 2) and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            self.stop.set()
            for t in threads:
                t.join(30)


def prepare(ctx, url: str, waiting: int = 0) -> tuple:
    hall = build_hall(ctx)
    counters = [hall.c1, hall.c2, hall.c3]
    for number in range(4, N_COUNTERS + 1):
        counters.append(admin.create_counter(ctx, SYSTEM, hall.site_id, number=number,
                                             services={hall.a: 1, hall.b: number % 3 + 1})["id"])
    if waiting:  # on the server's business day (its clock is the real one)
        load_backlog(Context(ctx.db, ctx.settings, SystemClock()), SYSTEM, [hall.a, hall.b], waiting,
                     priority_every=25)
    r = httpx.post(f"{url}/api/v1/auth/login", json={"username": "giam", "password": PASSWORD})
    token = r.json()["token"]
    for cid in counters:
        assert httpx.post(f"{url}/api/v1/counters/{cid}/open",
                          headers={"Authorization": f"Bearer {token}"}).status_code == 200
    return hall, counters, token


def check_invariants(ctx, load: Load) -> list[Ticket]:
    with ctx.db.reading() as s:
        tickets = list(s.scalars(select(Ticket).where(Ticket.transfer_origin_id.is_(None))))
        called = list(s.scalars(select(Event).where(Event.kind == "ticket.called")))
    # no duplicate and no gap, per service and day
    numbers = defaultdict(list)
    for t in tickets:
        numbers[(t.service_id, t.business_day)].append(t.number)
    for key, nums in numbers.items():
        assert sorted(nums) == list(range(1, len(nums) + 1)), f"numbers of {key} are not 1..n"
    # every confirmed ticket exists with the number the kiosk printed
    by_id = {t.id: t for t in tickets}
    for seen in load.issued:
        assert by_id[seen["id"]].code == seen["code"]
    # a ticket is called once and served by the counter that called it
    tally = Tally(e.ticket_id for e in called)
    assert not [tid for tid, n in tally.items() if n > 1], "a ticket was called twice"
    for e in called:
        assert by_id[e.ticket_id].counter_id == e.counter_id
    # every ticket is accounted for: finished, or still in the hall's hands
    assert {t.state for t in tickets} <= {"waiting", "called", "serving", "finished"}
    finished = {t.id for t in tickets if t.state == "finished"}
    assert set(load.finished) <= finished
    assert len(load.errors) == 0, load.errors[:5]
    return tickets


@pytest.mark.parametrize("waiting", WAITING)
def test_eight_kiosks_and_eight_counters_at_once(ctx, db_url, tmp_path, waiting):
    server = ServerProcess(tmp_path, database_url=db_url).start()
    try:
        hall, counters, token = prepare(ctx, server.url, waiting)
        load = Load(server.url, token, [hall.a, hall.b], counters)
        load.run(4, at_least=60)
        tickets = check_invariants(ctx, load)
        assert len(load.issued) >= 60 and len(load.finished) >= 30  # the load really ran
        assert len({t.counter_id for t in tickets if t.state == "finished"}) >= 4
    finally:
        server.stop()


@pytest.mark.parametrize("waiting", WAITING)
def test_a_server_killed_under_load_loses_and_duplicates_nothing(ctx, db_url, tmp_path, waiting):
    server = ServerProcess(tmp_path, database_url=db_url).start()
    try:
        hall, counters, token = prepare(ctx, server.url, waiting)
        load = Load(server.url, token, [hall.a, hall.b], counters)

        def kill_midway() -> None:
            # under way for real first (a busy machine may need longer than a quiet one)
            deadline = time.monotonic() + 60
            while (len(load.issued) < 20 or len(load.finished) < 5) and time.monotonic() < deadline:
                time.sleep(0.05)
            server.kill()  # SIGKILL: no shutdown, transactions cut wherever they were

        load.run(0.5, during=kill_midway)
        server.start()
        check_invariants(ctx, load)
        before = len(load.issued)
        assert before > 0
        # numbering continues after the crash, with no gap and no reuse
        with ctx.db.reading() as s:
            last_a = max(t.number for t in s.scalars(select(Ticket).where(Ticket.service_id == hall.a)))
        r = httpx.post(f"{server.url}/api/v1/tickets", json={"service_id": hall.a},
                       headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 201 and r.json()["ticket"]["number"] == last_a + 1
        # the hall goes on: the counters can call what was waiting
        load2 = Load(server.url, token, [hall.a, hall.b], counters)
        load2.run(1.5, at_least=10)
        check_invariants(ctx, load2)
    finally:
        server.stop()
