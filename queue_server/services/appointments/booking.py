"""The citizen's side of appointments: what can be booked, booking a slot, reading and
cancelling one's own booking.

    options(ctx, site)                        services taking appointments and their procedures
    slots_of_day(ctx, service_id, day)        the day's slots with their free places
    book(ctx, actor, client=..., ...)         -> event `appointment.booked`; the code and id
    public_booking(ctx, booking_id)           what the booking page shows (never name or phone)
    cancel_booking(ctx, actor, booking_id)    -> event `appointment.cancelled`; the place is freed
    find_by_code(ctx, code=..., client=...)   the booking of a code (rate-limited misses)

Capacity: a slot's row holds how many places are taken; a booking takes one with a single
conditional upsert (``INSERT ... ON CONFLICT DO UPDATE SET booked = booked + 1 WHERE booked <
capacity RETURNING id``), so two citizens
booking the last place at once never both get it, on SQLite (one writer) and on PostgreSQL
(the row lock, and the condition read again after it) alike, with no read-then-write.

Personal data: the name and the phone are kept on the booking for the staff (supervisor's
day view) and erased by the retention purge; no answer of this module and no event carries
them. Limits (rate_counters, shared by every process): BOOKINGS_PER_HOUR bookings per web
client an hour; one active booking per phone number, service and day; a client whose code
lookups miss LOOKUP_FAILURES times in LOOKUP_WINDOW is answered 429 until the window ends.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.domain import appointments as rules
from queue_server.domain.phone_numbers import normalize_phone
from queue_server.events import log
from queue_server.services.admin import display_name
from queue_server.services.appointments import limits
from queue_server.services.appointments.settings import load_rule, rule_of, site_calendar
from queue_server.services.context import Actor, Context
from queue_server.services.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited, not_found
from queue_server.store.tables import (
    Appointment,
    AppointmentSetting,
    AppointmentSlot,
    Procedure,
    Service,
    Site,
)

BOOKINGS_PER_HOUR = 5
LOOKUP_FAILURES = 20
LOOKUP_WINDOW = timedelta(minutes=15)
NAME_MIN, NAME_MAX = 2, 100

STATES = {
    "booked": ("Đã đặt lịch", "Booked"),
    "checked_in": ("Đã xác nhận có mặt, đang chờ gọi", "Checked in, waiting to be called"),
    "cancelled": ("Đã huỷ", "Cancelled"),
    "no_show": ("Không đến (quá giờ xác nhận)", "Did not come (check-in time passed)"),
}

_SL = AppointmentSlot.__table__
_FREE_PLACE = update(_SL).where(_SL.c.id == bindparam("slot_id"), _SL.c.booked > 0).values(booked=_SL.c.booked - 1)


def booking_key(secret: bytes, booking_id: int) -> str:
    """The key in the booking page's address (its QR): without it the page is a 404."""
    return hmac.new(secret, f"appointment:{booking_id}".encode(), hashlib.sha256).hexdigest()[:12]


def key_ok(secret: bytes, booking_id: int, key: str) -> bool:
    return hmac.compare_digest(key.encode(), booking_key(secret, booking_id).encode())


# -- what can be booked ------------------------------------------------------------------------

def _enabled_services(session: Session, site_id: int) -> list[tuple[Service, rules.SlotRule]]:
    rows = session.execute(select(Service, AppointmentSetting).join(
        AppointmentSetting, AppointmentSetting.service_id == Service.id).where(
        Service.site_id == site_id, Service.active).order_by(Service.sort_order, Service.id))
    out = []
    for service, setting in rows:
        rule = rule_of(setting)
        if rule.enabled:
            out.append((service, rule))
    return out


def options(ctx: Context, site: Site) -> dict[str, Any]:
    """The services that take appointments at `site`, and the catalogue's procedures that
    queue at them (a citizen may choose either)."""
    with ctx.db.reading() as session:
        enabled = _enabled_services(session, site.id)
        ids = [s.id for s, _ in enabled]
        procedures = list(session.scalars(select(Procedure).where(
            Procedure.site_id == site.id, Procedure.service_id.in_(ids)).order_by(Procedure.name_vi))) if ids else []
    return {
        "site": {"code": site.code, "name": site.name, "timezone": site.timezone},
        "services": [{"id": s.id, "code": s.code, "name_vi": s.name_vi, "name_en": s.name_en,
                      "slot_minutes": r.slot_minutes, "book_ahead_days": r.book_ahead_days,
                      "early_minutes": r.early_minutes, "late_minutes": r.late_minutes} for s, r in enabled],
        "procedures": [{"code": p.code, "name_vi": p.name_vi, "name_en": p.name_en, "service_id": p.service_id}
                       for p in procedures],
        "name_max": NAME_MAX,
    }


