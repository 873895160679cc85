"""On the day: a booking becomes a waiting ticket, and a booking never checked in becomes a
no-show.

    check_in_booking(ctx, actor, code)   kiosk (or staff): the booking's code, typed or scanned
        -> a waiting ticket of the booked service, channel "appointment", the booked procedure,
           `due_at` = the slot's start (dispatch rule 0 calls it near that time); events
           `ticket.issued` and `appointment.checked_in`, in one transaction. Checking in again
           answers with the same ticket. Too early or too late: 409 with `walk_in: true`, so
           the kiosk offers an ordinary number instead. A wrong code answers like an unknown
           one (404); a device whose codes miss too often is answered 429 for a while.
    mark_no_shows(ctx, actor)            the maintenance round: bookings whose check-in closed
        (slot start + late tolerance) are no-shows, one `appointment.no_show` event each.
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from queue_server.domain import appointments as rules
from queue_server.events import log
from queue_server.services.appointments import limits
from queue_server.services.appointments.booking import _event_data, _unknown, booking_key
from queue_server.services.appointments.settings import load_rule, rule_of
from queue_server.services.context import Actor, Context
from queue_server.services.errors import Conflict, Forbidden, RateLimited
from queue_server.services.queue import tickets as queue
from queue_server.store.tables import Appointment, AppointmentSetting, Service, Site

CHECK_IN_FAILURES = 20
CHECK_IN_WINDOW = timedelta(minutes=15)
NO_SHOW_BATCH = 500


def _may_check_in(actor: Actor) -> None:
    if actor.kind == "system" or actor.has_role("clerk") or (actor.kind == "device" and actor.role == "kiosk"):
        return
    raise Forbidden("Chỉ ki-ốt hoặc cán bộ mới xác nhận lịch hẹn.", "Only kiosks and staff may check bookings in.")


def _client(actor: Actor) -> str:
    return f"appt:c:{actor.kind}:{actor.id}"


def _issue(session: Session, actor: Actor, b: Appointment, now: datetime) -> queue.TicketRow:
    """A waiting ticket for the booking: numbered and inserted like every ticket."""
    conn = session.connection()
    return queue.insert_ticket(conn, queue.service_to_issue(conn, b.service_id), actor, now,
                               procedure_code=b.procedure_code, channel="appointment", due_at=b.starts_at,
                               appointment_id=b.id)


# the booking page's address, as its QR holds it (a kiosk's scanner may type it in capitals)
_PAGE = re.compile(r"/appointments/b/(\d{1,18})\?k=([0-9a-f]{12})(?![0-9a-f])", re.IGNORECASE)


def code_of_page(ctx: Context, secret: bytes, text: str) -> str | None:
    """The booking code behind a booking page's address (what the booking's QR holds, held up
    to the kiosk's camera or scanner), or None: not such an address, or a wrong key."""
    found = _PAGE.search(text or "")
    if found is None:
        return None
    booking_id, key = int(found.group(1)), found.group(2).lower()
    if not hmac.compare_digest(key.encode(), booking_key(secret, booking_id).encode()):
        return None
    with ctx.db.reading() as session:
        return session.scalar(select(Appointment.code).where(Appointment.id == booking_id))


