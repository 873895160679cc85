"""How a dossier's hand-offs read: the rows of the control slip (Mẫu 05), the route with
each step done, current or next, and the apology forecast. Read-only helpers shared by the
dossier JSON, the inboxes and the control slip PDF."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.domain import agencies as rules
from queue_server.domain.dossiers import OPEN_STATES, TIMING_NAMES, DossierState, Timing
from queue_server.services.agencies.registry import agency_time, resolve_ref, route_of
from queue_server.services.dossiers.format import local, short, vi_datetime
from queue_server.services.dossiers.setup import DossierSettings
from queue_server.store.tables import Agency, Dossier, DossierHandoff, Site

DESK_VI = "Bộ phận tiếp nhận và trả kết quả"
DESK_EN = "One-stop desk"
OPEN_HANDOFF = ("pending", "held")
HANDOFF_STATE_NAMES = {
    "pending": ("Chờ ký nhận", "Waiting to be signed for"),
    "held": ("Đang xử lý", "Being processed"),
    "done": ("Đã chuyển tiếp", "Handed on"),
    "refused": ("Từ chối", "Refused"),
}


def rows_of(session: Session, dossier_id: int) -> list[DossierHandoff]:
    return list(session.scalars(select(DossierHandoff).where(DossierHandoff.dossier_id == dossier_id)
                                .order_by(DossierHandoff.seq)))


def agencies_of(session: Session, rows: list[DossierHandoff]) -> dict[int, Agency]:
    ids = {i for h in rows for i in (h.from_agency_id, h.to_agency_id) if i is not None}
    if not ids:
        return {}
    return {a.id: a for a in session.scalars(select(Agency).where(Agency.id.in_(ids)))}


def party_name(agencies: dict[int, Agency], agency_id: int | None, lang: str = "vi") -> str:
    if agency_id is None:
        return DESK_VI if lang == "vi" else DESK_EN
    a = agencies.get(agency_id)
    if a is None:
        return ""
    return a.name_vi if lang == "vi" else (a.name_en or a.name_vi)


def _vi(at: datetime | None, tz: str) -> str:
    return vi_datetime(local(at, tz)) if at is not None else ""


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def handoff_json(h: DossierHandoff, agencies: dict[int, Agency], tz: str, *, now: datetime | None = None) -> dict[str, Any]:
    """One Mẫu 05 row as staff read it (staff names included: never for the public)."""
    timing_vi = TIMING_NAMES[Timing(h.timing)][0] if h.timing else ""
    state_vi, state_en = HANDOFF_STATE_NAMES.get(h.state, (h.state, h.state))
    if h.state == "done" and h.to_agency_id is None:
        state_vi, state_en = "Bộ phận một cửa đã nhận", "Received by the desk"
    return {
        "id": h.id, "handoff_id": h.id, "dossier_id": h.dossier_id, "seq": h.seq,
        "from_agency_id": h.from_agency_id, "to_agency_id": h.to_agency_id, "to_site_id": h.to_site_id,
        "from_name": party_name(agencies, h.from_agency_id), "to_name": party_name(agencies, h.to_agency_id),
        "to_name_en": party_name(agencies, h.to_agency_id, "en"),
        "handed_at": _iso(h.handed_at), "handed_at_vi": _vi(h.handed_at, tz), "handed_at_short": short(local(h.handed_at, tz)),
        "handed_by": h.handed_by,
        "received_at": _iso(h.received_at), "received_at_vi": _vi(h.received_at, tz), "received_by": h.received_by,
        "step_due_at": _iso(h.step_due_at), "step_due_at_vi": _vi(h.step_due_at, tz),
        "done_at": _iso(h.done_at), "done_at_vi": _vi(h.done_at, tz),
        "timing": h.timing, "timing_vi": timing_vi, "off_route": h.off_route, "reason": h.reason,
        "result": h.result, "outcome": h.outcome, "notes": list(h.notes or []), "state": h.state,
        "state_vi": state_vi, "state_en": state_en, "route_index": h.route_index,
        "late": bool(now is not None and rules.is_late(now, h.step_due_at, h.done_at) and h.state in OPEN_HANDOFF)
        or h.timing == Timing.LATE.value,
    }


def route_progress(session: Session, site: Site, d: Dossier, rows: list[DossierHandoff]) -> list[dict[str, Any]]:
    """The procedure's route, each step done, current (held or waiting at that agency) or next."""
    steps = route_of(session, site.id, d.procedure_code)
    open_row = next((h for h in rows if h.state in OPEN_HANDOFF and h.to_agency_id is not None), None)
    nxt = rules.next_index((h.route_index, h.outcome) for h in rows if h.to_agency_id is not None
                           and h.state not in OPEN_HANDOFF)
    out = []
    for i, step in enumerate(steps):
        a = resolve_ref(session, site, step.agency)
        if open_row is not None and open_row.route_index == i:
            state = "current"
        elif i < nxt:
            state = "done"
        else:
            state = "next"
        out.append({"agency_id": a.id if a else None, "agency_code": step.agency_code,
                    "site_code": step.site_code or site.code, "name_vi": a.name_vi if a else step.agency,
                    "name_en": a.name_en if a else "", "share": step.share, "state": state})
    return out


def next_step_index(rows: list[DossierHandoff]) -> int:
    return rules.next_index((h.route_index, h.outcome) for h in rows if h.to_agency_id is not None)


