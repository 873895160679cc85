"""Administration endpoints: sites, services, counters, users, devices."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from queue_server.api import offload
from queue_server.api.deps import BigId, Id, actor, get_ctx
from queue_server.api.types import NO_NUL
from queue_server.services import admin
from queue_server.services.admin import audit as admin_audit
from queue_server.services.admin import holidays as admin_holidays
from queue_server.services.admin import pairing as device_pairing
from queue_server.services.context import Actor, Context
from queue_server.services.queue import preview

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])

TZ_NAME = r"^[A-Za-z0-9_+/-]+$"  # an IANA zone name such as Asia/Ho_Chi_Minh


class SiteBody(BaseModel):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    agency_code: str = Field(default="", max_length=40, pattern=NO_NUL)
    timezone: str = Field(default="Asia/Ho_Chi_Minh", max_length=60, pattern=TZ_NAME)
    policy: dict[str, Any] | None = None


class SitePatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=NO_NUL)
    agency_code: str | None = Field(default=None, max_length=40, pattern=NO_NUL)
    timezone: str | None = Field(default=None, max_length=60, pattern=TZ_NAME)
    policy: dict[str, Any] | None = None
    # {"mon": ["07:30-11:30", "13:30-17:00"], ..., "swapped_day": [...]}; null: the configuration's
    working_hours: dict[str, list[str]] | None = None
    public_url: str | None = Field(default=None, max_length=1000)  # "": the configuration's (checked by the service)
    display_notice: str | None = Field(default=None, max_length=1000)  # "": the hall page's own text
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)  # the version read: a later change refuses (409)


class ServiceBody(BaseModel):
    code: str = Field(min_length=1, max_length=40, pattern=NO_NUL)
    name_vi: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    name_en: str = Field(default="", max_length=200, pattern=NO_NUL)
    group_vi: str = Field(default="", max_length=200, pattern=NO_NUL)
    group_en: str = Field(default="", max_length=200, pattern=NO_NUL)
    prefix: str = Field(min_length=1, max_length=3, pattern=NO_NUL)
    number_width: int = Field(default=3, ge=1, le=6)
    sort_order: int = Field(default=0, ge=-9999, le=9999)


class ServicePatch(BaseModel):
    name_vi: str | None = Field(default=None, min_length=1, max_length=200, pattern=NO_NUL)
    name_en: str | None = Field(default=None, max_length=200, pattern=NO_NUL)
    group_vi: str | None = Field(default=None, max_length=200, pattern=NO_NUL)
    group_en: str | None = Field(default=None, max_length=200, pattern=NO_NUL)
    prefix: str | None = Field(default=None, min_length=1, max_length=3, pattern=NO_NUL)
    number_width: int | None = Field(default=None, ge=1, le=6)
    sort_order: int | None = Field(default=None, ge=-9999, le=9999)
    active: bool | None = None
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)  # the version read: a later change refuses (409)


class CounterServiceBody(BaseModel):
    service_id: Id
    weight: int = Field(default=1, ge=1, le=100)


class CounterBody(BaseModel):
    number: int = Field(ge=1, le=9999)
    name: str = Field(default="", max_length=200, pattern=NO_NUL)
    services: list[CounterServiceBody] = []


class CounterPatch(BaseModel):
    name: str | None = Field(default=None, max_length=200, pattern=NO_NUL)
    services: list[CounterServiceBody] | None = None
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)  # the version read: a later change refuses (409)


class UserBody(BaseModel):
    username: str = Field(min_length=1, max_length=80, pattern=NO_NUL)
    password: str | None = Field(default=None, min_length=8, max_length=200, pattern=NO_NUL)  # None: made, shown once
    role: Literal["clerk", "supervisor", "admin", "processor"]
    full_name: str = Field(default="", max_length=200, pattern=NO_NUL)
    site_id: Id | None = None
    agency_id: Id | None = None  # a processor's agency (required for role processor)


class UserPatch(BaseModel):
    password: str | None = Field(default=None, min_length=8, max_length=200, pattern=NO_NUL)
    role: Literal["clerk", "supervisor", "admin", "processor"] | None = None
    full_name: str | None = Field(default=None, max_length=200, pattern=NO_NUL)
    active: bool | None = None
    site_id: Id | None = None  # sent as null: every site; left out: the user stays at their site
    agency_id: Id | None = None  # a processor's agency; left out: unchanged


class DeviceBody(BaseModel):
    kind: Literal["kiosk", "display", "agent"]
    name: str = Field(min_length=1, max_length=200, pattern=NO_NUL)


@router.get("/sites")
def list_sites(who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> list[dict[str, Any]]:
    return admin.list_sites_setup(ctx, who)


@router.get("/sites/{site_id}")
def get_site(site_id: Id, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """The site with its own working hours, public address and display notice, and what is in effect."""
    return admin.get_site(ctx, who, site_id)


@router.post("/sites", status_code=201)
def create_site(body: SiteBody, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return admin.create_site(ctx, who, **body.model_dump())


@router.patch("/sites/{site_id}")
def update_site(site_id: Id, body: SitePatch, who: Actor = Depends(actor),
                ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return admin.update_site(ctx, who, site_id, **body.model_dump(exclude_unset=True))


@router.get("/sites/{site_id}/services")
def list_services(site_id: Id, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> list[dict[str, Any]]:
    admin.require(who, "clerk", site_id)
    return admin.list_services(ctx, site_id, include_inactive=True)


@router.post("/sites/{site_id}/services", status_code=201)
def create_service(site_id: Id, body: ServiceBody, who: Actor = Depends(actor),
                   ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return admin.create_service(ctx, who, site_id, **body.model_dump())


@router.patch("/services/{service_id}")
def update_service(service_id: Id, body: ServicePatch, who: Actor = Depends(actor),
                   ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return admin.update_service(ctx, who, service_id, **body.model_dump(exclude_unset=True))


@router.delete("/services/{service_id}")
def delete_service(service_id: Id, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """Delete a service made by mistake; one with tickets is refused (409): deactivate it instead."""
    return admin.delete_service(ctx, who, service_id)


@router.get("/sites/{site_id}/counters")
def list_counters(site_id: Id, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> list[dict[str, Any]]:
    return admin.list_counters(ctx, who, site_id)


@router.post("/sites/{site_id}/counters", status_code=201)
def create_counter(site_id: Id, body: CounterBody, who: Actor = Depends(actor),
                   ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return admin.create_counter(ctx, who, site_id, number=body.number, name=body.name,
                                services=[s.model_dump() for s in body.services])


@router.patch("/counters/{counter_id}")
def update_counter(counter_id: Id, body: CounterPatch, who: Actor = Depends(actor),
                   ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    services = [s.model_dump() for s in body.services] if body.services is not None else None
    return admin.update_counter(ctx, who, counter_id, name=body.name, services=services, version=body.version)


class PreviewBody(BaseModel):
    policy: dict[str, Any] | None = None  # the policy being edited (unsaved); None: the site's
    services: list[CounterServiceBody] | None = None  # the counter's services being edited; None: its own
    n: int = Field(default=10, ge=1, le=preview.PREVIEW_MAX)


@router.post("/counters/{counter_id}/dispatch-preview")
def dispatch_preview(counter_id: Id, body: PreviewBody, who: Actor = Depends(actor),
                     ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """The next calls this counter would make now, under the policy being edited, given
    today's waiting tickets (the dispatch rules run on the live state; nothing is saved)."""
    services = [s.model_dump() for s in body.services] if body.services is not None else None
    return preview.preview(ctx, who, counter_id, policy=body.policy, services=services, n=body.n)


