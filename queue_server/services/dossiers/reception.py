"""Dossier use cases: receive at the counter, hand off, ask for more documents (Mẫu 02),
refuse (Mẫu 03), result ready, return, apologise with a new date (Mẫu 04), flag overdue.

One transaction each; every step adds a timeline row (`dossier_steps`) and an event
`dossier.<step>` in that transaction. Events carry the dossier's id, code, procedure and
state but never the applicant's personal data (the event stream reaches every clerk).

Numbering: the dossier code's daily counter and the logbook line are rows of
`dossier_sequences` incremented with UPDATE ... RETURNING (the ticket numbering pattern),
so concurrent receptions on any number of server processes get distinct numbers with no
gap: a receipt that fails rolls its increments back with it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from queue_server.domain import dossiers as rules
from queue_server.domain.business_day import business_day
from queue_server.domain.dossiers import DossierAction, DossierState, FieldError
from queue_server.domain.working_days import DueDate, due_at
from queue_server.events import log
from queue_server.services import admin
from queue_server.services.calendars import calendar_notice
from queue_server.services.context import Actor, Context
from queue_server.services.dossiers.setup import (
    ChannelSpec,
    DossierSettings,
    SiteLike,
    agency_code,
    dossier_settings,
    find_procedure,
    work_calendar,
)
from queue_server.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from queue_server.services.site_setup import site_hours
from queue_server.store.tables import (
    INT4_MAX,
    INT8_MAX,
    Counter,
    Dossier,
    DossierSequence,
    DossierStep,
    Site,
    Ticket,
    row_id,
)

logger = logging.getLogger(__name__)

ONE_STOP_DESK = "Bộ phận tiếp nhận và trả kết quả"
MAX_SETS = 99


# -- helpers ------------------------------------------------------------------------------

def invalid(errors: list[FieldError]) -> InvalidInput:
    n = len(errors)
    return InvalidInput(f"Có {n} thông tin chưa đúng: xem các ô được đánh dấu đỏ. {errors[0].message_vi}",
                        f"{n} field{'s' if n > 1 else ''} need correcting (marked in red). {errors[0].message_en}",
                        errors=[e.as_json() for e in errors])


def require_staff(actor: Actor, site_id: int | None = None, role: str = "clerk") -> None:
    if not actor.has_role(role):
        raise Forbidden("Chỉ cán bộ được thao tác với hồ sơ.", "Only staff may handle dossiers.") if role == "clerk" \
            else Forbidden("Cần quyền giám sát.", f"This needs the {role} role.")
    if site_id is not None and not actor.in_site(site_id):
        raise Forbidden("Bạn không có quyền ở điểm phục vụ này.", "You have no rights at this site.")


def _next(session: Session, site_id: int, scope: str) -> int:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(DossierSequence).values(site_id=site_id, scope=scope, last_number=0)
                    .on_conflict_do_nothing(index_elements=["site_id", "scope"]))
    return session.execute(
        update(DossierSequence)
        .where(DossierSequence.site_id == site_id, DossierSequence.scope == scope)
        .values(last_number=DossierSequence.last_number + 1)
        .returning(DossierSequence.last_number)
    ).scalar_one()


def compute_due(settings: DossierSettings, received_utc: datetime, site: SiteLike, channel: ChannelSpec) -> DueDate:
    """The appointment for a dossier received at `received_utc` at `site` (its working hours
    and cutoff; the answer in its time zone)."""
    own = settings.for_site(site)
    received_local = received_utc.astimezone(ZoneInfo(site.timezone))
    return due_at(received_local, channel.quantity, channel.unit, work_calendar(own), site_hours(settings, site),
                  same_day_cutoff=own.same_day_cutoff)


def _public_data(d: Dossier, **extra: Any) -> dict[str, Any]:
    """What an event may say about a dossier: no name, ID, phone, e-mail or address."""
    return {"dossier_id": d.id, "code": d.code, "procedure_code": d.procedure_code, "state": d.state,
            "due_at": d.due_at.isoformat(), "appointment_at": d.appointment_at.isoformat(), **extra}


def _step(session: Session, d: Dossier, kind: str, actor: Actor, now: datetime, *, event: bool = True,
          event_extra: dict[str, Any] | None = None, **fields: Any) -> DossierStep:
    step = DossierStep(dossier_id=d.id, kind=kind, at=now, actor=actor.label, actor_name=actor.name, **fields)
    session.add(step)
    session.flush()
    if event:
        log.append(session, site_id=d.site_id, kind=f"dossier.{kind}", at=now, ticket_id=d.ticket_id,
                   counter_id=d.counter_id, actor=actor.label,
                   data=_public_data(d, step_id=step.id, **(event_extra or {})))
    return step


def _load(session: Session, actor: Actor, ref: int | str, *, lock: bool = False) -> Dossier:
    stmt = select(Dossier)
    d = None
    if isinstance(ref, int) or (str(ref).isascii() and str(ref).isdigit()):
        ident = row_id(ref, INT8_MAX)  # None past the id range: it names no dossier
        stmt = stmt.where(Dossier.id == ident) if ident is not None else None
    else:
        stmt = stmt.where(Dossier.code == rules.normalize_dossier_code(str(ref)))
    if stmt is not None:
        d = session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()
    if d is None or not actor.in_site(d.site_id):
        raise NotFound(f"Không tìm thấy hồ sơ {ref}.", f"Dossier {ref} not found.", ident=str(ref))
    return d


def _apply(d: Dossier, action: DossierAction, now: datetime) -> DossierState:
    target = rules.next_dossier_state(d.state, action)
    if target is None:
        state_vi, state_en = rules.STATE_NAMES[DossierState(d.state)]
        raise Conflict(f"Hồ sơ {d.code} đang ở trạng thái “{state_vi}”: không thực hiện được thao tác này.",
                       f"Dossier {d.code} is {state_en.lower()}: {action.value} is not possible now.",
                       state=d.state)
    if target.value != d.state:
        d.state = target.value
        d.state_changed_at = now
    return target


def _site(session: Session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound("Không tìm thấy điểm phục vụ.", "Site not found.")
    return site


# -- receiving ----------------------------------------------------------------------------

def _int_field(raw: Any, name: str, low: int, high: int, default: int | None, errors: list[FieldError],
               vi: str, en: str) -> int:
    if raw in (None, "") and default is not None:
        return default
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        errors.append(FieldError(name, vi, en))
        return default or low
    return raw


def check_reception(payload: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """Everything about a reception that needs no database: every field error at once."""
    errors: list[FieldError] = []
    applicant, app_errors = rules.check_applicant(payload.get("applicant") or {})
    errors += app_errors
    docs, doc_errors = rules.check_documents(payload.get("documents") or [])
    errors += doc_errors
    code = rules.clean_text(payload.get("procedure_code"))
    if not code:
        errors.append(FieldError("procedure_code", "Chọn thủ tục hành chính.", "Choose the procedure."))
    sets = _int_field(payload.get("sets"), "sets", 1, MAX_SETS, 1, errors,
                      f"Số bộ hồ sơ từ 1 đến {MAX_SETS}.", f"Sets: 1 to {MAX_SETS}.")
    fee = payload.get("fee_vnd")
    if fee not in (None, ""):
        fee = _int_field(fee, "fee_vnd", 0, 10**12, 0, errors, "Phí, lệ phí phải là số đồng ≥ 0.",
                         "The fee is a whole number of đồng ≥ 0.")
    else:
        fee = None
    delivery = payload.get("result_delivery") or "counter"
    address = rules.clean_text(payload.get("delivery_address"))
    if delivery not in ("counter", "post"):
        errors.append(FieldError("result_delivery", "Chọn nơi nhận kết quả: tại quầy hoặc qua bưu chính.",
                                 "Choose where the result is collected: counter or post."))
    elif delivery == "post" and not address and not (applicant and applicant.address):
        errors.append(FieldError("delivery_address", "Cần địa chỉ nhận kết quả qua bưu chính.",
                                 "A postal address is needed for delivery by post."))
    clean = {"applicant": applicant, "documents": docs, "procedure_code": code, "sets": sets, "fee_vnd": fee,
             "result_delivery": delivery, "delivery_address": address,
             "channel": rules.clean_text(payload.get("channel")) or "truc_tiep",
             "note": rules.clean_text(payload.get("note"))[:500]}
    return clean, errors


def receive_dossier(ctx: Context, actor: Actor, payload: dict[str, Any], *, site: str | int | None = None) -> dict[str, Any]:
    """Receive a dossier at the counter; returns it with its code, lookup code and due date.

    `payload`: procedure_code, channel, applicant{name, address, id_type, id_number, phone,
    email}, documents[{name, originals, certified_copies, photocopies, received}], sets,
    fee_vnd, result_delivery (counter | post), delivery_address, ticket_id, counter_id, note.
    """
    require_staff(actor)
    clean, errors = check_reception(payload)
    settings = dossier_settings(ctx)
    ticket_id = payload.get("ticket_id")
    counter_id = payload.get("counter_id")
    site_row = None if ticket_id else admin.resolve_site(ctx, site if site is not None else actor.site_id)

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        ticket = None
        if ticket_id:
            ident = row_id(ticket_id, INT8_MAX)
            ticket = session.get(Ticket, ident) if ident is not None else None
            if ticket is None or not actor.in_site(ticket.site_id):
                raise invalid([*errors, FieldError("ticket_id", "Không tìm thấy số thứ tự này.", "No such ticket.")])
        site_obj = _site(session, ticket.site_id if ticket else site_row.id)
        require_staff(actor, site_obj.id)
        procedure = find_procedure(session, settings, site_obj.id, clean["procedure_code"]) \
            if clean["procedure_code"] else None
        more = list(errors)
        channel = None
        if clean["procedure_code"] and procedure is None:
            more.append(FieldError("procedure_code", f"Không có thủ tục {clean['procedure_code']} trong danh mục.",
                                   f"Procedure {clean['procedure_code']} is not in the catalogue."))
        elif procedure is not None:
            channel = procedure.channel(clean["channel"])
            if channel is None:
                more.append(FieldError("channel", "Thủ tục không tiếp nhận theo cách này.",
                                       "The procedure is not received through this channel."))
        counter = None
        if counter_id:
            # a counter of this site, or the dossier would name a desk the hall does not have
            wanted = row_id(counter_id, INT4_MAX)
            counter = session.get(Counter, wanted) if wanted is not None else None
            if counter is None or counter.site_id != site_obj.id:
                counter = None
                more.append(FieldError("counter_id", "Không có quầy này ở điểm phục vụ (counter_id).",
                                       "No such counter at this site (counter_id)."))
        if more:
            raise invalid(more)
        assert procedure is not None and channel is not None
        if counter is None and ticket is not None and ticket.counter_id:
            counter = session.get(Counter, ticket.counter_id)
        tz = site_obj.timezone
        day = business_day(now, tz)
        number = _next(session, site_obj.id, f"d:{day.isoformat()}")
        book = f"{day.year}"
        line = _next(session, site_obj.id, f"book:{book}")
        due = compute_due(settings, now, site_obj, channel)
        applicant = clean["applicant"]
        d = Dossier(
            site_id=site_obj.id, code=rules.dossier_code(agency_code(site_obj), day, number),
            lookup_code=rules.new_lookup_code(), received_day=day, number=number,
            logbook_book=f"01/{book}", logbook_line=line,
            procedure_code=procedure.code, procedure_name_vi=procedure.name_vi, procedure_name_en=procedure.name_en,
            field_code=procedure.field, lead_agency=procedure.agency_vi, current_agency=ONE_STOP_DESK,
            channel=channel.kind, processing_quantity=channel.quantity, processing_unit=channel.unit.value,
            applicant_name=applicant.name, applicant_id_type=applicant.id_type,
            applicant_id_number=applicant.id_number, applicant_phone=applicant.phone,
            applicant_email=applicant.email, applicant_address=applicant.address,
            documents=[doc.as_json() for doc in clean["documents"]], sets=clean["sets"],
            fee_vnd=channel.fee_vnd * clean["sets"] if clean["fee_vnd"] is None else clean["fee_vnd"],
            result_delivery=clean["result_delivery"],
            delivery_address=clean["delivery_address"] if clean["result_delivery"] == "post" and
            clean["delivery_address"] else (applicant.address if clean["result_delivery"] == "post" else ""),
            received_at=now, due_at=due.at.astimezone(now.tzinfo), appointment_at=due.at.astimezone(now.tzinfo),
            calendar_missing_years=sorted(due.calendar_missing_years),
            calendar_unconfirmed_years=sorted(due.calendar_unconfirmed_years),
            state=DossierState.RECEIVED.value, state_changed_at=now, flag="",
            ticket_id=ticket.id if ticket else None, counter_id=counter.id if counter else None,
            received_by_id=actor.id if actor.is_user else None, received_by_name=actor.name, note=clean["note"],
        )
        session.add(d)
        session.flush()
        _step(session, d, "received", actor, now, from_agency="Người nộp hồ sơ", to_agency=ONE_STOP_DESK,
              handed_by=applicant.name, received_by=actor.name,
              data={"counter_number": counter.number if counter else None},
              event_extra={"counter_number": counter.number if counter else None,
                           "ticket_code": ticket.code if ticket else None})
        if due.calendar_missing_years:
            years = sorted(due.calendar_missing_years)
            listed = ", ".join(map(str, years))
            logger.warning("no holiday file for %s: dossier %s due date counts the statutory holidays without "
                           "swapped working days", years, d.code)
            log.append(session, site_id=d.site_id, kind="dossier.calendar_missing", at=now, actor=actor.label,
                       data=_public_data(d, years=years, message_vi=(
                           f"Chưa có lịch nghỉ lễ năm {listed}: ngày hẹn trả của hồ sơ {d.code} đã trừ ngày lễ, "
                           f"Tết theo Bộ luật Lao động nhưng chưa biết ngày làm bù của năm {listed}. "
                           "Hãy bổ sung tệp lịch nghỉ lễ khi Chính phủ công bố."),
                           message_en=(f"No holiday file for {listed}: the due date of {d.code} skips the "
                                       f"statutory holidays but the swapped working days of {listed} are not "
                                       "known. Add the holiday file once the government publishes it.")))
        return dossier_json(session, d, settings, now=now)

    return ctx.db.transaction(work)


# -- views --------------------------------------------------------------------------------

def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def step_json(s: DossierStep, tz: str) -> dict[str, Any]:
    from queue_server.services.dossiers.format import local, short

    names = STEP_NAMES.get(s.kind, (s.kind, s.kind))
    timing_vi = rules.TIMING_NAMES[rules.Timing(s.timing)][0] if s.timing else ""
    return {"id": s.id, "kind": s.kind, "name_vi": names[0], "name_en": names[1], "at": s.at.isoformat(),
            "at_local": short(local(s.at, tz)), "actor_name": s.actor_name, "from_agency": s.from_agency,
            "to_agency": s.to_agency, "handed_by": s.handed_by, "received_by": s.received_by, "timing": s.timing,
            "timing_vi": timing_vi, "reason": s.reason, "data": s.data}


STEP_NAMES = {
    "received": ("Tiếp nhận hồ sơ", "Received"),
    "handed_off": ("Chuyển hồ sơ", "Handed over"),
    "supplement_requested": ("Yêu cầu bổ sung, hoàn thiện hồ sơ", "More documents requested"),
    "supplemented": ("Đã bổ sung hồ sơ", "Documents supplied"),
    "refused": ("Từ chối giải quyết", "Refused"),
    "result_ready": ("Đã có kết quả", "Result ready"),
    "returned": ("Đã trả kết quả", "Result returned"),
    "apology": ("Xin lỗi và hẹn lại ngày trả", "Apology and new date"),
}


def due_state_of(d: Dossier, settings: DossierSettings, now: datetime, site: SiteLike) -> rules.DueState | None:
    if DossierState(d.state) not in rules.OPEN_STATES:
        return None
    own = settings.for_site(site)
    zone = ZoneInfo(site.timezone)
    return rules.due_state(now.astimezone(zone), d.due_at.astimezone(zone), work_calendar(own),
                           site_hours(settings, site),
                           own.due_soon_working_days)


def outcome_timing(d: Dossier, tz: str) -> rules.Timing | None:
    """Early / on time / late of a dossier whose result is ready (a refused one has none:
    a result is returned only after it was ready, so a returned dossier without it was refused)."""
    done = d.result_ready_at
    if done is None:
        return None
    zone = ZoneInfo(tz)
    return rules.timing(done.astimezone(zone), d.due_at.astimezone(zone))


def dossier_json(session: Session, d: Dossier, settings: DossierSettings, *, now: datetime,
                 steps: bool = True) -> dict[str, Any]:
    """A dossier for staff (with the applicant)."""
    from queue_server.services.dossiers.format import local, vi_datetime

    site = _site(session, d.site_id)
    tz = site.timezone
    ds = due_state_of(d, settings, now, site)
    done = outcome_timing(d, tz)
    out = {
        "id": d.id, "site_id": d.site_id, "code": d.code, "lookup_code": d.lookup_code, "state": d.state,
        "state_vi": rules.STATE_NAMES[DossierState(d.state)][0], "state_en": rules.STATE_NAMES[DossierState(d.state)][1],
        "procedure": {"code": d.procedure_code, "name_vi": d.procedure_name_vi, "name_en": d.procedure_name_en,
                      "field": d.field_code},
        "lead_agency": d.lead_agency, "current_agency": d.current_agency, "channel": d.channel,
        "processing_time": {"quantity": d.processing_quantity, "unit": d.processing_unit},
        "applicant": {"name": d.applicant_name, "id_type": d.applicant_id_type, "id_number": d.applicant_id_number,
                      "phone": d.applicant_phone, "email": d.applicant_email, "address": d.applicant_address},
        "documents": d.documents, "sets": d.sets, "fee_vnd": d.fee_vnd, "result_delivery": d.result_delivery,
        "delivery_address": d.delivery_address,
        "received_at": d.received_at.isoformat(), "due_at": d.due_at.isoformat(),
        "appointment_at": d.appointment_at.isoformat(),
        "received_at_vi": vi_datetime(local(d.received_at, tz)), "due_at_vi": vi_datetime(local(d.due_at, tz)),
        "appointment_at_vi": vi_datetime(local(d.appointment_at, tz)),
        "calendar_missing_years": d.calendar_missing_years, "calendar_unconfirmed_years": d.calendar_unconfirmed_years,
        "calendar_notice": calendar_notice(d.calendar_missing_years),
        "due_state": ds.value if ds else None, "due_state_vi": rules.DUE_STATE_NAMES[ds][0] if ds else None,
        "outcome": done.value if done else None, "outcome_vi": rules.TIMING_NAMES[done][0] if done else None,
        "result_ready_at": _iso(d.result_ready_at), "returned_at": _iso(d.returned_at),
        "ticket_id": d.ticket_id, "counter_id": d.counter_id, "received_by": d.received_by_name,
        "logbook": {"book": d.logbook_book, "line": d.logbook_line}, "note": d.note,
        "links": {"receipt_pdf": f"/api/v1/dossiers/{d.id}/receipt.pdf",
                  "receipt_slip": f"/api/v1/dossiers/{d.id}/receipt.bin",
                  "lookup": f"/dossiers/lookup?code={d.code}&key={d.lookup_code}"},
    }
    if steps:
        from queue_server.services.agencies.views import dossier_additions

        rows = session.scalars(select(DossierStep).where(DossierStep.dossier_id == d.id).order_by(DossierStep.id))
        out["steps"] = [step_json(s, tz) for s in rows]
        out.update(dossier_additions(session, settings, d, site, now))
    else:
        out["current_agency_id"] = d.current_agency_id
    return out


def get_dossier(ctx: Context, actor: Actor, ref: int | str) -> dict[str, Any]:
    require_staff(actor)
    settings = dossier_settings(ctx)
    with ctx.db.reading() as session:
        d = _load(session, actor, ref)
        return dossier_json(session, d, settings, now=ctx.clock.now())


def dossiers_of_ticket(ctx: Context, actor: Actor, ticket_id: int) -> list[dict[str, Any]]:
    """Dossiers received (or returned) while serving a ticket: the counter page shows them."""
    require_staff(actor)
    settings = dossier_settings(ctx)
    with ctx.db.reading() as session:
        rows = session.scalars(select(Dossier).where((Dossier.ticket_id == ticket_id) |
                                                     (Dossier.returned_ticket_id == ticket_id)).order_by(Dossier.id))
        return [dossier_json(session, d, settings, now=ctx.clock.now(), steps=False) for d in rows
                if actor.in_site(d.site_id)]


# -- tracking -----------------------------------------------------------------------------

def _tracked(ctx: Context, actor: Actor, ref: int | str, action: DossierAction, apply) -> dict[str, Any]:  # noqa: ANN001
    require_staff(actor)
    settings = dossier_settings(ctx)

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        d = _load(session, actor, ref, lock=True)
        if d.current_agency_id is not None and action in _AT_THE_DESK:
            raise Conflict(
                f"Hồ sơ {d.code} đang ở {d.current_agency}: chỉ {_AT_THE_DESK[action][0]} được khi cơ quan xử lý đã "
                "chuyển hồ sơ về bộ phận một cửa (cơ quan yêu cầu bổ sung, từ chối hoặc trả kết quả trong hộp hồ sơ "
                "của mình).",
                f"Dossier {d.code} is with {d.current_agency}: {_AT_THE_DESK[action][1]} only once the agency has handed "
                "it back to the desk (the agency asks for documents, refuses or returns the result from its inbox).",
                state=d.state)
        site = _site(session, d.site_id)
        before = d.state
        _apply(d, action, now)
        apply(session, d, site, now, before)
        return dossier_json(session, d, settings, now=now)

    return ctx.db.transaction(work)


# what the desk does only while it holds the dossier: while an agency holds it (its hand-off
# row open), the agency acts from its inbox and the dossier comes back to the desk with it
_AT_THE_DESK: dict[DossierAction, tuple[str, str]] = {
    DossierAction.HAND_OFF: ("chuyển tiếp hồ sơ", "hand it on"),
    DossierAction.REQUEST_SUPPLEMENT: ("yêu cầu bổ sung", "ask for documents"),
    DossierAction.REFUSE: ("từ chối hồ sơ", "refuse it"),
    DossierAction.RESULT_READY: ("ghi nhận có kết quả", "record the result"),
}


def _text(value: str | None, field: str, *, required: bool, limit: int = 1000) -> str:
    text = rules.clean_text(value)
    if required and not text:
        raise invalid([FieldError(field, "Không được để trống.", "Must not be empty.")])
    if len(text) > limit:
        raise invalid([FieldError(field, f"Tối đa {limit} ký tự.", f"At most {limit} characters.")])
    return text


def _local_input(value: datetime | str | None, tz: str, field: str) -> datetime | None:
    """A time the staff typed ("YYYY-MM-DD HH:MM", site time) or an aware datetime."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))
    text = str(value).strip().replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text[:19], fmt).replace(tzinfo=ZoneInfo(tz))
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(str(value))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(tz))
    except ValueError:
        raise invalid([FieldError(field, "Thời gian phải viết YYYY-MM-DD HH:MM.",
                                  "Write the time as YYYY-MM-DD HH:MM.")]) from None


