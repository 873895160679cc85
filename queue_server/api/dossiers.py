"""Dossier endpoints and pages.

Staff (clerk or higher; supervisors for reports):

    GET  /api/v1/dossiers/procedures                 procedures with documents, channels, times
    GET  /api/v1/dossiers/due?procedure=&channel=&received=   appointment as reception would compute it
    POST /api/v1/dossiers                            receive (field errors: 422 with errors[])
    GET  /api/v1/dossiers?ticket_id=                 dossiers received/returned while serving a ticket
    GET  /api/v1/dossiers/{id or code}               with applicant and timeline
    POST /api/v1/dossiers/{ref}/hand-off | supplement-request | supplemented | refuse |
                                 result-ready | return | apology
    GET  /api/v1/dossiers/{ref}/receipt.pdf | receipt.bin | control-slip.pdf
    GET  /api/v1/dossiers/{ref}/letters/{apology|supplement|refusal}.pdf
    POST /api/v1/dossiers/{ref}/receipt/print        send the slip to [dossiers] printer_url
    POST /api/v1/dossiers/sweep                      flag due-soon / overdue dossiers now
    GET  /api/v1/dossier-reports/logbook.{csv|xlsx|pdf}?from=&to=
    GET  /api/v1/dossier-reports/supervision?from=&to=
    GET  /api/v1/dossier-reports/ratings?from=&to=

Public:

    GET  /api/v1/dossiers/lookup?code=&key=          progress (masked name), rate-limited

Pages: /dossiers/reception?ticket_id=, /dossiers/lookup, /dossiers/rate?counter=,
/dossiers/supervisor (static HTML + JS under queue_server/web/dossiers).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from queue_server.api.client_address import client_address
from queue_server.api.deps import BigId, Id, actor, get_ctx, optional_actor
from queue_server.api.types import SiteParam, text
from queue_server.services import admin
from queue_server.services.calendars import calendar_notice
from queue_server.services.context import Actor, Context
from queue_server.services.dossiers import documents as dossier_documents
from queue_server.services.dossiers import lookup as dossier_lookup
from queue_server.services.dossiers import reception as dossiers
from queue_server.services.dossiers import reports as dossier_reports
from queue_server.services.dossiers.setup import dossier_settings, find_procedure, list_procedures
from queue_server.services.errors import InvalidInput, NotFound

router = APIRouter(tags=["dossiers"])

# a dossier by id or by code (e.g. 000.00.01.H01-260302-0001)
DossierRef = Annotated[str, PathParam(min_length=1, max_length=80, pattern=r"^[^\x00/]*$",
                                 description="Dossier id or code")]
API = "/api/v1/dossiers"
WEB = Path(__file__).resolve().parents[1] / "web" / "dossiers"


def _site(ctx: Context, who: Actor, site: str | None):  # noqa: ANN202
    return admin.resolve_site(ctx, site if site else who.site_id)


# -- public lookup -------------------------------------------------------------------------

def _client_id(request: Request, who: Actor) -> str:
    if who.kind == "device":
        return f"device:{who.id}"
    host = client_address(request)
    return "ip:" + hashlib.sha256(host.encode()).hexdigest()[:24]


@router.get(f"{API}/lookup")
def lookup(request: Request, response: Response, code: str = Query(default="", max_length=80),
           key: str = Query(default="", max_length=20), who: Actor = Depends(optional_actor),
           ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """Progress of a dossier for the citizen (dossier code + lookup code from the receipt)."""
    response.headers["Cache-Control"] = "no-store"
    return dossier_lookup.lookup(ctx, code=code, key=key, client=_client_id(request, who))


# -- reception -------------------------------------------------------------------------------

@router.get(f"{API}/procedures")
def procedures(site: SiteParam = None, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    dossiers.require_staff(who)
    s = _site(ctx, who, site)
    settings = dossier_settings(ctx)
    with ctx.db.reading() as session:
        items = [p.as_json() for p in list_procedures(session, settings, s.id)]
    return {"site": {"id": s.id, "name": s.name, "agency_code": s.agency_code}, "procedures": items}


@router.get(f"{API}/due")
def due_preview(procedure: str = Query(max_length=40, pattern=r"^[^\x00]*$"),
                channel: str | None = Query(default=None, max_length=40, pattern=r"^[^\x00]*$"),
                received: str | None = Query(default=None, max_length=16, pattern=r"^[0-9: -]*$",
                                             description="YYYY-MM-DD HH:MM, site time"),
                site: SiteParam = None,
                who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """The appointment reception would print for `procedure` received at `received` (site time, default now)."""
    from queue_server.services.dossiers.format import local, vi_datetime

    dossiers.require_staff(who)
    s = _site(ctx, who, site)
    settings = dossier_settings(ctx)
    with ctx.db.reading() as session:
        proc = find_procedure(session, settings, s.id, procedure)
    if proc is None:
        raise NotFound(f"Không có thủ tục {procedure}.", f"No procedure {procedure}.", field="procedure")
    ch = proc.channel(channel)
    if ch is None:
        raise InvalidInput("Thủ tục không tiếp nhận theo cách này.", "No such channel for this procedure.",
                           field="channel")
    if received:
        try:
            at = datetime.strptime(received, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(s.timezone))
        except ValueError:
            raise InvalidInput("Thời điểm nhận phải viết YYYY-MM-DD HH:MM.", "received must be YYYY-MM-DD HH:MM.",
                               field="received") from None
    else:
        at = ctx.clock.now()
    due = dossiers.compute_due(settings, at, s, ch)
    return {"procedure": proc.code, "channel": ch.kind, "processing_time": {"vi": ch.describe("vi"),
                                                                           "en": ch.describe("en")},
            "received_at": at.isoformat(), "due_at": due.at.isoformat(),
            "due_at_vi": vi_datetime(local(due.at, s.timezone)), "fee_vnd": ch.fee_vnd,
            "calendar_missing_years": sorted(due.calendar_missing_years),
            "calendar_unconfirmed_years": sorted(due.calendar_unconfirmed_years),
            "calendar_notice": calendar_notice(due.calendar_missing_years)}


class ApplicantIn(BaseModel):
    """Who hands the dossier in. Types and lengths here; what a valid ID or phone is, the service says."""
    name: text(300) = ""
    address: text(500) = ""
    id_type: text(20) = "cccd"
    id_number: text(40) = ""
    phone: text(40) = ""
    email: text(254) = ""


class DocumentIn(BaseModel):
    name: text(400) = ""
    originals: int = Field(default=0, ge=0, le=99)
    certified_copies: int = Field(default=0, ge=0, le=99)
    photocopies: int = Field(default=0, ge=0, le=99)
    received: bool = True
    note: text(300) = ""


class ReceptionBody(BaseModel):
    procedure_code: text(40) = ""
    channel: text(40) = ""
    applicant: ApplicantIn = Field(default_factory=ApplicantIn)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=100)
    sets: int = Field(default=1, ge=1, le=dossiers.MAX_SETS)
    fee_vnd: int | None = Field(default=None, ge=0, le=10**12)
    result_delivery: Literal["counter", "post"] | None = "counter"
    delivery_address: text(500) = ""
    ticket_id: BigId | None = None
    counter_id: Id | None = None
    note: text(1000) = ""


@router.post(API, status_code=201)
def receive(body: ReceptionBody, site: SiteParam = None, who: Actor = Depends(actor),
            ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return dossiers.receive_dossier(ctx, who, body.model_dump(), site=site)


@router.get(API)
def for_ticket(ticket_id: BigId, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> list[dict[str, Any]]:
    return dossiers.dossiers_of_ticket(ctx, who, ticket_id)


@router.post(f"{API}/sweep")
def sweep(who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, int]:
    dossiers.require_staff(who, role="supervisor")
    return dossiers.flag_overdue(ctx, who)


@router.get(API + "/{ref}")
def get_dossier(ref: DossierRef, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return dossiers.get_dossier(ctx, who, ref)


# -- tracking --------------------------------------------------------------------------------

class HandOffBody(BaseModel):
    to_agency: text(300)
    received_by: text(200) = ""
    handed_by: text(200) = ""
    step_due: text(30) | None = Field(default=None, description="YYYY-MM-DD HH:MM, site time")
    note: text(1000) = ""


class SupplementRequestBody(BaseModel):
    missing: list[text(300)] = Field(max_length=30)
    reason: text(1000)
    contact: text(300) = ""


class NoteBody(BaseModel):
    note: text(1000) = ""


class RefuseBody(BaseModel):
    reason: text(1000)


class ReturnBody(BaseModel):
    collected_by: text(200) = ""
    ticket_id: BigId | None = None
    note: text(1000) = ""


class ApologyBody(BaseModel):
    reason: text(1000)
    new_appointment: text(30) = Field(description="YYYY-MM-DD HH:MM, site time")


@router.post(API + "/{ref}/hand-off")
def hand_off(ref: DossierRef, body: HandOffBody, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return dossiers.hand_off(ctx, who, ref, to_agency=body.to_agency, received_by=body.received_by,
                             handed_by=body.handed_by, step_due=body.step_due, note=body.note)


@router.post(API + "/{ref}/supplement-request")
def supplement_request(ref: DossierRef, body: SupplementRequestBody, who: Actor = Depends(actor),
                       ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return dossiers.request_supplement(ctx, who, ref, missing=body.missing, reason=body.reason, contact=body.contact)


@router.post(API + "/{ref}/supplemented")
def supplemented(ref: DossierRef, body: NoteBody | None = None, who: Actor = Depends(actor),
                 ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return dossiers.supplement(ctx, who, ref, note=body.note if body else "")


@router.post(API + "/{ref}/refuse")
def refuse(ref: DossierRef, body: RefuseBody, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return dossiers.refuse(ctx, who, ref, reason=body.reason)


@router.post(API + "/{ref}/result-ready")
def result_ready(ref: DossierRef, body: NoteBody | None = None, who: Actor = Depends(actor),
                 ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return dossiers.result_ready(ctx, who, ref, note=body.note if body else "")


@router.post(API + "/{ref}/return")
def return_result(ref: DossierRef, body: ReturnBody | None = None, who: Actor = Depends(actor),
                  ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    body = body or ReturnBody()
    return dossiers.return_result(ctx, who, ref, collected_by=body.collected_by, ticket_id=body.ticket_id,
                                  note=body.note)


@router.post(API + "/{ref}/apology")
def apology(ref: DossierRef, body: ApologyBody, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return dossiers.issue_apology(ctx, who, ref, reason=body.reason, new_appointment=body.new_appointment)


# -- paper -----------------------------------------------------------------------------------

# A dossier's PDFs may be framed by this server's own pages (the reception page prints the
# receipt from a hidden frame), never by another site.
_FRAMED_BY_OWN_PAGES = {"X-Frame-Options": "SAMEORIGIN", "Content-Security-Policy": "frame-ancestors 'self'"}


def _pdf(name: str, data: bytes) -> Response:
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store",
                             **_FRAMED_BY_OWN_PAGES})


@router.get(API + "/{ref}/receipt.pdf")
def receipt_pdf(ref: DossierRef, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> Response:
    return _pdf(*dossier_documents.receipt_pdf(ctx, who, ref))


@router.get(API + "/{ref}/control-slip.pdf")
def control_slip_pdf(ref: DossierRef, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> Response:
    return _pdf(*dossier_documents.control_slip_pdf(ctx, who, ref))


_LETTER_KINDS = {"apology": "apology", "supplement": "supplement_requested", "refusal": "refused"}


@router.get(API + "/{ref}/letters/{kind}.pdf")
def letter_pdf(ref: DossierRef, kind: Literal["apology", "supplement", "refusal"], step_id: BigId | None = None,
               who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> Response:
    return _pdf(*dossier_documents.letter_pdf(ctx, who, ref, _LETTER_KINDS[kind], step_id))


@router.get(API + "/{ref}/receipt.bin")
def receipt_slip(ref: DossierRef, profile: str | None = Query(default=None, max_length=60, pattern=r"^[A-Za-z0-9 ._+()-]*$",
                                             description="python-escpos printer model, e.g. TM-T20II"),
                 width: int = Query(default=80, ge=58, le=80, description="paper width in mm: 58 or 80"), who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> Response:
    """ESC/POS bytes of the receipt slip (for a counter printer driven by the clerk's PC)."""
    data = dossier_documents.receipt_slip_bytes(ctx, who, ref, profile=profile, width_mm=width)
    return Response(data, media_type="application/octet-stream",
                    headers={"Content-Disposition": 'attachment; filename="receipt.bin"'})


class PrintBody(BaseModel):
    printer_url: text(300) | None = None


@router.post(API + "/{ref}/receipt/print")
def print_receipt(ref: DossierRef, body: PrintBody | None = None, who: Actor = Depends(actor),
                  ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    state = dossier_documents.print_receipt(ctx, who, ref, body.printer_url if body else None)
    return {"printed": True, "printer_state": state}


# -- reports ---------------------------------------------------------------------------------

REPORTS = "/api/v1/dossier-reports"


@router.get(REPORTS + "/logbook.{fmt}")
def logbook(fmt: Literal["csv", "xlsx", "pdf"], from_: date | None = Query(default=None, alias="from"),
            to: date | None = None, site: SiteParam = None, who: Actor = Depends(actor),
            ctx: Context = Depends(get_ctx)) -> Response:
    name, media, data = dossier_reports.logbook(ctx, who, fmt, site=site, start=from_, end=to)
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get(REPORTS + "/supervision")
def supervision(from_: date | None = Query(default=None, alias="from"), to: date | None = None,
                site: SiteParam = None, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return dossier_reports.supervision(ctx, who, site=site, start=from_, end=to)


@router.get(REPORTS + "/ratings")
def ratings(from_: date | None = Query(default=None, alias="from"), to: date | None = None, site: SiteParam = None,
            who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return dossier_reports.ratings_report(ctx, who, site=site, start=from_, end=to)


# -- pages -----------------------------------------------------------------------------------

PAGES = {"reception": "reception.html", "lookup": "lookup.html", "rate": "rate.html", "supervisor": "supervisor.html"}


def _page(name: str) -> FileResponse:
    return FileResponse(WEB / PAGES[name], media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})


@router.get("/dossiers/reception", include_in_schema=False)
def page_reception() -> FileResponse:
    return _page("reception")


@router.get("/dossiers/lookup", include_in_schema=False)
def page_lookup() -> FileResponse:
    return _page("lookup")


@router.get("/dossiers/rate", include_in_schema=False)
def page_rate() -> FileResponse:
    return _page("rate")


@router.get("/dossiers/supervisor", include_in_schema=False)
def page_supervisor() -> FileResponse:
    return _page("supervisor")


@router.get("/dossiers/static/{name}", include_in_schema=False)
def static(name: str = PathParam(max_length=80, pattern=r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")) -> FileResponse:
    path = (WEB / "static" / name).resolve()
    if path.parent != (WEB / "static").resolve() or not path.is_file():
        raise NotFound("Không tìm thấy tệp.", "File not found.")
    media = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
             ".svg": "image/svg+xml"}.get(path.suffix, "application/octet-stream")
    return FileResponse(path, media_type=media, headers={"Cache-Control": "no-cache"})