@router.get("/users")
def list_users(who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> list[dict[str, Any]]:
    return admin.list_users(ctx, who)


@router.post("/users", status_code=201)
def create_user(body: UserBody, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return admin.create_user(ctx, who, **body.model_dump())


@router.patch("/users/{user_id}")
def update_user(user_id: Id, body: UserPatch, who: Actor = Depends(actor),
                ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return admin.update_user(ctx, who, user_id, **body.model_dump(exclude_unset=True))


@router.post("/users/{user_id}/reset-password")
def reset_password(user_id: Id, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """A new password, made by the server and shown in this answer only."""
    return admin.reset_password(ctx, who, user_id)


@router.get("/sites/{site_id}/devices")
def list_devices(site_id: Id, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> list[dict[str, Any]]:
    return admin.list_devices(ctx, who, site_id)


@router.post("/sites/{site_id}/devices", status_code=201)
def create_device(site_id: Id, body: DeviceBody, request: Request, who: Actor = Depends(actor),
                  ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """Registers a device; the token is shown once, in this answer only, with the pairing
    text (server address, site, token) and its QR code (`qr_svg`, an SVG data: URI) that
    the device's setup scans."""
    made = admin.create_device(ctx, who, site_id, kind=body.kind, name=body.name)
    site = next((s for s in admin.list_sites(ctx) if s["id"] == site_id), {"code": ""})
    text = device_pairing.pairing_text(server_url=str(request.base_url), kind=body.kind, site_code=site["code"],
                                       token=made["token"])
    return {**made, "pairing": text, "qr_svg": device_pairing.qr_data_uri(text)}


@router.delete("/devices/{device_id}")
def revoke_device(device_id: Id, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return admin.revoke_device(ctx, who, device_id)


@router.get("/sites/{site_id}/audit")
def audit_trail(site_id: Id, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx),
                actor_label: str | None = Query(default=None, alias="actor", max_length=80, pattern=r"^[a-z]+(:\d+)?$",
                                                description="who made the change, e.g. user:5"),
                kind: str | None = Query(default=None, max_length=40, pattern=r"^[a-z_.]+$"),
                since: date | None = Query(default=None, description="first day (site's time zone)"),
                until: date | None = Query(default=None, description="last day, included"),
                before_id: BigId | None = Query(default=None, description="the next page: older than this event"),
                limit: int = Query(default=50, ge=1, le=admin_audit.PAGE_MAX)) -> dict[str, Any]:
    """The hall's administration changes, newest first, a page at a time (supervisor+)."""
    return admin_audit.browse(ctx, who, site_id, who=actor_label, kind=kind, since=since, until=until,
                              before_id=before_id, limit=limit)


# -- the holiday calendar ------------------------------------------------------------------

class DayOffBody(BaseModel):
    date: str = Field(max_length=20)
    kind: str = Field(max_length=20)
    name_vi: str = Field(default="", max_length=400, pattern=NO_NUL)
    name_en: str = Field(default="", max_length=400, pattern=NO_NUL)
    confirmed: bool | None = None


class WorkingDayBody(BaseModel):
    date: str = Field(max_length=20)
    swapped_with: str | None = Field(default=None, max_length=20)  # the day off it pays back
    name_vi: str = Field(default="", max_length=400, pattern=NO_NUL)
    name_en: str = Field(default="", max_length=400, pattern=NO_NUL)
    confirmed: bool | None = None


class HolidayYearBody(BaseModel):
    status: str = Field(default="official", max_length=20)
    days_off: list[DayOffBody] = Field(default=[], max_length=200)
    working_days: list[WorkingDayBody] = Field(default=[], max_length=200)
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)  # the version read: a later save refuses (409)
    site_id: Id | None = None  # the hall whose audit trail files the change (default: the admin's)


@router.get("/holidays")
def holiday_years(who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """The years around today and those with a file or a saved calendar, with where each one's
    holidays come from: `admin` (saved here), `file` (shipped), `library` (statutory days of
    the `holidays` package, no swaps known) or `none` (weekends only)."""
    return admin_holidays.list_years(ctx, who)


@router.get("/holidays/{year}")
def holiday_year(year: int, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return admin_holidays.get_year(ctx, who, year)


@router.put("/holidays/{year}")
def save_holiday_year(year: int, body: HolidayYearBody, who: Actor = Depends(actor),
                      ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """Save a year's holidays and swapped working days; over the shipped file of that year."""
    d = body.model_dump()
    return admin_holidays.save_year(
        ctx, who, year, status=body.status, version=body.version, site_id=body.site_id,
        days_off=[{k: v for k, v in e.items() if v is not None} for e in d["days_off"]],
        working_days=[{k: v for k, v in e.items() if v is not None} for e in d["working_days"]])


@router.delete("/holidays/{year}")
def remove_holiday_year(year: int, site_id: Id | None = Query(default=None), who: Actor = Depends(actor),
                        ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """Forget the saved year: its shipped file (or the statutory days) counts again."""
    return admin_holidays.remove_year(ctx, who, year, site_id=site_id)


# -- the procedure catalogue ---------------------------------------------------------------

@router.post("/sites/{site_id}/catalog")
async def import_catalog_file(site_id: Id, request: Request, who: Actor = Depends(actor),
                              ctx: Context = Depends(get_ctx),
                              filename: str = Query(default="", max_length=200, pattern=NO_NUL)) -> dict[str, Any]:
    """Import a catalogue file (the request's body: the file as it is) into the site, with the
    check of `motcua catalog import`: nothing imported when any procedure is wrong (422,
    `errors`: every problem with its location), else the report (`warnings`, services and
    counters created)."""
    from queue_server.services import catalog as catalog_service

    admin.require(who, "admin", site_id)
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > catalog_service.CATALOG_UPLOAD_MAX:
            break  # refused as too large without reading the rest
    result = await offload.run(catalog_service.import_uploaded, ctx, who, site_id, bytes(data), filename)
    return result.as_json()