def hand_off(ctx: Context, actor: Actor, ref: int | str, *, to_agency: str, received_by: str = "",
             handed_by: str = "", step_due: datetime | str | None = None, note: str = "") -> dict[str, Any]:
    """Pass the dossier to another department or agency (one row of the control slip, Mẫu 05)."""
    to_agency = _text(to_agency, "to_agency", required=True, limit=300)
    received_by = _text(received_by, "received_by", required=False, limit=200)
    handed_by = _text(handed_by, "handed_by", required=False, limit=200)
    note = _text(note, "note", required=False)

    def apply(session: Session, d: Dossier, site: Site, now: datetime, before: str) -> None:
        zone = ZoneInfo(site.timezone)
        due_step = _local_input(step_due, site.timezone, "step_due") or d.due_at
        t = rules.timing(now.astimezone(zone), due_step.astimezone(zone))
        from_agency = d.current_agency
        d.current_agency = to_agency
        _step(session, d, "handed_off", actor, now, from_agency=from_agency, to_agency=to_agency,
              handed_by=handed_by or actor.name, received_by=received_by, timing=t.value, reason=note,
              data={"step_due_at": due_step.astimezone(now.tzinfo).isoformat()},
              event_extra={"from_agency": from_agency, "to_agency": to_agency, "timing": t.value})

    return _tracked(ctx, actor, ref, DossierAction.HAND_OFF, apply)


