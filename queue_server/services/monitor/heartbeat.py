"""Devices' heartbeats: a kiosk, display or hall agent says it is alive (and, for a kiosk,
how its printer is) about once a minute; the monitor shows when each was last seen.

Writes are throttled per process: a device's row and a `device.seen` event (staff only) are
written when its status changes or when its last write is older than WRITE_EVERY_S, not on
every request, so a hall of devices costs a few writes a minute however often they call.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from queue_server.events import log
from queue_server.services.context import Actor, Context
from queue_server.services.errors import Forbidden, InvalidInput
from queue_server.store.tables import Device

WRITE_EVERY_S = 55.0  # devices send every 60 s: each heartbeat but a late one is written
STATUSES = ("", "ok", "paper_low", "paper_out", "offline", "error")

_last: dict[int, tuple[float, str]] = {}  # device id -> (monotonic time of the last write, status)
_lock = threading.Lock()


def _due(device_id: int, status: str, tick: float) -> bool:
    with _lock:
        last = _last.get(device_id)
        if last is not None and last[1] == status and tick - last[0] < WRITE_EVERY_S:
            return False
        _last[device_id] = (tick, status)
        return True


def due_soon(actor: Actor, status: str) -> bool:
    """Whether a heartbeat from `actor` would be written now (a cheap look, no lock taken
    for long and no database: the API answers the other heartbeats without a thread hop)."""
    if actor.kind != "device" or actor.id is None:
        return True  # beat() refuses it
    with _lock:
        last = _last.get(actor.id)
    return last is None or last[1] != status or time.monotonic() - last[0] >= WRITE_EVERY_S


def skipped(ctx: Context) -> dict[str, Any]:
    return {"recorded": False, "at": ctx.clock.now().isoformat()}


def forget() -> None:
    """Forget what was written (tests; a restored database)."""
    with _lock:
        _last.clear()


def beat(ctx: Context, actor: Actor, *, printer: str = "") -> dict[str, Any]:
    """Record that a device is alive; `printer` is a kiosk's printer status."""
    if actor.kind != "device" or actor.id is None:
        raise Forbidden("Chỉ thiết bị (ki-ốt, màn hình, agent) gửi tín hiệu hoạt động.",
                        "Only devices (kiosks, displays, agents) send heartbeats.")
    if printer not in STATUSES:
        raise InvalidInput(f"Trạng thái máy in “{printer}” không hợp lệ (chọn: {', '.join(s for s in STATUSES if s)}).",
                           f"Unknown printer status {printer!r}.", field="printer")
    now = ctx.clock.now()
    if not _due(actor.id, printer, time.monotonic()):
        return {"recorded": False, "at": now.isoformat()}

    def work(session: Session) -> None:
        session.execute(update(Device).where(Device.id == actor.id).values(last_seen_at=now, status=printer))
        log.append(session, site_id=actor.site_id, kind="device.seen", at=now, actor=actor.label,
                   data={"device_id": actor.id, "device_kind": actor.role, "name": actor.name, "status": printer})

    try:
        ctx.db.transaction(work)
    except Exception:
        with _lock:  # not written: the next heartbeat tries again
            _last.pop(actor.id, None)
        raise
    return {"recorded": True, "at": now.isoformat()}
