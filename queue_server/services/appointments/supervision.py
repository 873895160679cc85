"""The supervisor's day: a service's slots of one day with their bookings (how many, checked
in, no-shows, cancelled) and, for the staff only, who booked (name, phone). Each reading of
the names is an `appointment.bookings_read` event (who read personal data, Nghị định
13/2023/NĐ-CP); the event holds counts, never the names."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.domain import appointments as rules
from queue_server.events import log
from queue_server.services.admin import require
from queue_server.services.appointments.booking import STATES
from queue_server.services.appointments.settings import load_rule, site_calendar
from queue_server.services.context import Actor, Context
from queue_server.services.errors import not_found
from queue_server.store.tables import Appointment, Service, Site, Ticket


def day_bookings(ctx: Context, actor: Actor, service_id: int, day: date) -> dict[str, Any]:
    """Slots of `day` (the rule's, and any that still hold bookings after a change) with their
    bookings; supervisor+ of the service's site."""

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        service = session.get(Service, service_id)
        if service is None:
            raise not_found("dịch vụ", "Service", service_id)
        require(actor, "supervisor", service.site_id)
        site = session.get(Site, service.site_id)
        zone = ZoneInfo(site.timezone)
        rule = load_rule(session, service.id)
        calendar, hours = site_calendar(ctx, site)
        rows = session.execute(select(Appointment, Ticket.code).outerjoin(Ticket, Ticket.id == Appointment.ticket_id)
                               .where(Appointment.service_id == service.id, Appointment.day == day)
                               .order_by(Appointment.starts_at, Appointment.id)).all()
        slots: dict[datetime, dict[str, Any]] = {}
        for t in rules.slot_starts(rule, day, calendar, hours):
            start = datetime.combine(day, t, zone).astimezone(now.tzinfo)
            slots[start] = _slot(start, zone, rule.capacity)
        for b, ticket_code in rows:
            slot = slots.setdefault(b.starts_at, _slot(b.starts_at, zone, rule.capacity))
            vi, en = STATES.get(b.state, (b.state, b.state))
            slot["bookings"].append({"id": b.id, "code": b.code, "name": b.name, "phone": b.phone, "state": b.state,
                                     "state_vi": vi, "state_en": en, "procedure_code": b.procedure_code,
                                     "ticket_code": ticket_code, "created_at": b.created_at.isoformat(),
                                     "erased": b.personal_erased_at is not None})
            slot["counts"][b.state] = slot["counts"].get(b.state, 0) + 1
        ordered = [slots[k] for k in sorted(slots)]
        for s in ordered:
            c = s["counts"]
            s["booked"] = c.get("booked", 0) + c.get("checked_in", 0) + c.get("no_show", 0)
            s["checked_in"], s["no_show"], s["cancelled"] = c.get("checked_in", 0), c.get("no_show", 0), \
                c.get("cancelled", 0)
        total = sum(len(s["bookings"]) for s in ordered)
        off = calendar.day_off(day)
        if total:
            log.append(session, site_id=site.id, kind="appointment.bookings_read", at=now, actor=actor.label,
                       data={"service_id": service.id, "day": day.isoformat(), "bookings": total,
                             "by_name": actor.name or actor.label})
        return {"service_id": service.id, "service_code": service.code, "service_name_vi": service.name_vi,
                "service_name_en": service.name_en, "day": day.isoformat(), "rule": rule.to_mapping(),
                "day_off": {"vi": off.name_vi, "en": off.name_en} if off else None,
                "slots": ordered,
                "totals": {k: sum(s[k] for s in ordered) for k in ("booked", "checked_in", "no_show", "cancelled")}}

    return ctx.db.transaction(work)


def _slot(start: datetime, zone: ZoneInfo, capacity: int) -> dict[str, Any]:
    return {"time": f"{start.astimezone(zone):%H:%M}", "starts_at": start.isoformat(), "capacity": capacity,
            "bookings": [], "counts": {}}