def request_supplement(ctx: Context, actor: Actor, ref: int | str, *, missing: list[str], reason: str,
                       contact: str = "") -> dict[str, Any]:
    """Ask the applicant for more documents (Mẫu 02): what is missing and why; the clock stops."""
    items = [rules.clean_text(m) for m in (missing or []) if rules.clean_text(m)]
    if not items:
        raise invalid([FieldError("missing", "Ghi rõ giấy tờ cần bổ sung.", "List what is missing.")])
    reason = _text(reason, "reason", required=True)
    contact = _text(contact, "contact", required=False, limit=300)

    def apply(session: Session, d: Dossier, site: Site, now: datetime, before: str) -> None:
        _step(session, d, "supplement_requested", actor, now, from_agency=d.current_agency, reason=reason,
              data={"missing": items, "contact": contact or actor.name})

    return _tracked(ctx, actor, ref, DossierAction.REQUEST_SUPPLEMENT, apply)


def supplement(ctx: Context, actor: Actor, ref: int | str, *, note: str = "") -> dict[str, Any]:
    """The applicant brought what was missing: the processing time starts again from now."""
    note = _text(note, "note", required=False)
    settings = dossier_settings(ctx)

    def apply(session: Session, d: Dossier, site: Site, now: datetime, before: str) -> None:
        channel = ChannelSpec(kind=d.channel, quantity=d.processing_quantity,
                              unit=rules_unit(d.processing_unit), fee_vnd=0)
        due = compute_due(settings, now, site, channel)
        old_due = d.due_at
        d.due_at = d.appointment_at = due.at.astimezone(now.tzinfo)
        d.calendar_missing_years = sorted(due.calendar_missing_years)
        d.calendar_unconfirmed_years = sorted(due.calendar_unconfirmed_years)
        d.flag = ""
        d.current_agency = ONE_STOP_DESK
        _step(session, d, "supplemented", actor, now, to_agency=ONE_STOP_DESK, received_by=actor.name, reason=note,
              data={"old_due_at": old_due.isoformat(), "new_due_at": d.due_at.isoformat()})

    return _tracked(ctx, actor, ref, DossierAction.SUPPLEMENT, apply)


