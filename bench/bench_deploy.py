"""A city's set-up measured: real nginx (`motcua deploy nginx`) in front of two `motcua serve`
processes on one PostgreSQL.

- `deploy.failover_gap_s`: a kiosk (the real client, Idempotency-Key per tap) takes a number
  every 0.1 s through the proxy while one of the two processes is killed with SIGKILL; the
  longest time it got no number after a kill (the worst of several kills, each process in turn).
- `queue.lifecycles_per_s.postgres_2proc_proxy`: issue, call, start, finish by 8 clients
  through nginx, balanced over the two processes (compare `queue.lifecycles_per_s.postgres`,
  one process, no proxy).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.server import PASSWORD, postgres_database
from kiosk.client import KioskClient, KioskError
from queue_server.config import load_settings
from queue_server.services import admin
from queue_server.services.context import SYSTEM, Context
from queue_server.store import migrate
from tests.conftest import ServerProcess
from tests.deploy.nginx_process import NginxProcess

SECONDS = float(os.environ.get("MOTCUA_BENCH_SECONDS", "8"))
KILLS = int(os.environ.get("MOTCUA_BENCH_KILLS", "4"))
ENV = {"MOTCUA_KIOSK_TICKETS_PER_MINUTE": "100000", "MOTCUA_TRUSTED_PROXIES": "127.0.0.1"}


class City:
    def __init__(self, counters: int = 8) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-deploy-"))
        self.url_db, self._drop = postgres_database()
        ctx = Context.create(load_settings(env={}, data_dir=str(self.tmp), database_url=self.url_db))
        migrate.upgrade(ctx.db.engine)
        site = admin.create_site(ctx, SYSTEM, code="bench", name="Bench hall")
        self.service = admin.create_service(ctx, SYSTEM, site["id"], code="S0", prefix="A", name_vi="Dịch vụ")["id"]
        self.counters = [admin.create_counter(ctx, SYSTEM, site["id"], number=n + 1, services={self.service: 1})["id"]
                         for n in range(counters)]
        admin.create_user(ctx, SYSTEM, username="sup", password=PASSWORD, role="supervisor")
        self.kiosk_token = admin.create_device(ctx, SYSTEM, site["id"], kind="kiosk", name="k")["token"]
        ctx.db.dispose()
        self.servers = []
        for name in ("a", "b"):
            (self.tmp / name).mkdir()
            self.servers.append(ServerProcess(self.tmp / name, database_url=self.url_db, env=ENV).start(timeout=120))
        self.proxy = NginxProcess(self.tmp / "nginx", [s.port for s in self.servers]).start()
        self.url = self.proxy.url
        self.token = httpx.post(self.url + "/api/v1/auth/login",
                                json={"username": "sup", "password": PASSWORD}).json()["token"]
        for c in self.counters:
            httpx.post(f"{self.url}/api/v1/counters/{c}/open", headers={"Authorization": f"Bearer {self.token}"})

    def stop(self) -> None:
        self.proxy.stop()
        for s in self.servers:
            s.stop()
        self._drop()


def failover_gaps(city: City, kills: int = KILLS) -> list[float]:
    got: list[float] = []
    stop = threading.Event()
    client = KioskClient(city.url, token=city.kiosk_token)

    def kiosk() -> None:
        while not stop.is_set():
            key = uuid.uuid4().hex
            while not stop.is_set():
                try:
                    client.issue(city.service, request_key=key)
                    got.append(time.monotonic())
                    break
                except KioskError:
                    time.sleep(0.05)
            stop.wait(0.1)

    worker = threading.Thread(target=kiosk)
    worker.start()
    gaps = []
    try:
        time.sleep(2)
        for i in range(kills):
            victim = city.servers[i % 2]
            killed = time.monotonic()
            victim.kill()
            time.sleep(4)
            times = [killed] + [t for t in got if t > killed]
            gaps.append(max(b - a for a, b in zip(times, times[1:], strict=False)) if len(times) > 1 else 4.0)
            victim.start(timeout=120)
            time.sleep(2)
    finally:
        stop.set()
        worker.join(20)
        client.close()
    return gaps


def lifecycles_per_s(city: City, clients: int = 8) -> float:
    done = [0]
    stop = threading.Event()
    lock = threading.Lock()

    def client(i: int) -> None:
        counter = city.counters[i]
        with httpx.Client(base_url=city.url, headers={"Authorization": f"Bearer {city.token}"}, timeout=10) as c:
            while not stop.is_set():
                c.post("/api/v1/tickets", json={"service_id": city.service})
                r = c.post(f"/api/v1/counters/{counter}/call-next")
                if r.status_code != 200:
                    continue
                tid = r.json()["id"]
                c.post(f"/api/v1/counters/{counter}/start", json={"ticket_id": tid})
                if c.post(f"/api/v1/counters/{counter}/finish", json={"ticket_id": tid}).status_code == 200:
                    with lock:
                        done[0] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    try:
        for t in threads:
            t.start()
        time.sleep(1.0)
        start_count, t0 = done[0], time.perf_counter()
        time.sleep(SECONDS)
        return (done[0] - start_count) / (time.perf_counter() - t0)
    finally:
        stop.set()
        for t in threads:
            t.join(20)


def run() -> Iterator[dict]:
    city = City()
    try:
        rate = lifecycles_per_s(city)
        gaps = failover_gaps(city)
    finally:
        city.stop()
    yield {"name": "deploy.failover_gap_s", "value": round(max(gaps), 2), "unit": "s", "target": 3,
           "better": "lower", "gaps": [round(g, 2) for g in gaps]}
    yield {"name": "queue.lifecycles_per_s.postgres_2proc_proxy", "value": round(rate, 1), "unit": "lifecycles/s",
           "target": 300, "better": "higher"}
