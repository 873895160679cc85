"""Numbers taken from a phone (lấy số từ xa), docs/remote-numbers.md.

    GET  /remote?site=                         the public page (phone first)
    GET  /remote/static/{name}                 its script and style sheet (queue_server/web/remote/)
    GET  /api/v1/remote/services?site=         services open for remote numbers: waiting, estimate (public)
    POST /api/v1/remote/tickets?site=          {service_id, phone} -> 201: the number, its check-in code and
                                               its live page /t/{id}?k=KEY (public; the browser's id cookie
                                               is one of the limit keys)
    POST /api/v1/checkin                       {code}: a kiosk (or staff) checks a number in by its code
    GET  /checkin/{site}?p=KEY                 the entrance poster's page: the phone that took the number
    POST /api/v1/remote/poster-checkin         {site, p}: ... checks it in from there
    GET  /api/v1/admin/remote?site=            the rules and each service's quota (supervisor+)
    PUT  /api/v1/admin/remote?site=            change the rules (admin; one audit event)
    PUT  /api/v1/admin/remote/services/{id}    open a service for remote numbers, its daily quota (admin)
    GET  /api/v1/admin/remote/poster?site=     today's poster address (admin), also `motcua remote poster`
"""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from queue_server.api.client_address import came_over_https, client_address
from queue_server.api.deps import Id, actor, get_ctx, optional_actor
from queue_server.api.pages import PAGE_HEADERS
from queue_server.api.types import NO_NUL, SiteParam, text
from queue_server.domain.business_day import business_day
from queue_server.services import admin, site_setup
from queue_server.services.admin import require
from queue_server.services.auth import ticket_key
from queue_server.services.context import Actor, Context
from queue_server.services.errors import NotFound
from queue_server.services.remote import checkin, numbers, settings

WEB_DIR = Path(__file__).resolve().parents[1] / "web" / "remote"
STATIC = {"remote.js": "text/javascript; charset=utf-8", "remote.css": "text/css; charset=utf-8",
          "poster.js": "text/javascript; charset=utf-8"}
DEVICE_COOKIE = "motcua_rdev"
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

router = APIRouter(tags=["remote"])


def _site(ctx: Context, who: Actor, site: str | None):  # noqa: ANN202
    return admin.resolve_site(ctx, who.site_id if site in (None, "") and who.site_id is not None else site)