def rules_unit(unit: str):  # noqa: ANN201
    from queue_server.domain.working_days import TimeUnit

    return TimeUnit(unit)


def refuse(ctx: Context, actor: Actor, ref: int | str, *, reason: str) -> dict[str, Any]:
    """Refuse the dossier with reasons (Mẫu 03); it is then handed back to the applicant."""
    reason = _text(reason, "reason", required=True)

    def apply(session: Session, d: Dossier, site: Site, now: datetime, before: str) -> None:
        _step(session, d, "refused", actor, now, from_agency=d.current_agency, reason=reason)

    return _tracked(ctx, actor, ref, DossierAction.REFUSE, apply)


def result_ready(ctx: Context, actor: Actor, ref: int | str, *, note: str = "") -> dict[str, Any]:
    note = _text(note, "note", required=False)

    def apply(session: Session, d: Dossier, site: Site, now: datetime, before: str) -> None:
        zone = ZoneInfo(site.timezone)
        t = rules.timing(now.astimezone(zone), d.due_at.astimezone(zone))
        d.result_ready_at = now
        from_agency = d.current_agency
        d.current_agency = ONE_STOP_DESK
        _step(session, d, "result_ready", actor, now, from_agency=from_agency, to_agency=ONE_STOP_DESK,
              received_by=actor.name, timing=t.value, reason=note, event_extra={"timing": t.value})

    return _tracked(ctx, actor, ref, DossierAction.RESULT_READY, apply)