def _open_service(session: Session, service_id: int) -> tuple[Service, Site, rules.SlotRule]:
    service = session.get(Service, service_id)
    if service is None or not service.active:
        raise not_found("dịch vụ", "Service", service_id)
    rule = load_rule(session, service.id)
    if not rule.enabled:
        raise Conflict(f"Dịch vụ {service.name_vi} chưa nhận đặt lịch hẹn.",
                       f"{service.name_en or service.name_vi} does not take appointments.", reason="closed")
    return service, session.get(Site, service.site_id), rule


def _taken(session: Session, service_id: int, first: date, last: date) -> dict[datetime, int]:
    rows = session.execute(select(AppointmentSlot.starts_at, AppointmentSlot.booked).where(
        AppointmentSlot.service_id == service_id, AppointmentSlot.day >= first, AppointmentSlot.day <= last))
    return {at: n for at, n in rows}


def _slot_json(start: datetime, zone: ZoneInfo, capacity: int, booked: int, now: datetime) -> dict[str, Any]:
    local = start.astimezone(zone)
    return {"time": f"{local:%H:%M}", "starts_at": start.isoformat(), "capacity": capacity,
            "free": max(0, capacity - booked), "past": start <= now}


def slots_of_day(ctx: Context, service_id: int, day: date) -> dict[str, Any]:
    """The slots of `day` for a service, each with its free places (public: counts only).
    A day off says which holiday; a day beyond the booking horizon says so."""
    with ctx.db.reading() as session:
        service, site, rule = _open_service(session, service_id)
        calendar, hours = site_calendar(ctx, site)
        zone = ZoneInfo(site.timezone)
        now = ctx.clock.now()
        today = now.astimezone(zone).date()
        out: dict[str, Any] = {"service_id": service.id, "day": day.isoformat(), "slots": [],
                               "first_day": today.isoformat(),
                               "last_day": (today + timedelta(days=rule.book_ahead_days)).isoformat()}
        off = calendar.day_off(day)
        if off is not None:
            out["day_off"] = {"vi": off.name_vi, "en": off.name_en or off.name_vi}
        if not today <= day <= today + timedelta(days=rule.book_ahead_days):
            return out
        taken = _taken(session, service.id, day, day)
        for t in rules.slot_starts(rule, day, calendar, hours):
            start = datetime.combine(day, t, zone).astimezone(now.tzinfo)
            out["slots"].append(_slot_json(start, zone, rule.capacity, taken.get(start, 0), now))
        return out


def days_open(ctx: Context, service_id: int) -> dict[str, Any]:
    """The days a service can be booked from today to its horizon, with their free places."""
    with ctx.db.reading() as session:
        service, site, rule = _open_service(session, service_id)
        calendar, hours = site_calendar(ctx, site)
        zone = ZoneInfo(site.timezone)
        now = ctx.clock.now()
        today = now.astimezone(zone).date()
        last = today + timedelta(days=rule.book_ahead_days)
        taken = _taken(session, service.id, today, last)
        days = []
        for i in range(rule.book_ahead_days + 1):
            day = today + timedelta(days=i)
            starts = [datetime.combine(day, t, zone) for t in rules.slot_starts(rule, day, calendar, hours)]
            ahead = [s for s in starts if s > now]
            free = sum(max(0, rule.capacity - taken.get(s, 0)) for s in ahead)
            off = calendar.day_off(day)
            days.append({"day": day.isoformat(), "weekday": day.weekday(), "slots": len(starts),
                         "slots_ahead": len(ahead), "free": free,
                         **({"day_off": {"vi": off.name_vi, "en": off.name_en or off.name_vi}} if off else {})})
        return {"service_id": service.id, "days": days}


# -- booking -------------------------------------------------------------------------------------

