"""Appointments (đặt lịch hẹn).

Public (a citizen's phone; no name or phone ever in an answer):
    GET  /api/v1/appointments/options?site=          services and procedures taking appointments
    GET  /api/v1/appointments/days?service_id=       bookable days with their free places
    GET  /api/v1/appointments/slots?service_id=&day= the day's slots and free places
    POST /api/v1/appointments?site=                  {service_id | procedure_code, day, time, name, phone}
                                                     -> 201: code, page_url (with its key), qr (data: URI)
    GET  /api/v1/appointments/bookings/{id}?k=KEY    the booking (a wrong key: as unknown)
    POST /api/v1/appointments/bookings/{id}/cancel?k=KEY
    GET  /api/v1/appointments/lookup?code=           the booking page of a code (misses rate-limited)
Kiosk (device token, kiosk role) or staff:
    POST /api/v1/appointments/check-in               {code} -> the waiting ticket (409 + walk_in: true
                                                     when too early or too late)
Supervisor+:
    GET  /api/v1/appointments/settings?site=         every service's slot settings
    PUT  /api/v1/appointments/settings/{service_id}  {rule..., version}
    GET  /api/v1/appointments/day?service_id=&day=   the day's slots with bookings and names
    POST /api/v1/appointments/bookings/{id}/staff-cancel

Pages: /appointments (book), /appointments/b/{id}?k=KEY (one booking, opened from its QR),
/supervisor/appointments (the supervisor's page).
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from queue_server.api import offload
from queue_server.api.client_address import client_address
from queue_server.api.deps import BigId, Id, actor, get_ctx, optional_actor
from queue_server.api.pages import PAGE_HEADERS, PAGES_DIR
from queue_server.api.phone import HEADERS as PHONE_HEADERS
from queue_server.api.phone import not_found_page
from queue_server.api.types import SiteParam, text
from queue_server.events import projection
from queue_server.services import admin, site_setup
from queue_server.services import appointments as appts
from queue_server.services.appointments.booking import key_ok
from queue_server.services.appointments.qr import qr_data_uri
from queue_server.services.context import Actor, Context
from queue_server.services.errors import Forbidden, NotFound
from queue_server.store.tables import INT8_MAX

router = APIRouter(prefix="/api/v1/appointments", tags=["appointments"])
pages = APIRouter(include_in_schema=False)

Day = Annotated[date, Query(description="A day, YYYY-MM-DD (site time)")]
Key = Annotated[str, Query(max_length=64, description="The booking's key (from its page address)")]


class BookBody(BaseModel):
    service_id: Id | None = None
    procedure_code: str | None = Field(default=None, max_length=40, pattern=r"^[0-9A-Za-z._-]*$")
    day: date = Field(description="The slot's day, YYYY-MM-DD (site time)")
    time: str = Field(max_length=5, description="The slot's start, HH:MM (site time)")
    name: text(200) = Field(description="The citizen's name (staff only)")  # type: ignore[valid-type]
    phone: text(40) = Field(description="A Vietnamese mobile number, e.g. 0912 345 678 (staff only)")  # type: ignore[valid-type]


class CheckInBody(BaseModel):
    code: str = Field(max_length=40, pattern=r"^[^\x00]*$", description="The booking code, e.g. H7K2M9QP")


class SettingsBody(BaseModel):
    enabled: bool = False
    slot_minutes: int = Field(default=30, ge=-1_000_000, le=1_000_000)
    capacity: int = Field(default=2, ge=-1_000_000, le=1_000_000)
    weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4], max_length=7)
    windows: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=list, max_length=12)
    book_ahead_days: int = Field(default=14, ge=-1_000_000, le=1_000_000)
    early_minutes: int = Field(default=30, ge=-1_000_000, le=1_000_000)
    late_minutes: int = Field(default=15, ge=-1_000_000, le=1_000_000)
    share_percent: int = Field(default=50, ge=-1_000_000, le=1_000_000)
    version: int | None = Field(default=None, ge=0, le=2**31 - 1)


def _client(request: Request, who: Actor) -> str:
    if who.kind in ("device", "user"):
        return f"{who.kind}:{who.id}"
    return "ip:" + hashlib.sha256(client_address(request).encode()).hexdigest()[:24]


def _site(ctx: Context, who: Actor, site: str | None):  # noqa: ANN202
    return admin.resolve_site(ctx, who.site_id if site in (None, "") and who.site_id is not None else site)


def page_url(ctx: Context, request: Request, booking_id: int) -> str:
    """The booking's own page at its hall's public address (set in /admin, else the configuration)."""
    from sqlalchemy import select

    from queue_server.store.tables import Appointment, Site

    key = appts.booking_key(request.app.state.secret, booking_id)
    with ctx.db.reading() as session:
        site = session.scalar(select(Site).join(Appointment, Appointment.site_id == Site.id)
                              .where(Appointment.id == booking_id))
    return f"{site_setup.public_url(ctx, site)}/appointments/b/{booking_id}?k={key}"


def _checked(request: Request, booking_id: int, k: str) -> None:
    if not k or not key_ok(request.app.state.secret, booking_id, k):
        raise NotFound("Không tìm thấy lịch hẹn. Hãy kiểm tra lại mã lịch hẹn.",
                       "No appointment found. Please check the booking code.")


@router.get("/options")
def options(site: SiteParam = None, who: Actor = Depends(optional_actor),
            ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return appts.options(ctx, _site(ctx, who, site))


@router.get("/days")
def days(service_id: Annotated[int, Query(ge=1, le=2**31 - 1)], ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return appts.days_open(ctx, service_id)


@router.get("/slots")
def slots(service_id: Annotated[int, Query(ge=1, le=2**31 - 1)], day: Day,
          ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return appts.slots_of_day(ctx, service_id, day)


@router.post("", status_code=201)
async def book(body: BookBody, request: Request, response: Response, site: SiteParam = None,
               who: Actor = Depends(optional_actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """Book a slot; the answer's `page_url` (and its QR) opens the booking's own page."""
    response.headers["Cache-Control"] = "no-store"
    s = _site(ctx, who, site)
    out = await offload.run(appts.book, ctx, who, client=_client(request, who), site_id=s.id, day=body.day,
                            start=body.time, name=body.name, phone=body.phone, service_id=body.service_id,
                            procedure_code=body.procedure_code or None)
    url = page_url(ctx, request, out["id"])
    return {**out, "page_url": url, "qr": qr_data_uri(url)}


@router.get("/bookings/{booking_id}")
def booking(booking_id: BigId, request: Request, response: Response, k: Key = "",
            ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    response.headers["Cache-Control"] = "no-store"
    _checked(request, booking_id, k)
    url = page_url(ctx, request, booking_id)
    return {**appts.public_booking(ctx, booking_id), "page_url": url, "qr": qr_data_uri(url)}


@router.post("/bookings/{booking_id}/cancel")
def cancel(booking_id: BigId, request: Request, response: Response, k: Key = "",
           ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    response.headers["Cache-Control"] = "no-store"
    _checked(request, booking_id, k)
    from queue_server.services.context import ANONYMOUS

    return appts.cancel_booking(ctx, ANONYMOUS, booking_id)


@router.post("/bookings/{booking_id}/staff-cancel")
def staff_cancel(booking_id: BigId, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    if not who.has_role("supervisor"):
        raise Forbidden("Chỉ giám sát viên được huỷ lịch hẹn của công dân.",
                        "Only supervisors may cancel a citizen's appointment.")
    return appts.cancel_booking(ctx, who, booking_id)


@router.get("/lookup")
def lookup(request: Request, response: Response, code: str = Query(default="", max_length=40),
           who: Actor = Depends(optional_actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """The booking of a code and its page's address (a wrong code: as unknown; misses are limited)."""
    response.headers["Cache-Control"] = "no-store"
    booking_id = appts.find_by_code(ctx, code=code, client=_client(request, who))
    return {**appts.public_booking(ctx, booking_id), "page_url": page_url(ctx, request, booking_id)}