def return_result(ctx: Context, actor: Actor, ref: int | str, *, collected_by: str = "", ticket_id: int | None = None,
                  note: str = "") -> dict[str, Any]:
    """The result (or a refused dossier) is handed to the applicant, at the counter or by post."""
    collected_by = _text(collected_by, "collected_by", required=False, limit=200)
    note = _text(note, "note", required=False)

    def apply(session: Session, d: Dossier, site: Site, now: datetime, before: str) -> None:
        if ticket_id is not None:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None or ticket.site_id != d.site_id:
                raise invalid([FieldError("ticket_id", "Không tìm thấy số thứ tự này.", "No such ticket.")])
            d.returned_ticket_id = ticket.id
        d.returned_at = now
        zone = ZoneInfo(site.timezone)
        t = rules.timing((d.result_ready_at or now).astimezone(zone), d.due_at.astimezone(zone)) \
            if before != DossierState.REFUSED.value else None
        _step(session, d, "returned", actor, now, from_agency=ONE_STOP_DESK, handed_by=actor.name,
              received_by=collected_by, timing=t.value if t else "", reason=note,
              data={"refused": before == DossierState.REFUSED.value, "delivery": d.result_delivery},
              event_extra={"timing": t.value if t else None, "returned_ticket_id": d.returned_ticket_id})

    return _tracked(ctx, actor, ref, DossierAction.RETURN, apply)


