""""Lịch hẹn ngày mai": the afternoon before, one message to each citizen booked for the next
day (their booking's phone number, given when booking), with the booking's page.

From REMINDER_HOUR local time the round writes the reminders of the site's bookings for the
next calendar day (still booked, phone not erased), through the bookings' index on state and
start time; then it notes the site as done for that day (the `settings` table), so later
rounds read nothing. The message key `tomorrow:<booking>` makes each reminder one message
whichever process writes it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from queue_server.domain import notifications as rules
from queue_server.services.context import Context
from queue_server.services.notifications.outbox import enqueue
from queue_server.store.tables import Appointment, Service, Setting, Site

REMINDER_HOUR = 16
BATCH = 500


def _done_key(site_id: int) -> str:
    return f"notifications.reminded.{site_id}"


def remind_tomorrow(ctx: Context, booking_url: Callable[[Site, int], str]) -> int:
    """Write the reminders due now; returns how many were written."""
    now = ctx.clock.now()
    written = 0
    with ctx.db.reading() as session:
        sites = list(session.scalars(select(Site)))
        done = dict(session.execute(select(Setting.key, Setting.value).where(
            Setting.key.in_([_done_key(s.id) for s in sites]))).all()) if sites else {}
    for site in sites:
        zone = ZoneInfo(site.timezone)
        local = now.astimezone(zone)
        tomorrow = local.date() + timedelta(days=1)
        if local.hour < REMINDER_HOUR or done.get(_done_key(site.id)) == tomorrow.isoformat():
            continue
        written += _remind_site(ctx, site, tomorrow, zone, now, booking_url)
    return written


def _remind_site(ctx: Context, site: Site, day: date, zone: ZoneInfo, now: datetime,
                 booking_url: Callable[[Site, int], str]) -> int:
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = start + timedelta(days=1)
    with ctx.db.reading() as session:
        rows = list(session.execute(
            select(Appointment.id, Appointment.code, Appointment.phone, Appointment.starts_at,
                   Service.name_vi, Service.name_en)
            .join(Service, Service.id == Appointment.service_id)
            .where(Appointment.site_id == site.id, Appointment.state == "booked", Appointment.starts_at >= start,
                   Appointment.starts_at < end, Appointment.phone != "")
            .order_by(Appointment.starts_at, Appointment.id).limit(BATCH + 1)))
    complete = len(rows) <= BATCH
    rows = rows[:BATCH]
    messages = []
    for r in rows:
        at = r.starts_at.astimezone(zone).strftime("%H:%M")
        text = rules.tomorrow_text(r.code, r.name_vi, r.name_en, at)
        messages.append({"site_id": site.id, "kind": "appointment.tomorrow", "key": f"tomorrow:{r.id}",
                         "recipient": r.phone,
                         "payload": {"kind": "appointment.tomorrow", "site": site.code, "to": r.phone,
                                     "text_vi": text.vi, "text_en": text.en, "code": r.code,
                                     "starts_at": r.starts_at.isoformat(), "url": booking_url(site, r.id)}})

    def work(session: Session) -> int:
        conn = session.connection()
        n = sum(enqueue(conn, now=now, **m) for m in messages)
        if complete:  # every booking of the day has its reminder: later rounds read nothing
            key, value = _done_key(site.id), day.isoformat()
            if not session.execute(update(Setting).where(Setting.key == key).values(value=value)).rowcount:
                session.add(Setting(key=key, value=value))
        return n

    return ctx.db.transaction(work)


__all__ = ["REMINDER_HOUR", "remind_tomorrow"]
