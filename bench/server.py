"""A seeded hall behind a real `motcua serve` process, for benchmarks over HTTP."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from queue_server.config import load_settings
from queue_server.services import admin
from queue_server.services.context import SYSTEM, Context
from queue_server.store import migrate

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("MOTCUA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class BenchHall:
    url: str
    services: list[int]
    counters: list[int]
    staff_token: str
    kiosk_token: str
    proc: subprocess.Popen
    cleanup: list = field(default_factory=list)
    database_url: str = ""

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        for fn in self.cleanup:
            fn()


def postgres_database() -> tuple[str, callable]:
    name = f"motcua_bench_{secrets.token_hex(4)}"
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with engine.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False), drop


def _served_history(ctx: Context, services: list[int], counters: list[int], n: int) -> None:
    """`n` tickets issued and finished today, at the counters in turn (bulk, in one transaction)."""
    from sqlalchemy import case, update

    from queue_server.services.queue.backlog import load_backlog
    from queue_server.store.tables import Ticket

    load_backlog(ctx, SYSTEM, services, n)
    at = case(*((Ticket.id % len(counters) == k, c) for k, c in enumerate(counters)))
    with ctx.db.writing() as session:
        session.execute(update(Ticket).values(state="finished", counter_id=at, called_at=Ticket.issued_at,
                                              last_called_at=Ticket.issued_at, serving_at=Ticket.issued_at,
                                              finished_at=Ticket.issued_at, call_count=1))


def start_hall(engine: str = "sqlite", *, counters: int = 8, services: int = 2, waiting: int = 0, workers: int = 1,
               cpus: str | None = None, env: dict[str, str] | None = None, served: int = 0) -> BenchHall:
    """A served hall; `waiting` tickets are loaded in bulk first (a day with a backlog), after
    `served` tickets already finished at the counters in turn (a hall with a history).
    `cpus` (e.g. "0"): run the server under `taskset -c cpus`, away from the load generator."""
    data = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    cleanup = []
    if engine == "postgres":
        url, drop = postgres_database()
        cleanup.append(drop)
    else:
        url = f"sqlite:///{data / 'motcua.db'}"
    ctx = Context.create(load_settings(env={}, data_dir=str(data), database_url=url, kiosk_tickets_per_minute=100000))
    migrate.upgrade(ctx.db.engine)
    site = admin.create_site(ctx, SYSTEM, code="bench", name="Bench hall")
    svc = [admin.create_service(ctx, SYSTEM, site["id"], code=f"S{i}", prefix=chr(65 + i), name_vi=f"Dịch vụ {i}")["id"]
           for i in range(services)]
    ctr = [admin.create_counter(ctx, SYSTEM, site["id"], number=n + 1, services={s: 1 for s in svc})["id"]
           for n in range(counters)]
    admin.create_user(ctx, SYSTEM, username="sup", password=PASSWORD, role="supervisor")
    kiosk = admin.create_device(ctx, SYSTEM, site["id"], kind="kiosk", name="k")["token"]
    if served:
        _served_history(ctx, svc, ctr, served)
    if waiting:
        from queue_server.services.queue.backlog import load_backlog

        load_backlog(ctx, SYSTEM, svc, waiting)
    ctx.db.dispose()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MOTCUA_KIOSK_TICKETS_PER_MINUTE": "100000", **(env or {})}
    pin = ["taskset", "-c", cpus] if cpus else []
    proc = subprocess.Popen([*pin, sys.executable, "-m", "queue_server.cli", "serve", "--data", str(data),
                             "--database-url", url, "--port", str(port), "--log-level", "warning",
                             "--workers", str(workers)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        token = httpx.post(base + "/api/v1/auth/login", json={"username": "sup", "password": PASSWORD},
                           timeout=60).json()["token"]  # Argon2 takes seconds on a loaded machine
        for c in ctr:
            httpx.post(f"{base}/api/v1/counters/{c}/open", headers={"Authorization": f"Bearer {token}"})
    except BaseException:  # a server that never became usable is not left running
        BenchHall(base, svc, ctr, "", kiosk, proc, cleanup, url).stop()
        raise
    return BenchHall(base, svc, ctr, token, kiosk, proc, cleanup, url)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]