def issue_apology(ctx: Context, actor: Actor, ref: int | str, *, reason: str,
                  new_appointment: datetime | str) -> dict[str, Any]:
    """Apologise for a late (or soon late) dossier and promise a new date (Mẫu 04)."""
    reason = _text(reason, "reason", required=True)

    def apply(session: Session, d: Dossier, site: Site, now: datetime, before: str) -> None:
        new = _local_input(new_appointment, site.timezone, "new_appointment")
        if new is None:
            raise invalid([FieldError("new_appointment", "Cần ngày hẹn mới.", "A new date is needed.")])
        new_utc = new.astimezone(now.tzinfo)
        if new_utc <= now or new_utc <= d.appointment_at:
            raise invalid([FieldError("new_appointment", "Ngày hẹn mới phải sau ngày hẹn cũ và sau hiện tại.",
                                      "The new date must be after the old one and after now.")])
        old = d.appointment_at
        d.appointment_at = new_utc
        _step(session, d, "apology", actor, now, reason=reason,
              data={"old_appointment_at": old.isoformat(), "new_appointment_at": new_utc.isoformat()},
              event_extra={"old_appointment_at": old.isoformat()})

    return _tracked(ctx, actor, ref, DossierAction.APOLOGY, apply)


# -- overdue flags ------------------------------------------------------------------------