def _contact(name: str, phone: str) -> tuple[str, str]:
    clean = display_name(name or "", "name")
    if not NAME_MIN <= len(clean) <= NAME_MAX:
        raise InvalidInput(f"Họ và tên (name): từ {NAME_MIN} đến {NAME_MAX} ký tự.",
                           f"name: {NAME_MIN} to {NAME_MAX} characters.", field="name")
    normal = normalize_phone(phone or "")
    if normal is None:
        raise InvalidInput("Số điện thoại di động không đúng (phone), ví dụ 0912 345 678 hoặc +84 912 345 678.",
                           "phone: not a Vietnamese mobile number, e.g. 0912 345 678 or +84 912 345 678.",
                           field="phone")
    return clean, normal


def _start_time(text: str) -> time:
    try:
        if len(text) != 5 or text[2] != ":":
            raise ValueError
        return time(int(text[:2]), int(text[3:]))
    except ValueError:
        raise InvalidInput("Giờ hẹn (time) phải có dạng HH:MM, ví dụ 08:30.",
                           "time must be HH:MM, e.g. 08:30.", field="time") from None


def _service_for(session: Session, site: Site, service_id: int | None,
                 procedure_code: str | None) -> tuple[int, str | None]:
    if procedure_code:
        row = session.scalars(select(Procedure).where(Procedure.site_id == site.id,
                                                      Procedure.code == procedure_code)).one_or_none()
        if row is None or row.service_id is None:
            raise InvalidInput(f"Không có thủ tục {procedure_code} nhận đặt lịch ở điểm phục vụ này (procedure_code).",
                               f"No procedure {procedure_code} takes appointments here (procedure_code).",
                               field="procedure_code")
        if service_id is not None and service_id != row.service_id:
            raise InvalidInput(f"Thủ tục {procedure_code} không thuộc dịch vụ đã chọn (procedure_code).",
                               f"Procedure {procedure_code} is not one of the chosen service's (procedure_code).",
                               field="procedure_code")
        return row.service_id, row.code
    if service_id is None:
        raise InvalidInput("Hãy chọn thủ tục hoặc dịch vụ (service_id).", "Choose a procedure or a service (service_id).",
                           field="service_id")
    return service_id, None


def _refusal(r: rules.Refusal) -> Conflict | InvalidInput:
    if r.code == "not_a_slot":
        return InvalidInput(r.vi, r.en, field="time", reason=r.code)
    return Conflict(r.vi, r.en, reason=r.code, **dict(r.facts))


def _channel(actor: Actor) -> str:
    if actor.kind == "device" and actor.role == "kiosk":
        return "kiosk"
    return "staff" if actor.kind in ("user", "system") else "web"


