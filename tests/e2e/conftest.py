"""Whole-system fixtures: a hall served by a real `motcua serve` process, and pages of the
shared headless Chromium (`browser` in tests/conftest.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from queue_server.clock import SystemClock
from queue_server.services.context import Context
from tests.conftest import ARTIFACTS, PASSWORD, Hall, ServerProcess, build_hall, make_ctx

SHOTS = ARTIFACTS / "web"


@dataclass
class Served:
    """A hall in a SQLite data directory, served by a child process; `ctx` writes to the same
    database directly (with the real clock), e.g. while the server is down."""

    hall: Hall
    server: ServerProcess
    ctx: Context
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def bearer(self, username: str = "giam") -> dict[str, str]:
        if username not in self.tokens:
            r = httpx.post(f"{self.url}/api/v1/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens[username] = r.json()["token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def issue(self, service_id: int, n: int = 1) -> list[str]:
        codes = []
        for _ in range(n):
            r = httpx.post(f"{self.url}/api/v1/tickets", json={"service_id": service_id},
                           headers={"Authorization": f"Bearer {self.hall.kiosk_token}"})
            assert r.status_code == 201, r.text
            codes.append(r.json()["ticket"]["code"])
        return codes

    def post(self, path: str, body: dict | None = None, username: str = "giam") -> httpx.Response:
        return httpx.post(f"{self.url}{path}", json=body, headers=self.bearer(username))

    def counter(self, counter_id: int) -> dict:
        return httpx.get(f"{self.url}/api/v1/counters/{counter_id}", headers=self.bearer()).json()

    def restart(self) -> None:
        self.server.kill()
        self.server.start()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    data = tmp_path / "data"
    data.mkdir()
    ctx = make_ctx(f"sqlite:///{data / 'motcua.db'}", data, SystemClock())
    hall = build_hall(ctx)
    server = ServerProcess(data).start()
    try:
        yield Served(hall, server, ctx)
    finally:
        server.stop()
        ctx.db.dispose()


@pytest.fixture
def new_page(browser):  # noqa: ANN001, ANN201
    """new_page(width, height) -> a page in its own browser context, with its errors collected."""
    contexts = []

    def make(width: int = 1366, height: int = 768):  # noqa: ANN202
        context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN",
                                      timezone_id="Asia/Ho_Chi_Minh")
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.set_default_timeout(10000)
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:  # noqa: ANN001
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def wait_until(condition: Callable[[], object], timeout: float = 10.0, message: str = "condition",
               page=None) -> object:  # noqa: ANN001
    """Poll `condition`; with a page, keep its events flowing (Playwright delivers page events to
    Python only while a Playwright call runs, so a bare sleep would never see a new request)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if page is not None:
            page.wait_for_timeout(50)
        else:
            time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {message}")
