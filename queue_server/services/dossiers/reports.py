"""What supervisors read: the logbook (Mẫu 06) for a date range as CSV, XLSX or PDF; the
lists of dossiers due, late and returned late, by procedure and by agency; and the
citizens' ratings by counter, clerk, service and day.

Ratings are `rating.given` events (written by the kiosk's and the counter tablet's
`POST /api/v1/ratings`); they are read from the event log, so there is one source of
truth and no second table to keep in step. A rating names its ticket; the ticket gives
the clerk and the service, and the dossiers received or returned while serving it.
"""

from __future__ import annotations

import csv
import io
from collections import Counter as Tally
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from queue_server.domain import dossiers as rules
from queue_server.domain.dossiers import DossierState
from queue_server.services import admin
from queue_server.services.context import Actor, Context
from queue_server.services.dossiers import pdf as dossier_pdf
from queue_server.services.dossiers.format import local, short
from queue_server.services.dossiers.reception import due_state_of, outcome_timing, require_staff
from queue_server.services.dossiers.setup import agency_header, dossier_settings, place_name
from queue_server.services.errors import InvalidInput
from queue_server.store.tables import Dossier, DossierStep, Event, Service, Site, Ticket, User

MAX_RANGE_DAYS = 400
LOGBOOK_DELIVERY = {"counter": "Tại quầy", "post": "Bưu chính"}


@dataclass(frozen=True)
class DayRange:
    start: date
    end: date  # inclusive

    def utc_bounds(self, tz: str) -> tuple[datetime, datetime]:
        zone = ZoneInfo(tz)
        lo = datetime.combine(self.start, time(0), tzinfo=zone)
        hi = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=zone)
        return lo, hi

    def label(self) -> str:
        return f"Từ ngày {self.start:%d/%m/%Y} đến ngày {self.end:%d/%m/%Y}"


def day_range(start: str | date | None, end: str | date | None, today: date) -> DayRange:
    def parse(value: str | date | None, name: str, default: date) -> date:
        if value in (None, ""):
            return default
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise InvalidInput(f"Ngày “{value}” phải viết YYYY-MM-DD.", f"{name} must be YYYY-MM-DD.",
                               field=name) from None

    lo = parse(start, "from", today.replace(day=1))
    hi = parse(end, "to", today)
    if hi < lo:
        raise InvalidInput("Ngày kết thúc trước ngày bắt đầu.", "The end date is before the start date.", field="to")
    if (hi - lo).days > MAX_RANGE_DAYS:
        raise InvalidInput(f"Khoảng thời gian tối đa {MAX_RANGE_DAYS} ngày.", f"At most {MAX_RANGE_DAYS} days.",
                           field="to")
    return DayRange(lo, hi)


def _site_for(ctx: Context, actor: Actor, site: str | int | None) -> Site:
    s = admin.resolve_site(ctx, site if site not in (None, "") else actor.site_id)
    require_staff(actor, s.id, role="supervisor")
    return s


# -- logbook (Mẫu 06) --------------------------------------------------------------------

def _first(steps: list[DossierStep], kind: str) -> DossierStep | None:
    return next((s for s in steps if s.kind == kind), None)