@router.post("/check-in")
async def check_in(body: CheckInBody, request: Request, who: Actor = Depends(actor),
                   ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """The kiosk's check-in: the booking becomes a waiting ticket (with its live page's address).
    Too early or too late: 409 with `walk_in: true` (offer an ordinary number)."""
    from queue_server.services.auth import ticket_key

    out = await offload.run(appts.check_in_booking, ctx, who, body.code)
    if not projection.is_staff(who.kind, who.role):
        out["ticket"] = projection.public_ticket(out["ticket"])
    key = ticket_key(request.app.state.secret, out["ticket"]["id"])
    out["position_url"] = site_setup.ticket_position_url(ctx, out["ticket"]["id"], key)
    out["position_key"] = key
    return out


@router.get("/settings")
def get_settings(site: SiteParam = None, who: Actor = Depends(actor),
                 ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return appts.get_settings(ctx, who, _site(ctx, who, site).id)


@router.put("/settings/{service_id}")
def put_settings(service_id: Id, body: SettingsBody = Body(...), who: Actor = Depends(actor),
                 ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    data = body.model_dump()
    version = data.pop("version")
    return appts.update_settings(ctx, who, service_id, data, version)


@router.get("/day")
def day_view(service_id: Annotated[int, Query(ge=1, le=2**31 - 1)], day: Day, response: Response,
             who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    response.headers["Cache-Control"] = "no-store"
    return appts.day_bookings(ctx, who, service_id, day)


# -- pages ---------------------------------------------------------------------------------------

def _page(name: str, headers: dict[str, str] = PAGE_HEADERS) -> FileResponse:
    return FileResponse(PAGES_DIR / name, media_type="text/html; charset=utf-8", headers=headers)


@pages.get("/appointments")
def booking_page() -> FileResponse:
    """Đặt lịch hẹn: a citizen's phone books a slot."""
    return _page("appointments.html")


@pages.get("/appointments/b/{booking_id}")
def booking_own_page(booking_id: str, request: Request, ctx: Context = Depends(get_ctx)) -> Response:
    """One booking, opened from its QR; a wrong key or an unknown booking: the same 404 page."""
    k = request.query_params.get("k", "")
    bid = int(booking_id) if booking_id.isascii() and booking_id.isdigit() and len(booking_id) <= 19 else 0
    if not 1 <= bid <= INT8_MAX or not k or not key_ok(request.app.state.secret, bid, k):
        return not_found_page()
    try:
        appts.public_booking(ctx, bid)
    except NotFound:
        return not_found_page()
    return _page("appointment.html", PHONE_HEADERS)


@pages.get("/supervisor/appointments")
def supervisor_page() -> FileResponse:
    """The supervisor's appointments (the page signs in; its API refuses anyone below supervisor)."""
    return _page("supervisor-appointments.html")


__all__ = ["router", "pages"]