# One statement takes a place: the slot's row is created holding this booking, or its count
# raised by one only while a place is left (ON CONFLICT ... DO UPDATE ... WHERE); RETURNING
# gives the slot's id, or nothing when the slot is full. The condition is evaluated under the
# row's lock (PostgreSQL, re-read after a concurrent update) or the write lock (SQLite).
_TAKE_PLACE_SQL = {
    name: dialect.insert(_SL).values(
        site_id=bindparam("site_id"), service_id=bindparam("service_id"), day=bindparam("day"),
        starts_at=bindparam("starts_at", type_=_SL.c.starts_at.type), booked=1,
    ).on_conflict_do_update(
        index_elements=[_SL.c.service_id, _SL.c.starts_at], set_={"booked": _SL.c.booked + 1},
        where=_SL.c.booked < bindparam("capacity"),
    ).returning(_SL.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def book(ctx: Context, actor: Actor, *, client: str, site_id: int, day: date, start: str, name: str, phone: str,
         service_id: int | None = None, procedure_code: str | None = None) -> dict[str, Any]:
    """Book one place of a slot. The answer holds the booking's id and code (shown to the
    citizen once; the page's address carries its key)."""
    if actor.kind == "device" and actor.role != "kiosk":
        raise Forbidden("Thiết bị này không đặt được lịch hẹn.", "This device may not book appointments.")
    if not actor.in_site(site_id):
        raise Forbidden("Bạn không có quyền ở điểm phục vụ này.", "You have no rights at this site.")
    at = _start_time(start)
    contact_name, contact_phone = _contact(name, phone)
    channel = _channel(actor)
    rate_key = f"appt:b:{client}"[:120]
    if procedure_code is not None and (len(procedure_code) > 40 or not procedure_code.strip()):
        procedure_code = None if not procedure_code.strip() else procedure_code[:40]

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        # counted first, in this transaction: a booking refused for any reason rolls its count back
        if channel == "web" and limits.bump(session, rate_key, now, timedelta(hours=1)) > BOOKINGS_PER_HOUR:
            wait = limits.seconds_left(session, rate_key, now, timedelta(hours=1))
            raise RateLimited(f"Đã đặt {BOOKINGS_PER_HOUR} lịch hẹn trong một giờ từ máy này. Vui lòng thử lại sau "
                              f"{max(1, wait // 60)} phút.",
                              f"{BOOKINGS_PER_HOUR} bookings were made from here in the last hour; please try again "
                              f"in {max(1, wait // 60)} min.", retry_after=wait)
        site = session.get(Site, site_id)
        if site is None:
            raise not_found("điểm phục vụ", "Site", site_id)
        sid, proc = _service_for(session, site, service_id, procedure_code)
        service, _, rule = _open_service(session, sid)
        if service.site_id != site.id:
            raise not_found("dịch vụ", "Service", sid)
        calendar, hours = site_calendar(ctx, site)
        zone = ZoneInfo(site.timezone)
        refusal = rules.booking_refusal(rule, day, at, now.astimezone(zone), calendar, hours)
        if refusal is not None:
            raise _refusal(refusal)
        starts_at = datetime.combine(day, at, zone).astimezone(now.tzinfo)
        same = session.scalar(select(func.count()).select_from(Appointment).where(
            Appointment.service_id == service.id, Appointment.day == day, Appointment.phone == contact_phone,
            Appointment.state.in_(["booked", "checked_in"])))
        if same:
            raise Conflict("Số điện thoại này đã có lịch hẹn cho dịch vụ này trong ngày; hãy huỷ lịch cũ trước.",
                           "This phone number already has an appointment for this service that day; "
                           "cancel it first.", reason="duplicate")
        conn = session.connection()
        slot_id = conn.execute(_TAKE_PLACE_SQL[conn.dialect.name], {
            "site_id": site.id, "service_id": service.id, "day": day, "starts_at": starts_at,
            "capacity": rule.capacity}).scalar()
        if slot_id is None:
            raise Conflict(f"Khung giờ {at:%H:%M} ngày {day:%d/%m/%Y} đã hết chỗ; hãy chọn khung giờ khác.",
                           f"The slot at {at:%H:%M} on {day:%d/%m/%Y} is full; choose another.", reason="full")
        booking = Appointment(site_id=site.id, service_id=service.id, slot_id=slot_id, day=day,
                              starts_at=starts_at, code=rules.new_code(), procedure_code=proc, name=contact_name,
                              phone=contact_phone, state="booked", created_at=now, state_changed_at=now)
        session.add(booking)
        session.flush()  # a code taken already (about never: 31^7 codes) is an IntegrityError: see below
        log.append(session, site_id=site.id, kind="appointment.booked", at=now, actor=actor.label,
                   data=_event_data(booking, service, channel=channel))
        return {"id": booking.id, **_view(booking, service, rule, zone)}

    for attempt in range(3):
        try:
            return ctx.db.transaction(work)
        except IntegrityError:  # two random codes clashed: the whole booking again, with a new code
            if attempt == 2:
                raise Conflict("Không tạo được mã lịch hẹn, hãy thử lại.",
                               "Could not make a booking code; try again.") from None
    raise AssertionError("unreachable")


def _event_data(b: Appointment, service: Service, **extra: Any) -> dict[str, Any]:
    """What an appointment event says: never the name, the phone or the code."""
    return {"appointment_id": b.id, "service_id": service.id, "service_code": service.code,
            "starts_at": b.starts_at.isoformat(), "day": b.day.isoformat(), "state": b.state,
            "procedure_code": b.procedure_code, **extra}


def _view(b: Appointment, service: Service, rule: rules.SlotRule, zone: ZoneInfo) -> dict[str, Any]:
    """The public view of a booking: what the citizen's own page shows (no name, no phone)."""
    opens, closes = rules.check_in_window(rule, b.starts_at)
    local = b.starts_at.astimezone(zone)
    vi, en = STATES.get(b.state, (b.state, b.state))
    return {"code": b.code, "state": b.state, "state_vi": vi, "state_en": en,
            "service_id": service.id, "service_code": service.code, "service_name_vi": service.name_vi,
            "service_name_en": service.name_en, "procedure_code": b.procedure_code,
            "day": b.day.isoformat(), "time": f"{local:%H:%M}", "starts_at": b.starts_at.isoformat(),
            "slot_minutes": rule.slot_minutes, "check_in_opens_at": opens.isoformat(),
            "check_in_closes_at": closes.isoformat(), "cancellable": b.state == "booked"}


def _procedure_names(session: Session, b: Appointment) -> dict[str, str]:
    if not b.procedure_code:
        return {}
    row = session.scalars(select(Procedure).where(Procedure.site_id == b.site_id,
                                                  Procedure.code == b.procedure_code)).one_or_none()
    return {"procedure_name_vi": row.name_vi, "procedure_name_en": row.name_en} if row else {}


def _unknown() -> NotFound:
    return NotFound("Không tìm thấy lịch hẹn. Hãy kiểm tra lại mã lịch hẹn.",
                    "No appointment found. Please check the booking code.")


def public_booking(ctx: Context, booking_id: int) -> dict[str, Any]:
    with ctx.db.reading() as session:
        b = session.get(Appointment, booking_id)
        if b is None:
            raise _unknown()
        service = session.get(Service, b.service_id)
        site = session.get(Site, b.site_id)
        view = _view(b, service, load_rule(session, service.id), ZoneInfo(site.timezone))
        return {"id": b.id, **view, **_procedure_names(session, b),
                "site": {"code": site.code, "name": site.name}}


def cancel_booking(ctx: Context, actor: Actor, booking_id: int) -> dict[str, Any]:
    """Cancel a booking still to come (the citizen from its page, or staff); its place is freed.
    Cancelling one already cancelled answers as it is."""

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        b = session.get(Appointment, booking_id, with_for_update=True)
        if b is None:
            raise _unknown()
        if actor.kind == "user" and not actor.in_site(b.site_id):
            raise Forbidden("Bạn không có quyền ở điểm phục vụ này.", "You have no rights at this site.")
        service = session.get(Service, b.service_id)
        site = session.get(Site, b.site_id)
        rule = load_rule(session, service.id)
        zone = ZoneInfo(site.timezone)
        if b.state == "cancelled":
            return {"id": b.id, **_view(b, service, rule, zone)}
        if b.state != "booked":
            vi, en = STATES[b.state]
            raise Conflict(f"Lịch hẹn đang ở trạng thái “{vi}”, không huỷ được.",
                           f"The appointment is {en.lower()}; it cannot be cancelled.", state=b.state)
        changed = session.execute(update(Appointment).where(Appointment.id == b.id, Appointment.state == "booked")
                                  .values(state="cancelled", state_changed_at=now)
                                  .execution_options(synchronize_session=False)).rowcount
        if changed == 1:
            session.execute(_FREE_PLACE, {"slot_id": b.slot_id})
            session.refresh(b)
            log.append(session, site_id=b.site_id, kind="appointment.cancelled", at=now, actor=actor.label,
                       data=_event_data(b, service, by="staff" if actor.kind == "user" else "citizen"))
        return {"id": b.id, **_view(b, service, rule, zone)}

    return ctx.db.transaction(work)


@dataclass
class _Found:
    booking_id: int | None = None
    retry_after: int | None = None


def find_by_code(ctx: Context, *, code: str, client: str) -> int:
    """The id of the booking with this code; a wrong code answers exactly like an unknown one
    (404), and a client that misses too often is answered 429 until its window ends."""
    normal = rules.normalize_code(code)
    key = f"appt:r:{client}"[:120]

    def work(session: Session) -> _Found:
        now = ctx.clock.now()
        if limits.count(session, key, now, LOOKUP_WINDOW) >= LOOKUP_FAILURES:
            return _Found(retry_after=limits.seconds_left(session, key, now, LOOKUP_WINDOW))
        found = None
        if rules.code_is_well_formed(normal):
            found = session.scalar(select(Appointment.id).where(Appointment.code == normal))
        if found is not None:
            return _Found(booking_id=found)
        limits.bump(session, key, now, LOOKUP_WINDOW)
        limits.forget_old(session, now)
        return _Found()

    outcome = ctx.db.transaction(work)
    if outcome.retry_after is not None:
        raise RateLimited("Tra cứu sai quá nhiều lần. Vui lòng thử lại sau ít phút.",
                          "Too many lookups of unknown codes. Please try again in a few minutes.",
                          retry_after=outcome.retry_after)
    if outcome.booking_id is None:
        raise _unknown()
    return outcome.booking_id