def logbook_rows(ctx: Context, actor: Actor, *, site: str | int | None = None, start: str | date | None = None,
                 end: str | date | None = None) -> tuple[Site, DayRange, list[list[str]]]:
    s = _site_for(ctx, actor, site)
    tz = s.timezone
    rng = day_range(start, end, local(ctx.clock.now(), tz).date())
    rows: list[list[str]] = []
    with ctx.db.reading() as session:
        dossiers = list(session.scalars(select(Dossier).where(
            Dossier.site_id == s.id, Dossier.received_day >= rng.start, Dossier.received_day <= rng.end)
            .order_by(Dossier.received_at, Dossier.id)))
        steps: dict[int, list[DossierStep]] = defaultdict(list)
        if dossiers:
            for step in session.scalars(select(DossierStep).where(
                    DossierStep.dossier_id.in_([d.id for d in dossiers])).order_by(DossierStep.id)):
                steps[step.dossier_id].append(step)
    for d in dossiers:
        mine = steps[d.id]
        handed = _first(mine, "handed_off")
        ready = d.result_ready_at
        contact = ", ".join(x for x in (d.applicant_address, d.applicant_phone) if x)
        note = []
        if d.state == DossierState.REFUSED.value or _first(mine, "refused"):
            note.append("Từ chối giải quyết")
        if _first(mine, "apology"):
            note.append(f"Hẹn lại {short(local(d.appointment_at, tz))}")
        t = outcome_timing(d, tz)
        if t is not None:
            note.append(rules.TIMING_NAMES[t][0])
        rows.append([
            str(d.logbook_line), d.code, d.procedure_name_vi, f"{d.sets:02d}", d.applicant_name, contact,
            d.lead_agency, short(local(d.received_at, tz)), short(local(d.due_at, tz)),
            short(local(handed.at, tz)) if handed else "", short(local(ready, tz)) if ready else "",
            short(local(d.returned_at, tz)) if d.returned_at else "",
            LOGBOOK_DELIVERY.get(d.result_delivery, d.result_delivery) if d.returned_at else "",
            "", "; ".join(note),
        ])
    return s, rng, rows


