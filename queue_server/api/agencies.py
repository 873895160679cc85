"""Agencies that process dossiers (một cửa liên thông, issue 17); see docs/agencies.md.

Admin (site admins for their site; clerks and supervisors read, a processor its own agency):

    GET   /api/v1/agencies?site=                    the site's agencies
    POST  /api/v1/agencies                          {site, code, name_vi, name_en?, hours?, days_off?} (409 duplicate)
    PATCH /api/v1/agencies/{id}                     {name_vi?, name_en?, active?, hours?, days_off?, sort_order?}
    GET   /api/v1/procedures/{code}/route?site=     the procedure's route, agencies resolved
    PUT   /api/v1/procedures/{code}/route?site=     {"route": [{"agency": "QLDT", "share": 0.6}, ...]}

Desk (clerk of the dossier's site):

    POST  /api/v1/dossiers/{ref}/handoffs           {to_agency_id, reason?} → the dossier

Agency (processor of the agency holding the hand-off; 403 otherwise):

    GET   /api/v1/agencies/{id}/inbox               pending, held, late, done_recent
    POST  /api/v1/handoffs/{id}/sign | notes | supplement-request | forward | return | refuse
          (sign is also the desk's receipt of what comes back)

Head of unit: GET /api/v1/agencies/load?site=, POST /api/v1/agencies/sweep (supervisors).
Page: /agencies/inbox (queue_server/web/agencies/).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from queue_server.api.deps import BigId, Id, actor, get_ctx
from queue_server.api.dossiers import DossierRef
from queue_server.api.types import SiteParam, text
from queue_server.services import admin
from queue_server.services.agencies import handoffs, inbox, lateness, registry
from queue_server.services.context import Actor, Context
from queue_server.services.errors import NotFound

router = APIRouter(tags=["agencies"])
API = "/api/v1/agencies"
WEB = Path(__file__).resolve().parents[1] / "web" / "agencies"
ProcedureCode = Annotated[str, PathParam(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")]


# -- agencies -------------------------------------------------------------------------------------

class AgencyBody(BaseModel):
    site: text(40) | None = None
    code: text(40)
    name_vi: text(200)
    name_en: text(200) = ""
    hours: dict[str, Any] | None = None
    days_off: list[text(10)] | None = Field(default=None, max_length=366)
    sort_order: int = Field(default=0, ge=0, le=10_000)


class AgencyPatch(BaseModel):
    name_vi: text(200) | None = None
    name_en: text(200) | None = None
    active: bool | None = None
    hours: dict[str, Any] | None = None
    days_off: list[text(10)] | None = Field(default=None, max_length=366)
    sort_order: int | None = Field(default=None, ge=0, le=10_000)


@router.get(API)
def list_agencies(site: SiteParam = None, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return {"agencies": registry.list_agencies(ctx, who, site=site)}


@router.post(API, status_code=201)
def create_agency(body: AgencyBody, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return registry.create_agency(ctx, who, **body.model_dump())


@router.get(API + "/load")
def agencies_load(site: SiteParam = None, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return inbox.load(ctx, who, site=site)


@router.post(API + "/sweep")
def sweep(who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, int]:
    admin.require(who, "supervisor")
    return lateness.sweep(ctx, who)


@router.patch(API + "/{agency_id}")
def update_agency(agency_id: Id, body: AgencyPatch, who: Actor = Depends(actor),
                  ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return registry.update_agency(ctx, who, agency_id, **body.model_dump(exclude_unset=True))


@router.get(API + "/{agency_id}/inbox")
def agency_inbox(agency_id: Id, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return inbox.inbox(ctx, who, agency_id)


# -- routes ---------------------------------------------------------------------------------------

class RouteStepIn(BaseModel):
    agency: text(90)
    share: float


class RouteBody(BaseModel):
    route: list[RouteStepIn] = Field(max_length=40)


@router.get("/api/v1/procedures/{code}/route")
def get_route(code: ProcedureCode, site: SiteParam = None, who: Actor = Depends(actor),
              ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return registry.get_route(ctx, who, code, site=site)


@router.put("/api/v1/procedures/{code}/route")
def put_route(code: ProcedureCode, body: RouteBody, site: SiteParam = None, who: Actor = Depends(actor),
              ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return registry.set_route(ctx, who, code, [s.model_dump() for s in body.route], site=site)


# -- hand-offs ------------------------------------------------------------------------------------

class HandoffBody(BaseModel):
    to_agency_id: Id
    reason: text(1000) = ""


NoteText = text(2000)  # a name of its own: the field below is called "text" too


class NoteBody(BaseModel):
    text: NoteText = ""


class SupplementBody(BaseModel):
    missing: list[text(300)] = Field(default_factory=list, max_length=30)
    reason: text(1000) = ""


class ResultBody(BaseModel):
    result: text(2000) = ""


class ReasonBody(BaseModel):
    reason: text(1000) = ""


HANDOFFS = "/api/v1/handoffs"


@router.post("/api/v1/dossiers/{ref}/handoffs")
def hand_to_agency(ref: DossierRef, body: HandoffBody, who: Actor = Depends(actor),
                   ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return handoffs.hand_to_agency(ctx, who, ref, to_agency_id=body.to_agency_id, reason=body.reason)


@router.post(HANDOFFS + "/{handoff_id}/sign")
def sign(handoff_id: BigId, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return handoffs.sign(ctx, who, handoff_id)


@router.post(HANDOFFS + "/{handoff_id}/notes")
def note(handoff_id: BigId, body: NoteBody, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return handoffs.add_note(ctx, who, handoff_id, text=body.text)


@router.post(HANDOFFS + "/{handoff_id}/supplement-request")
def supplement_request(handoff_id: BigId, body: SupplementBody, who: Actor = Depends(actor),
                       ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return handoffs.ask_supplement(ctx, who, handoff_id, missing=body.missing, reason=body.reason)


@router.post(HANDOFFS + "/{handoff_id}/forward")
def forward(handoff_id: BigId, body: HandoffBody, who: Actor = Depends(actor),
            ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return handoffs.forward(ctx, who, handoff_id, to_agency_id=body.to_agency_id, reason=body.reason)


@router.post(HANDOFFS + "/{handoff_id}/return")
def hand_back(handoff_id: BigId, body: ResultBody, who: Actor = Depends(actor),
              ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return handoffs.hand_back(ctx, who, handoff_id, result=body.result)


@router.post(HANDOFFS + "/{handoff_id}/refuse")
def refuse(handoff_id: BigId, body: ReasonBody, who: Actor = Depends(actor),
           ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return handoffs.refuse(ctx, who, handoff_id, reason=body.reason)


# -- pages (the files are the page helper's: queue_server/web/agencies/) ----------------------------

def _file(name: str, media: str) -> FileResponse:
    path = (WEB / name).resolve()
    if not path.is_relative_to(WEB.resolve()) or not path.is_file():
        raise NotFound("Không tìm thấy trang.", "Page not found.")
    return FileResponse(path, media_type=media, headers={"Cache-Control": "no-cache"})


@router.get("/agencies/inbox", include_in_schema=False)
def page_inbox() -> FileResponse:
    return _file("inbox.html", "text/html; charset=utf-8")


@router.get("/agencies/static/{name}", include_in_schema=False)
def static(name: str = PathParam(max_length=80, pattern=r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")) -> FileResponse:
    media = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
             ".svg": "image/svg+xml"}.get(Path(name).suffix, "application/octet-stream")
    return _file(f"static/{name}", media)