def forecast_at(session: Session, settings: DossierSettings, d: Dossier, site: Site,
                rows: list[DossierHandoff], now: datetime) -> datetime | None:
    """When the dossier will be done if each remaining step uses its time: from max(now, the
    current step's deadline), every later route step in its agency's time, then half the
    desk's share (returning the result). None for a dossier without a route or not open."""
    if DossierState(d.state) not in OPEN_STATES:
        return None
    steps = route_of(session, site.id, d.procedure_code)
    if not steps:
        return None
    zone = ZoneInfo(site.timezone)
    open_row = next((h for h in rows if h.state in OPEN_HANDOFF and h.to_agency_id is not None), None)
    if open_row is not None:
        start = (open_row.route_index + 1) if open_row.route_index is not None else len(steps)
        current_due = open_row.step_due_at.astimezone(zone) if open_row.step_due_at else None
    else:
        start, current_due = next_step_index(rows), None
    remaining: list[tuple[float, rules.AgencyTime]] = []
    sites: dict[int, Site] = {site.id: site}
    for step in steps[start:]:
        a = resolve_ref(session, site, step.agency)
        a_site = site
        if a is not None:
            a_site = sites.get(a.site_id) or sites.setdefault(a.site_id, session.get(Site, a.site_id))
        remaining.append((step.share, agency_time(settings, a_site, a)))
    remaining.append((rules.desk_share(steps) / 2, agency_time(settings, site, None)))
    return rules.forecast(now.astimezone(zone), current_due, remaining, d.processing_quantity, d.processing_unit)


def apology_needed(d: Dossier, forecast: datetime | None) -> bool:
    """The desk should issue the apology letter (Mẫu 04) now: the forecast passes the due date
    and no apology moved the appointment yet."""
    return forecast is not None and forecast > d.due_at and d.appointment_at <= d.due_at


def dossier_additions(session: Session, settings: DossierSettings, d: Dossier, site: Site,
                      now: datetime) -> dict[str, Any]:
    """What the dossier JSON gains: the holder, the Mẫu 05 rows, the route, the apology prompt."""
    rows = rows_of(session, d.id)
    agencies = agencies_of(session, rows)
    forecast = forecast_at(session, settings, d, site, rows, now)
    return {"current_agency_id": d.current_agency_id,
            "handoffs": [handoff_json(h, agencies, site.timezone, now=now) for h in rows],
            "route": route_progress(session, site, d, rows),
            "next_route_agency_id": _next_agency_id(session, site, d, rows),
            "apology_needed": apology_needed(d, forecast), "forecast_at": _iso(forecast),
            "forecast_at_vi": _vi(forecast, site.timezone)}


def _next_agency_id(session: Session, site: Site, d: Dossier, rows: list[DossierHandoff]) -> int | None:
    """The agency the route says the desk hands to next (the reception page preselects it)."""
    steps = route_of(session, site.id, d.procedure_code)
    i = next_step_index(rows)
    if i >= len(steps):
        return None
    a = resolve_ref(session, site, steps[i].agency)
    return a.id if a else None


__all__ = ["rows_of", "agencies_of", "party_name", "handoff_json", "route_progress", "forecast_at",
           "apology_needed", "dossier_additions", "next_step_index", "inbox_item", "public_additions", "DESK_VI", "OPEN_HANDOFF"]


def inbox_item(session: Session, h: DossierHandoff, d: Dossier, site: Site, agencies: dict[int, Agency],
               now: datetime) -> dict[str, Any]:
    """A hand-off as its agency's inbox lists it: the row, the dossier's code, procedure and
    due date, the applicant's name (staff need it; never the ID number or the phone), the route."""
    rows = rows_of(session, d.id)
    everyone = {**agencies, **agencies_of(session, rows)}
    row = handoff_json(h, everyone, site.timezone, now=now)
    return {**row,
            "code": d.code, "dossier_state": d.state, "applicant_name": d.applicant_name,
            "procedure": {"code": d.procedure_code, "name_vi": d.procedure_name_vi, "name_en": d.procedure_name_en},
            "from": {"agency_id": h.from_agency_id, "name_vi": party_name(everyone, h.from_agency_id)},
            "due_at": d.due_at.isoformat(), "due_at_vi": _vi(d.due_at, site.timezone),
            "route": route_progress(session, site, d, rows)}


_PUBLIC_ROW = ("seq", "to_name", "to_name_en", "handed_at", "handed_at_vi", "received_at", "received_at_vi",
               "step_due_at", "step_due_at_vi", "done_at", "done_at_vi", "timing", "timing_vi", "state", "state_vi",
               "state_en")


def public_additions(session: Session, d: Dossier, site: Site) -> dict[str, Any]:
    """What the citizen's lookup gains: who holds the dossier now and since when, each
    hand-off's agency and dates, the route's agencies. Never a staff name, a note or a reason."""
    rows = rows_of(session, d.id)
    agencies = agencies_of(session, rows)
    open_row = next((h for h in rows if h.state in OPEN_HANDOFF and h.to_agency_id is not None), None)
    if open_row is not None:
        since = open_row.handed_at
    else:
        since = rows[-1].handed_at if rows else d.received_at
    held_by = {"agency_id": d.current_agency_id, "name_vi": party_name(agencies, d.current_agency_id),
               "name_en": party_name(agencies, d.current_agency_id, "en"), "since": since.isoformat(),
               "since_vi": _vi(since, site.timezone)}
    route = [{k: step[k] for k in ("name_vi", "name_en", "state")} for step in route_progress(session, site, d, rows)]
    public_rows = [{k: v for k, v in handoff_json(h, agencies, site.timezone).items() if k in _PUBLIC_ROW} for h in rows]
    return {"held_by": held_by if DossierState(d.state) is not DossierState.RETURNED else None,
            "handoffs": public_rows, "route": route}
