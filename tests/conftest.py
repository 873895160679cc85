"""Shared fixtures: a database on each engine (SQLite file, real PostgreSQL), a hall
with services, counters, people and a kiosk, a hand-moved clock, server processes, and one
headless Chromium for the whole run (Debian's /usr/bin/chromium driven by Playwright; no
browser is ever downloaded)."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from queue_server.clock import ManualClock
from queue_server.config import load_settings
from queue_server.services import admin
from queue_server.services.context import SYSTEM, Actor, Context
from queue_server.store import migrate
from queue_server.store.engine import make_engine

ROOT = Path(__file__).resolve().parents[1]
CI = os.environ.get("CI") == "true"
PG_URL = os.environ.get("MOTCUA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]


# -- parallel runs (pytest-xdist, `--dist loadgroup`) ----------------------------------
# Tests that share an expensive fixture wider than one test (the kiosk's Kivy window and its
# hall, a module's simulated day) stay on one worker, so it is built once, not once per worker.
SHARED_ACROSS_FILES = {"kiosk_driver": "kiosk", "kiosk_hall": "kiosk", "hall_dossiers": "kiosk",
                       "slip_printer": "kiosk"}
SHARED_IN_FILE = ("tests/api/test_fuzz_openapi.py", "tests/bench/test_sim_day.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", ())
        group = next((g for f, g in SHARED_ACROSS_FILES.items() if f in names), None)
        path = Path(str(item.fspath)).relative_to(ROOT).as_posix()
        if group is None and path in SHARED_IN_FILE:
            group = path
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    """One Chromium for every browser test (Playwright's sync API allows one instance at a time)."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if CI:
            pytest.fail(message + "; CI=true makes browser tests mandatory")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001
        return str(exc).splitlines()[0]


_PG_PROBLEM: str | None | bool = False


def require_postgres() -> None:
    """Skip when PostgreSQL is absent on a developer machine; fail in CI (CI=true)."""
    global _PG_PROBLEM
    if _PG_PROBLEM is False:
        _PG_PROBLEM = _pg_reachable()
    if _PG_PROBLEM:
        message = f"PostgreSQL at {PG_URL} is not reachable: {_PG_PROBLEM}"
        if CI:
            pytest.fail(message + " (CI=true makes PostgreSQL tests mandatory)")
        pytest.skip(message)


def _admin_engine():  # noqa: ANN202
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def fresh_postgres_database(template: str | None = None) -> tuple[str, callable]:
    """Create a database for one test (empty, or a copy of `template`); returns its URL and a
    function that drops it."""
    require_postgres()
    name = f"motcua_test_{secrets.token_hex(5)}"
    admin_engine = _admin_engine()
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()

    return url, drop


class Templates:
    """Migrated databases made once per test process and copied for each test that needs a
    migrated one: a SQLite file copy or a PostgreSQL `CREATE DATABASE ... TEMPLATE` instead of
    running every migration again (tests/store still migrates from nothing). PostgreSQL test
    databases are dropped by a background thread, so no test waits for a drop."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._sqlite: Path | None = None
        self._pg: str | None = None
        self._drops = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-test-db")

    def sqlite_copy(self, target: Path) -> None:
        if self._sqlite is None:
            path = self.root / "template.db"
            engine = make_engine(f"sqlite:///{path}")
            migrate.upgrade(engine)
            engine.dispose()
            self._sqlite = path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._sqlite, target)

    def postgres_copy(self) -> tuple[str, callable]:
        if self._pg is None:
            url, _ = fresh_postgres_database()
            engine = make_engine(url)
            migrate.upgrade(engine)
            engine.dispose()
            self._pg = make_url(url).database
        url, drop = fresh_postgres_database(template=self._pg)
        return url, lambda: self._drops.submit(drop)

    def close(self) -> None:
        self._drops.shutdown(wait=True)
        if self._pg is not None:
            with _admin_engine().connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self._pg}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def db_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    templates = Templates(tmp_path_factory.mktemp("db-templates"))
    yield templates
    templates.close()


# A test that asks for one of these gets its database already migrated (from the template).
MIGRATED_BY = frozenset({"ctx", "pg_ctx", "hall"})


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, db_templates: Templates) -> Iterator[str]:
    """A database URL on each engine: empty, or already migrated when the test also asks for a
    context (`ctx`, `hall`)."""
    migrated = not MIGRATED_BY.isdisjoint(request.fixturenames)
    if request.param == "sqlite":
        path = tmp_path / "motcua.db"
        if migrated:
            db_templates.sqlite_copy(path)
        yield f"sqlite:///{path}"
        return
    url, drop = db_templates.postgres_copy() if migrated else fresh_postgres_database()
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, db_templates: Templates) -> Iterator[str]:
    """A fresh database on the real PostgreSQL (for what only PostgreSQL does); migrated when
    the test asks for `pg_ctx`."""
    migrated = not MIGRATED_BY.isdisjoint(request.fixturenames)
    url, drop = db_templates.postgres_copy() if migrated else fresh_postgres_database()
    try:
        yield url
    finally:
        drop()


START = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # Monday 08:30 in Hà Nội


@pytest.fixture(autouse=True)
def _forget_login_refusals() -> Iterator[None]:
    """Every test starts at START: a login refusal this process remembered from another test's
    database (an account that must wait until START + n s) must not leak into the next test."""
    from queue_server.services import login_throttle

    login_throttle.forget()
    yield


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def make_ctx(url: str, tmp_path: Path, clock: ManualClock) -> Context:
    settings = load_settings(env={}, data_dir=str(tmp_path), database_url=url)
    context = Context.create(settings, clock)
    migrate.upgrade(context.db.engine)
    return context


@pytest.fixture
def ctx(db_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[Context]:
    context = make_ctx(db_url, tmp_path, clock)
    yield context
    context.db.dispose()


@pytest.fixture
def pg_ctx(pg_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[Context]:
    context = make_ctx(pg_url, tmp_path, clock)
    yield context
    context.db.dispose()


@dataclass
class Hall:
    """A small hall: services A (Hộ tịch) and B (Chứng thực); counter 1 serves A and B,
    counter 2 only B, counter 3 only A; clerks an and binh, supervisor giam, one kiosk."""

    ctx: Context
    site_id: int
    a: int
    b: int
    c1: int
    c2: int
    c3: int
    clerk: Actor
    clerk2: Actor
    supervisor: Actor
    kiosk: Actor
    kiosk_token: str
    agent_token: str

    def open_all(self) -> None:
        from queue_server.services.queue import counters

        counters.set_state(self.ctx, self.supervisor, self.c1, "open")
        counters.set_state(self.ctx, self.supervisor, self.c2, "open")
        counters.set_state(self.ctx, self.supervisor, self.c3, "open")


PASSWORD = "mat-khau-an-toan"


def build_hall(ctx: Context) -> Hall:
    site = admin.create_site(ctx, SYSTEM, code="phuong-1", name="UBND Phường 1", agency_code="000.00.01.H01",
                             policy={"mode": "ratio", "ratio_priority": 1, "ratio_normal": 2,
                                     "max_wait_seconds": 3600})
    a = admin.create_service(ctx, SYSTEM, site["id"], code="HT", prefix="A", name_vi="Hộ tịch",
                             name_en="Civil status", sort_order=1)
    b = admin.create_service(ctx, SYSTEM, site["id"], code="CT", prefix="B", name_vi="Chứng thực",
                             name_en="Certification", sort_order=2)
    c1 = admin.create_counter(ctx, SYSTEM, site["id"], number=1, services={a["id"]: 1, b["id"]: 1})
    c2 = admin.create_counter(ctx, SYSTEM, site["id"], number=2, services={b["id"]: 1})
    c3 = admin.create_counter(ctx, SYSTEM, site["id"], number=3, services={a["id"]: 1})
    users = {}
    for username, role in (("an", "clerk"), ("binh", "clerk"), ("giam", "supervisor")):
        u = admin.create_user(ctx, SYSTEM, username=username, password=PASSWORD, role=role,
                              full_name=username.title(), site_id=site["id"])
        users[username] = Actor(kind="user", id=u["id"], role=role, site_id=site["id"], name=username)
    kiosk = admin.create_device(ctx, SYSTEM, site["id"], kind="kiosk", name="Ki-ốt 1")
    agent = admin.create_device(ctx, SYSTEM, site["id"], kind="agent", name="Agent")
    return Hall(
        ctx=ctx, site_id=site["id"], a=a["id"], b=b["id"], c1=c1["id"], c2=c2["id"], c3=c3["id"],
        clerk=users["an"], clerk2=users["binh"], supervisor=users["giam"],
        kiosk=Actor(kind="device", id=kiosk["id"], role="kiosk", site_id=site["id"], name="Ki-ốt 1"),
        kiosk_token=kiosk["token"], agent_token=agent["token"],
    )


@pytest.fixture
def hall(ctx: Context) -> Hall:
    return build_hall(ctx)


# -- server processes -------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """`motcua serve` in a child process, as a hall would run it."""

    def __init__(self, data_dir: Path, database_url: str | None = None, port: int | None = None,
                 workers: int = 1, env: dict[str, str] | None = None, config: Path | None = None) -> None:
        self.data_dir = data_dir
        self.config = config
        self.database_url = database_url
        self.port = port or free_port()
        self.workers = workers
        self.env = env or {}
        self.proc: subprocess.Popen | None = None
        self.log = data_dir / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> ServerProcess:
        import httpx

        cmd = [sys.executable, "-m", "queue_server.cli", "serve", "--data", str(self.data_dir), "--port",
               str(self.port), "--workers", str(self.workers), "--log-level", "warning"]
        if self.database_url:
            cmd += ["--database-url", self.database_url]
        if self.config:
            cmd += ["--config", str(self.config)]
        env = {**os.environ, "PYTHONPATH": str(ROOT), **self.env}
        env.pop("MOTCUA_CONFIG", None)
        self._logf = open(self.log, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._logf, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text(errors='replace')}")
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log.read_text(errors='replace')}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if getattr(self, "_logf", None):
            self._logf.close()