def flag_overdue(ctx: Context, actor: Actor) -> dict[str, int]:
    """Announce open dossiers that became due soon or overdue (once per change of flag):
    events `dossier.due_soon` and `dossier.overdue`. Run by the server every minute, by
    `motcua dossier sweep` and by a supervisor's `POST /api/v1/dossiers/sweep`; never by a
    read (a report answers from the clock and writes nothing)."""
    settings = dossier_settings(ctx)

    def work(session: Session) -> dict[str, int]:
        now = ctx.clock.now()
        horizon = now + timedelta(days=45)  # due-soon needs a few working days' look-ahead at most
        counts = {"due_soon": 0, "overdue": 0}
        rows = session.scalars(select(Dossier).where(
            Dossier.state.in_([s.value for s in rules.OPEN_STATES]), Dossier.flag != "overdue",
            Dossier.due_at < horizon).order_by(Dossier.id).with_for_update())
        sites: dict[int, Site] = {}
        for d in rows:
            site = sites.get(d.site_id) or sites.setdefault(d.site_id, _site(session, d.site_id))
            state = due_state_of(d, settings, now, site)
            if state is None or state is rules.DueState.ON_TRACK or state.value == d.flag:
                continue
            d.flag = state.value
            counts[state.value] += 1
            log.append(session, site_id=d.site_id, kind=f"dossier.{state.value}", at=now, ticket_id=d.ticket_id,
                       actor=actor.label, data=_public_data(d, current_agency=d.current_agency))
        return counts

    return ctx.db.transaction(work)


__all__ = ["receive_dossier", "check_reception", "get_dossier", "dossiers_of_ticket", "hand_off",
           "request_supplement", "supplement", "refuse", "result_ready", "return_result", "issue_apology",
           "flag_overdue", "compute_due", "dossier_json", "STEP_NAMES", "ONE_STOP_DESK", "require_staff"]