def logbook_csv(rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the diacritics right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(dossier_pdf.LOGBOOK_COLUMNS)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def logbook_xlsx(rows: list[list[str]], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Sổ theo dõi hồ sơ"
    ws.append(["SỔ THEO DÕI HỒ SƠ"])
    ws.append([title])
    ws.append(list(dossier_pdf.LOGBOOK_COLUMNS))
    ws["A1"].font = Font(bold=True, size=14)
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in rows:
        ws.append(row)
    widths = (6, 28, 36, 6, 24, 32, 28, 16, 16, 16, 16, 16, 22, 10, 24)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def logbook(ctx: Context, actor: Actor, fmt: str, *, site: str | int | None = None, start: str | date | None = None,
            end: str | date | None = None) -> tuple[str, str, bytes]:
    """(filename, media type, bytes) of the logbook in `fmt` (csv | xlsx | pdf)."""
    if fmt not in ("csv", "xlsx", "pdf"):
        raise InvalidInput("Định dạng phải là csv, xlsx hoặc pdf.", "Format must be csv, xlsx or pdf.", field="format")
    s, rng, rows = logbook_rows(ctx, actor, site=site, start=start, end=end)
    name = f"so-theo-doi-ho-so-{rng.start:%Y%m%d}-{rng.end:%Y%m%d}.{fmt}"
    if fmt == "csv":
        return name, "text/csv; charset=utf-8", logbook_csv(rows)
    if fmt == "xlsx":
        return name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", logbook_xlsx(rows, rng.label())
    settings = dossier_settings(ctx)
    header = dossier_pdf.FormHeader(agency=agency_header(settings, s), place=place_name(settings, s), tz=s.timezone,
                                    site_name=s.name)
    return name, "application/pdf", dossier_pdf.logbook_pdf(rows, header, rng.label())


# -- supervision: due, late, returned late ------------------------------------------------

def _brief(d: Dossier, site: Site, now: datetime, settings: Any) -> dict[str, Any]:
    tz = site.timezone
    ds = due_state_of(d, settings, now, site)
    late_by = (now - d.due_at) if ds is rules.DueState.OVERDUE else None
    return {"id": d.id, "code": d.code, "procedure_code": d.procedure_code, "procedure_name_vi": d.procedure_name_vi,
            "applicant": rules.mask_name(d.applicant_name), "state": d.state,
            "state_vi": rules.STATE_NAMES[DossierState(d.state)][0], "lead_agency": d.lead_agency,
            "current_agency": d.current_agency, "received_at": d.received_at.isoformat(),
            "due_at": d.due_at.isoformat(), "due_at_local": short(local(d.due_at, tz)),
            "appointment_at_local": short(local(d.appointment_at, tz)),
            "apologised": d.appointment_at != d.due_at,
            "returned_at_local": short(local(d.returned_at, tz)) if d.returned_at else None,
            "result_ready_at_local": short(local(d.result_ready_at, tz)) if d.result_ready_at else None,
            "due_state": ds.value if ds else None, "late_hours": round(late_by.total_seconds() / 3600, 1)
            if late_by else None, "calendar_missing_years": list(d.calendar_missing_years or [])}


def supervision(ctx: Context, actor: Actor, *, site: str | int | None = None, start: str | date | None = None,
                end: str | date | None = None) -> dict[str, Any]:
    """Dossiers due soon and late now, and those returned late within the range, grouped.

    A read: it writes nothing. Due-soon and overdue are computed here from the clock; the
    events that announce them (`dossier.due_soon`, `dossier.overdue`) are the sweep's, which
    the server runs every minute (and `motcua dossier sweep`, `POST /api/v1/dossiers/sweep`)."""
    s = _site_for(ctx, actor, site)
    settings = dossier_settings(ctx)
    tz = s.timezone
    now = ctx.clock.now()
    rng = day_range(start, end, local(now, tz).date())
    lo, hi = rng.utc_bounds(tz)
    with ctx.db.reading() as session:
        open_rows = list(session.scalars(select(Dossier).where(
            Dossier.site_id == s.id, Dossier.state.in_([x.value for x in rules.OPEN_STATES])).order_by(Dossier.due_at)))
        finished = list(session.scalars(select(Dossier).where(
            Dossier.site_id == s.id, Dossier.returned_at.is_not(None), Dossier.returned_at >= lo,
            Dossier.returned_at < hi).order_by(Dossier.returned_at)))
        warnings = [{"at": e.at.isoformat(), "message_vi": e.data.get("message_vi"), "message_en": e.data.get(
            "message_en"), "years": e.data.get("years"), "code": e.data.get("code")}
            for e in session.scalars(select(Event).where(
                Event.site_id == s.id, Event.kind == "dossier.calendar_missing",
                Event.at >= now - timedelta(days=30)).order_by(Event.id.desc()).limit(50))]
    due, late = [], []
    for d in open_rows:
        state = due_state_of(d, settings, now, s)
        if state is rules.DueState.OVERDUE:
            late.append(_brief(d, s, now, settings))
        elif state is rules.DueState.DUE_SOON:
            due.append(_brief(d, s, now, settings))
    returned_late = [_brief(d, s, now, settings) for d in finished if outcome_timing(d, tz) is rules.Timing.LATE]
    returned_total = len([d for d in finished if outcome_timing(d, tz) is not None])

    def group(key: str) -> list[dict[str, Any]]:
        table: dict[str, dict[str, Any]] = {}
        for name, items in (("due", due), ("late", late), ("returned_late", returned_late)):
            for item in items:
                k = item[key] if key != "agency" else (
                    item["current_agency"] if name != "returned_late" else item["lead_agency"])
                row = table.setdefault(k, {"key": k, "name": item["procedure_name_vi"] if key == "procedure_code"
                                           else k, "due": 0, "late": 0, "returned_late": 0})
                row[name] += 1
        return sorted(table.values(), key=lambda r: (-r["late"], -r["returned_late"], -r["due"], r["key"]))

    return {"site": {"id": s.id, "name": s.name}, "now": now.isoformat(), "from": rng.start.isoformat(),
            "to": rng.end.isoformat(), "due": due, "late": late, "returned_late": returned_late,
            "returned_total": returned_total, "by_procedure": group("procedure_code"), "by_agency": group("agency"),
            "warnings": warnings}


# -- ratings ------------------------------------------------------------------------------

LEVELS = ("very_satisfied", "satisfied", "unsatisfied")


def _bucket() -> dict[str, Any]:
    return {"very_satisfied": 0, "satisfied": 0, "unsatisfied": 0, "total": 0, "reasons": Tally()}


def _finish(b: dict[str, Any]) -> dict[str, Any]:
    total = b["total"]
    return {**{k: b[k] for k in (*LEVELS, "total")}, "reasons": dict(b["reasons"].most_common()),
            "satisfied_percent": round(100 * (b["very_satisfied"] + b["satisfied"]) / total, 1) if total else None}


def ratings_report(ctx: Context, actor: Actor, *, site: str | int | None = None, start: str | date | None = None,
                   end: str | date | None = None) -> dict[str, Any]:
    s = _site_for(ctx, actor, site)
    tz = s.timezone
    rng = day_range(start, end, local(ctx.clock.now(), tz).date())
    lo, hi = rng.utc_bounds(tz)
    with ctx.db.reading() as session:
        events = list(session.scalars(select(Event).where(Event.site_id == s.id, Event.kind == "rating.given",
                                                          Event.at >= lo, Event.at < hi).order_by(Event.id)))
        ticket_ids = {e.ticket_id for e in events if e.ticket_id}
        tickets = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids)))} if ticket_ids \
            else {}
        services = {x.id: x for x in session.scalars(select(Service).where(Service.site_id == s.id))}
        users = {u.id: u.full_name or u.username for u in session.scalars(select(User))}
        dossier_codes = _dossiers_by_ticket(session, ticket_ids)
    groups: dict[str, dict[str, dict[str, Any]]] = {k: defaultdict(_bucket) for k in ("counter", "clerk", "service",
                                                                                    "day")}
    overall = _bucket()
    unhappy = []
    for e in events:
        level = e.data.get("level")
        if level not in LEVELS:
            continue
        ticket = tickets.get(e.ticket_id) if e.ticket_id else None
        counter = e.data.get("counter_number")
        clerk = users.get(ticket.clerk_id) if ticket and ticket.clerk_id else None
        service = services.get(ticket.service_id) if ticket else None
        keys = {
            "counter": f"Quầy {counter}" if counter else "Không rõ quầy",
            "clerk": clerk or "Không rõ cán bộ",
            "service": f"{service.code} – {service.name_vi}" if service else (e.data.get("service_code") or "Không rõ"),
            "day": local(e.at, tz).date().isoformat(),
        }
        reasons = e.data.get("reasons") or []
        for name, key in keys.items():
            b = groups[name][key]
            b[level] += 1
            b["total"] += 1
            b["reasons"].update(reasons)
        overall[level] += 1
        overall["total"] += 1
        overall["reasons"].update(reasons)
        if level == "unsatisfied":
            unhappy.append({"at": e.at.isoformat(), "at_local": short(local(e.at, tz)), "counter": counter,
                            "clerk": clerk, "ticket_code": e.data.get("code"), "reasons": reasons,
                            "comment": e.data.get("comment", ""),
                            "dossiers": dossier_codes.get(e.ticket_id, []) if e.ticket_id else []})
    return {
        "site": {"id": s.id, "name": s.name}, "from": rng.start.isoformat(), "to": rng.end.isoformat(),
        "overall": _finish(overall),
        **{f"by_{name}": [{"key": k, **_finish(v)} for k, v in sorted(g.items())] for name, g in groups.items()},
        "unhappy": unhappy[-200:],
    }


def _dossiers_by_ticket(session: Session, ticket_ids: set[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    if not ticket_ids:
        return out
    for d in session.scalars(select(Dossier).where(or_(Dossier.ticket_id.in_(ticket_ids),
                                                       Dossier.returned_ticket_id.in_(ticket_ids)))):
        for tid in {d.ticket_id, d.returned_ticket_id} & ticket_ids:
            out[tid].append(d.code)
    return out


__all__ = ["day_range", "DayRange", "logbook_rows", "logbook", "logbook_csv", "logbook_xlsx", "supervision",
           "ratings_report"]