def check_in_booking(ctx: Context, actor: Actor, code: str) -> dict[str, Any]:
    """Turn the booking with `code` into a waiting ticket (see the module's docstring)."""
    _may_check_in(actor)
    normal = rules.normalize_code(code)
    key = _client(actor)

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        if actor.kind == "device" and limits.count(session, key, now, CHECK_IN_WINDOW) >= CHECK_IN_FAILURES:
            return {"retry_after": limits.seconds_left(session, key, now, CHECK_IN_WINDOW)}
        b = None
        if rules.code_is_well_formed(normal):
            b = session.scalars(select(Appointment).where(Appointment.code == normal).with_for_update()).one_or_none()
        if b is not None and not actor.in_site(b.site_id):
            b = None  # another hall's booking: as unknown here
        if b is None:
            if actor.kind == "device":
                limits.bump(session, key, now, CHECK_IN_WINDOW)
                limits.forget_old(session, now)
            return {"unknown": True}
        service = session.get(Service, b.service_id)
        site = session.get(Site, b.site_id)
        zone = ZoneInfo(site.timezone)
        rule = load_rule(session, service.id)
        local = b.starts_at.astimezone(zone)
        facts = {"walk_in": True, "service_id": service.id, "starts_at": b.starts_at.isoformat()}
        if b.state == "checked_in" and b.ticket_id is not None:
            return {"ticket": queue._view(session, b.ticket_id), "appointment_id": b.id, "again": True,
                    "due_at": b.starts_at.isoformat()}
        if b.state == "cancelled":
            raise Conflict("Lịch hẹn này đã huỷ. Ông/Bà có thể lấy số thường.",
                           "This appointment was cancelled. You can take a walk-in number.", reason="cancelled",
                           **facts)
        if b.state == "no_show":
            raise Conflict(f"Lịch hẹn lúc {local:%H:%M} ngày {local:%d/%m/%Y} đã quá giờ xác nhận. "
                           "Ông/Bà vui lòng lấy số thường.",
                           f"The appointment at {local:%H:%M} on {local:%d/%m/%Y} is past its check-in time. "
                           "Please take a walk-in number.", reason="too_late", **facts)
        refusal = rules.check_in_refusal(rule, b.starts_at, now, zone)
        if refusal is not None:
            raise Conflict(refusal.vi, refusal.en, reason=refusal.code, **{**facts, **refusal.facts})
        ticket = _issue(session, actor, b, now)
        session.execute(update(Appointment).where(Appointment.id == b.id).values(
            state="checked_in", state_changed_at=now, ticket_id=ticket.id).execution_options(
            synchronize_session=False))
        session.refresh(b)
        log.append(session, site_id=b.site_id, kind="appointment.checked_in", at=now, actor=actor.label,
                   ticket_id=ticket.id, data=_event_data(b, service, ticket_id=ticket.id, ticket_code=ticket.code))
        return {"ticket": queue._view_of(ticket), "appointment_id": b.id, "again": False,
                "due_at": b.starts_at.isoformat()}

    outcome = ctx.db.transaction(work)
    if "retry_after" in outcome:
        raise RateLimited("Nhập sai mã quá nhiều lần. Vui lòng thử lại sau ít phút hoặc hỏi cán bộ.",
                          "Too many unknown codes. Please try again in a few minutes or ask the staff.",
                          retry_after=outcome["retry_after"])
    if outcome.get("unknown"):
        raise _unknown()
    ticket = outcome["ticket"]
    from queue_server.services.queue.estimates import estimate_for_ticket

    with ctx.db.connection() as conn:
        row = queue._ticket_row(conn, ticket.id)
        est = estimate_for_ticket(conn, row, ctx.clock.now()) if row and row.state == "waiting" else None
    return {"ticket": {**ticket.as_json(), "channel": "appointment"}, "channel": "appointment",
            "due_at": outcome["due_at"], "appointment_id": outcome["appointment_id"], "again": outcome["again"],
            "people_ahead": est.people_ahead if est else None, "estimated_wait_s": est.wait_s if est else None,
            "counters": est.counters if est else []}


def mark_no_shows(ctx: Context, actor: Actor) -> int:
    """Bookings whose check-in closed without a check-in become no-shows (their place stays
    taken: the slot has passed). One batch per call; the maintenance round calls it often."""

    def work(session: Session) -> int:
        now = ctx.clock.now()
        rules_by_service: dict[int, rules.SlotRule] = {}
        late_max = timedelta(minutes=rules.LIMITS["late_minutes"][1])
        # every booking still "booked" whose slot began before now: at most the day's bookings
        candidates = list(session.scalars(select(Appointment).where(
            Appointment.state == "booked", Appointment.starts_at < now).order_by(Appointment.starts_at)
            .limit(NO_SHOW_BATCH).with_for_update()))
        count = 0
        for b in candidates:
            rule = rules_by_service.get(b.service_id)
            if rule is None:
                rule = rules_by_service[b.service_id] = rule_of(session.get(AppointmentSetting, b.service_id))
            late = timedelta(minutes=rule.late_minutes) if rule.enabled else late_max
            if b.starts_at + late >= now:
                continue
            b.state, b.state_changed_at = "no_show", now
            service = session.get(Service, b.service_id)
            log.append(session, site_id=b.site_id, kind="appointment.no_show", at=now, actor=actor.label,
                       data=_event_data(b, service))
            count += 1
        return count

    return ctx.db.transaction(work)