def _device(request: Request, response: Response) -> str:
    """The browser's id (a random cookie, set here the first time): one of the limit keys."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    if not (16 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum() and value.isascii()):
        value = secrets.token_urlsafe(18)
        response.set_cookie(DEVICE_COOKIE, value, max_age=400 * 86400, httponly=True, samesite="lax",
                            secure=came_over_https(request), path="/")
    return value


def _client(request: Request, who: Actor) -> str:
    if who.kind == "device":
        return f"device:{who.id}"
    return "ip:" + client_address(request)


# -- pages ----------------------------------------------------------------------------------------

@router.get("/remote", include_in_schema=False)
def remote_page(request: Request) -> Response:
    response = FileResponse(WEB_DIR / "remote.html", media_type="text/html; charset=utf-8",
                            headers={**PAGE_HEADERS, "X-Robots-Tag": "noindex"})
    _device(request, response)
    return response


@router.get("/checkin/{site_code}", include_in_schema=False)
def poster_page(site_code: str) -> Response:
    return FileResponse(WEB_DIR / "poster.html", media_type="text/html; charset=utf-8",
                        headers={**PAGE_HEADERS, **NO_STORE, "X-Robots-Tag": "noindex"})


@router.get("/remote/static/{name}", include_in_schema=False)
def static(name: str) -> Response:
    media = STATIC.get(name)
    if media is None:
        raise NotFound("Không tìm thấy tệp.", "File not found.")
    return FileResponse(WEB_DIR / name, media_type=media,
                        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})


# -- public API -----------------------------------------------------------------------------------

@router.get("/api/v1/remote/services")
def remote_services(site: SiteParam = None, who: Actor = Depends(optional_actor),
                    ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """The services open for remote numbers now, with people waiting and the expected wait."""
    return numbers.public_services(ctx, _site(ctx, who, site))


PhoneText = text(40)
CodeText = text(200)


class TakeBody(BaseModel):
    service_id: Id
    phone: PhoneText = Field(description="A Vietnamese mobile number: 0912 345 678, +84 912 345 678, 84912345678")


@router.post("/api/v1/remote/tickets", status_code=201)
def take_number(body: TakeBody, request: Request, response: Response, site: SiteParam = None,
                who: Actor = Depends(optional_actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """Take a number from a phone: it waits outside the queue ("chưa có mặt") until it checks in."""
    for k, v in NO_STORE.items():
        response.headers[k] = v
    s = _site(ctx, who, site)
    taken = numbers.take(ctx, secret=request.app.state.secret, site=s, service_id=body.service_id,
                         phone=body.phone, device=_device(request, response), client=_client(request, who))
    key = ticket_key(request.app.state.secret, taken.ticket_id)
    return {"ticket_id": taken.ticket_id, "code": taken.code, "checkin_code": taken.checkin_code,
            "checkin_until": taken.expires_at.isoformat(), "service_name_vi": taken.service_name_vi,
            "service_name_en": taken.service_name_en, "state": "absent",
            "position_url": site_setup.position_url(ctx, s, taken.ticket_id, key),
            "position_path": f"/t/{taken.ticket_id}?k={key}", "position_key": key}


class CheckinBody(BaseModel):
    code: CodeText = Field(description="The check-in code (8 characters) or the QR's content")


@router.post("/api/v1/checkin")
def check_in(body: CheckinBody, request: Request, who: Actor = Depends(actor),
             ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """A kiosk checks a number in by its code (a remote number's, a booking's, or the booking
    page's address from its QR): the ticket enters the queue. A wrong code and an unknown one
    get the same 404; too many misses from one kiosk, 429."""
    from queue_server.services import checkin as kiosk_checkin

    return kiosk_checkin.check_in(ctx, who, body.code, secret=request.app.state.secret, client=_client(request, who))


class PosterBody(BaseModel):
    site: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    p: str = Field(min_length=1, max_length=64, pattern=NO_NUL)


@router.post("/api/v1/remote/poster-checkin")
def poster_checkin(body: PosterBody, request: Request, response: Response,
                   ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """The phone that took a number checks in with the entrance poster (its browser id cookie)."""
    for k, v in NO_STORE.items():
        response.headers[k] = v
    s = admin.resolve_site(ctx, body.site)
    device = request.cookies.get(DEVICE_COOKIE, "")
    done = checkin.checkin_by_poster(ctx, secret=request.app.state.secret, site=s, key=body.p,
                                     device=device[:64], client=_client(request, Actor(kind="anonymous")))
    key = ticket_key(request.app.state.secret, done.ticket_id)
    return {**done.as_json(), "position_path": f"/t/{done.ticket_id}?k={key}"}


# -- administration -------------------------------------------------------------------------------

class RulesBody(BaseModel):
    enabled: bool | None = None
    hours_from: str | None = Field(default=None, max_length=5, pattern=NO_NUL)
    hours_until: str | None = Field(default=None, max_length=5, pattern=NO_NUL)
    checkin_minutes: int | None = Field(default=None, ge=-(2**31), le=2**31 - 1)
    expire_at: str | None = Field(default=None, max_length=5, pattern=NO_NUL)
    placement: str | None = Field(default=None, max_length=10, pattern=NO_NUL)
    version: int | None = Field(default=None, ge=0, le=2**31 - 1)


class ServiceRuleBody(BaseModel):
    enabled: bool | None = None
    daily_quota: int | None = Field(default=None, ge=-(2**31), le=2**31 - 1)


@router.get("/api/v1/admin/remote")
def get_rules(site: SiteParam = None, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return settings.get_settings(ctx, who, _site(ctx, who, site).id)


@router.put("/api/v1/admin/remote")
def put_rules(body: RulesBody, site: SiteParam = None, who: Actor = Depends(actor),
              ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    changes = body.model_dump(exclude_none=True, exclude={"version"})
    return settings.update_settings(ctx, who, _site(ctx, who, site).id, changes, version=body.version)


@router.put("/api/v1/admin/remote/services/{service_id}")
def put_service_rule(service_id: Id, body: ServiceRuleBody, who: Actor = Depends(actor),
                     ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return settings.update_service(ctx, who, service_id, enabled=body.enabled, daily_quota=body.daily_quota)


@router.get("/api/v1/admin/remote/poster")
def poster(request: Request, site: SiteParam = None, day: date | None = None, who: Actor = Depends(actor),
           ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """The address the entrance poster's QR holds on `day` (default today): print one each day."""
    s = _site(ctx, who, site)
    require(who, "admin", s.id)
    day = day or business_day(ctx.clock.now(), s.timezone)
    return poster_url(ctx, request.app.state.secret, s, day)


def poster_url(ctx: Context, secret: bytes, site, day: date) -> dict[str, Any]:  # noqa: ANN001
    key = checkin.poster_key(secret, site.id, day)
    return {"site": site.code, "day": day.isoformat(),
            "url": f"{site_setup.public_url(ctx, site)}/checkin/{site.code}?p={key}"}
