"""One real server process (the demo hall and catalogue, two counters open), one simulated
slip printer on TCP, and ONE kiosk app running offscreen for the whole session (Kivy has
one window per process). Each test starts from the home screen in Vietnamese. Dossiers to
look up are received by a clerk through the server's services (`hall_dossiers`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from queue_server.clock import ManualClock
from queue_server.config import load_settings
from queue_server.services import admin
from queue_server.services.context import SYSTEM, Actor, Context
from queue_server.services.dossiers import reception as dossiers
from queue_server.store import migrate
from queue_server.store.tables import Counter, Event
from tests.conftest import ARTIFACTS, ServerProcess

SHOTS = ARTIFACTS / "kiosk"


class KioskHall:
    """The server side of the kiosk tests: its process, its database, its kiosk token."""

    def __init__(self, data_dir: Path) -> None:
        from queue_server.demo import seed_demo
        from queue_server.services.queue import counters

        self.data_dir = data_dir
        settings = load_settings(env={}, data_dir=str(data_dir))
        self.ctx = Context.create(settings)
        migrate.upgrade(self.ctx.db.engine)
        self.info = seed_demo(self.ctx)
        with self.ctx.db.reading() as session:
            ids = {c.number: c.id for c in session.scalars(select(Counter))}
        for number in (1, 2):
            counters.set_state(self.ctx, SYSTEM, ids[number], "open")
        self.tokens_file = Path(self.info["tokens_file"])
        self.server = ServerProcess(data_dir).start()

    @property
    def url(self) -> str:
        return self.server.url

    def events(self, kind: str) -> list[Event]:
        with self.ctx.db.reading() as session:
            return list(session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))

    def restart(self) -> None:
        self.server = ServerProcess(self.data_dir, port=self.server.port).start()

    def close(self) -> None:
        self.server.stop()
        self.ctx.db.dispose()


@pytest.fixture(scope="session")
def kiosk_hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KioskHall]:
    hall = KioskHall(tmp_path_factory.mktemp("kiosk-hall"))
    yield hall
    hall.close()


@pytest.fixture(scope="session")
def slip_printer() -> Iterator:
    from hardware.sim.printer import VirtualPrinter

    printer = VirtualPrinter("127.0.0.1", 0, profile="TM-T20II", width_mm=80).start()
    yield printer
    printer.stop()


@pytest.fixture(scope="session")
def kiosk_driver(kiosk_hall: KioskHall, slip_printer, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    pytest.importorskip("kivy")
    from kiosk.config import load_config
    from kiosk.driver import Driver

    config = load_config(env={}, server_url=kiosk_hall.url, device_token_file=str(kiosk_hall.tokens_file),
                         printer_url=slip_printer.url + "?timeout=2&status_timeout=0.3", printer_profile="TM-T20II",
                         cache_dir=str(tmp_path_factory.mktemp("kiosk-cache")), health_interval_s=0.3,
                         connect_timeout_s=0.5, request_timeout_s=3)
    driver = Driver.start(config, headless=True)
    driver.wait(lambda: driver.app.services_data is not None and not driver.app.cache.empty, 20,
                "the services and the catalogue")
    yield driver
    driver.stop()


@pytest.fixture
def kiosk(kiosk_driver, slip_printer, kiosk_hall):
    """The kiosk at home, in Vietnamese, online, with a working printer."""
    app = kiosk_driver.app
    slip_printer.set_state("ok")
    if kiosk_hall.server.proc is None or kiosk_hall.server.proc.poll() is not None:
        kiosk_hall.restart()
    kiosk_driver.wait(lambda: app.online, 10, "the kiosk back online")
    kiosk_driver.settle()
    app.idle_timeout = 3600
    app.lang = "vi"
    app.go("home")
    kiosk_driver.settle()
    return kiosk_driver


APPLICANT = {"name": "Nguyễn Thị Hồng Nhung", "address": "Số 18 ngõ 72 phố Nguyễn Trãi", "id_type": "cccd",
             "id_number": "001198012345", "phone": "0912 345 678"}
HALL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def reception(procedure: str = "1.004222") -> dict:
    return {"procedure_code": procedure, "applicant": dict(APPLICANT),
            "documents": [{"name": "Tờ khai thay đổi thông tin cư trú (mẫu CT01)", "originals": 1}],
            "sets": 1, "result_delivery": "counter"}


@pytest.fixture(scope="session")
def hall_dossiers(kiosk_hall):
    """Dossiers received at the hall's counter by a clerk, through the server's services:
    `fresh` (received now, handed to the ward police), `late` (received weeks ago, handed on
    after its step was due, sent back for a missing paper, supplied; now past its date) and
    `guessed` (for a dossier whose code someone keeps guessing)."""
    site_id = kiosk_hall.info["site_id"]
    user = admin.create_user(kiosk_hall.ctx, SYSTEM, username="thu.kiosk", password="kiosk-test-pass-1",
                             role="clerk", full_name="Trần Thị Thu", site_id=site_id)
    clerk = Actor(kind="user", id=user["id"], role="clerk", site_id=site_id, name="Trần Thị Thu")
    ctx = kiosk_hall.ctx
    fresh = dossiers.receive_dossier(ctx, clerk, reception())
    fresh = dossiers.hand_off(ctx, clerk, fresh["id"], to_agency="Công an phường An Bình", received_by="Lê Văn Tư")
    past = datetime.now(HALL_TZ).replace(hour=8, minute=30, second=0, microsecond=0) - timedelta(days=42)
    past -= timedelta(days=max(0, past.weekday() - 3))  # a Monday to Thursday morning
    clock = ManualClock(past.astimezone(UTC))
    then = Context.create(ctx.settings, clock)
    try:
        late = dossiers.receive_dossier(then, clerk, reception("1.000894"))
        clock.advance(hours=3)
        dossiers.hand_off(then, clerk, late["id"], to_agency="Công chức Tư pháp – Hộ tịch",
                          step_due=past.replace(hour=10).strftime("%Y-%m-%d %H:%M"))
        clock.advance(days=1)
        dossiers.request_supplement(then, clerk, late["id"], missing=["Giấy xác nhận tình trạng hôn nhân"],
                                    reason="Thiếu giấy tờ")
        clock.advance(days=2)
        late = dossiers.supplement(then, clerk, late["id"])
    finally:
        then.db.dispose()
    guessed = dossiers.receive_dossier(ctx, clerk, reception("1.001193"))
    return {"fresh": fresh, "late": late, "guessed": guessed}


def shot(driver, name: str) -> Path:
    """Save what the screen shows now as a test artifact (artifacts/kiosk/portrait/NAME.png)."""
    return driver.screenshot(SHOTS / driver.app.kiosk_config.orientation / f"{name}.png")


def slip_text(printer, job) -> str:
    return printer.render(job).text


def dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)
