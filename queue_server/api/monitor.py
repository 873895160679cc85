"""The supervisor's live monitor and the devices' heartbeats.

    (read by the /supervisor page, web/pages/supervisor.html)
    GET  /api/v1/monitor/snapshot       the hall's state for the monitor (staff: supervisor+)
    GET  /api/v1/monitor/estimates      the wait estimate for a new ticket of each service
    GET  /api/v1/monitor/thresholds     the site's alert thresholds (supervisor+)
    PUT  /api/v1/monitor/thresholds     change some of them (admin); a bad value: 422 naming its key
    POST /api/v1/devices/heartbeat      a kiosk, display or agent is alive (printer status for kiosks)

The monitor's actions are the queue's own endpoints (call a given ticket with a reason,
requeue, cancel, close a counter), each recorded as an event with the supervisor's name.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel

from queue_server.api.deps import actor, get_ctx
from queue_server.api.offload import run
from queue_server.api.types import SiteParam
from queue_server.services import admin
from queue_server.services.context import Actor, Context
from queue_server.services.monitor import heartbeat, snapshot, thresholds

router = APIRouter(tags=["monitor"])


def _site(ctx: Context, who: Actor, site: str | None):  # noqa: ANN202
    return admin.resolve_site(ctx, who.site_id if site in (None, "") and who.site_id is not None else site)


@router.get("/api/v1/monitor/snapshot")
async def monitor_snapshot(site: SiteParam = None, who: Actor = Depends(actor),
                           ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """Services, counters, devices, recent happenings and alerts; `last_event_id` is where
    the page's event stream starts."""
    return await run(lambda: snapshot.snapshot(ctx, who, _site(ctx, who, site)))


@router.get("/api/v1/monitor/estimates")
async def monitor_estimates(site: SiteParam = None, who: Actor = Depends(actor),
                            ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return await run(lambda: snapshot.estimates(ctx, who, _site(ctx, who, site)))


@router.get("/api/v1/monitor/thresholds")
def get_thresholds(site: SiteParam = None, who: Actor = Depends(actor),
                   ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return thresholds.get(ctx, who, _site(ctx, who, site).id)


@router.put("/api/v1/monitor/thresholds")
def put_thresholds(changes: dict[str, Any] = Body(..., examples=[{"paused_too_long_minutes": 20}]),
                   site: SiteParam = None, who: Actor = Depends(actor),
                   ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """Change some thresholds (whole numbers >= 1; `service_wait_target_minutes` maps
    service codes to minutes). A value that makes no sense is refused, naming its key."""
    return thresholds.update(ctx, who, _site(ctx, who, site).id, changes)


class Heartbeat(BaseModel):
    printer: Literal["", "ok", "paper_low", "paper_out", "offline", "error"] = ""


@router.post("/api/v1/devices/heartbeat")
async def device_heartbeat(body: Heartbeat | None = None, who: Actor = Depends(actor),
                           ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """A device is alive. Written at most about once a minute per device (or when its
    printer status changes); the answer says whether this one was."""
    printer = body.printer if body else ""
    if not heartbeat.due_soon(who, printer):
        return heartbeat.skipped(ctx)
    return await run(lambda: heartbeat.beat(ctx, who, printer=printer))
